// On a read-only connection every control that would start a change is shown disabled, with the
// reason in a tooltip and as its accessible description. The core refuses such changes anyway
// (ErrorCode ReadOnly): this only says so before anyone tries. The app wraps each connection screen
// in WriteGuardProvider; outside one (a component rendered on its own) writes are allowed.
import { Button, type ButtonProps, type ElementProps, Tooltip, VisuallyHidden } from '@mantine/core';
import { createContext, type ReactNode, useContext, useId } from 'react';

export const READ_ONLY_REASON = 'Read-only connection: changes are refused';

const ReadOnly = createContext(false);

export function WriteGuardProvider({ readOnly, children }: { readOnly: boolean; children: ReactNode }) {
  return <ReadOnly.Provider value={readOnly}>{children}</ReadOnly.Provider>;
}

/** Whether changes are off on this connection, and why. */
export function useWriteGuard(): { disabled: boolean; reason: string | null } {
  const readOnly = useContext(ReadOnly);
  return { disabled: readOnly, reason: readOnly ? READ_ONLY_REASON : null };
}

type Props = ButtonProps & ElementProps<'button', keyof ButtonProps> & { 'data-testid'?: string };

/**
 * A Button that starts a change: disabled on a read-only connection, the reason in a tooltip and as
 * its accessible description (test id `${data-testid}-reason`).
 */
export function WriteButton(props: Props) {
  const guard = useWriteGuard();
  const reasonId = useId();
  if (!guard.reason) return <Button {...props} />;
  const testId = props['data-testid'];
  return (
    <>
      <Tooltip label={guard.reason}>
        {/* The tooltip hangs on this wrapper: the disabled button lets the pointer through to it. */}
        <span style={{ display: 'inline-block' }}>
          <Button {...props} disabled aria-describedby={reasonId} style={{ pointerEvents: 'none' }} />
        </span>
      </Tooltip>
      <VisuallyHidden id={reasonId} data-testid={testId ? `${testId}-reason` : undefined}>
        {guard.reason}
      </VisuallyHidden>
    </>
  );
}
