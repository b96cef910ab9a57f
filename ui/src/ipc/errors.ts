// The one wire error (IpcError in bindings.ts): recognise it, title it, show it.
import { notifications } from '@mantine/notifications';
import type { ErrorCode, IpcError } from '../bindings';

const TITLES: Record<ErrorCode, string> = {
  Validation: 'Invalid input',
  NotFound: 'Not found',
  Unreachable: 'Cannot reach the cluster',
  Tls: 'TLS failed',
  Timeout: 'No answer in time',
  Unauthorized: 'Access denied',
  SecretRequired: 'Secret key needed',
  BrokerRejected: 'Rejected by the cluster',
  ReadOnly: 'Read-only connection',
  Conflict: 'Conflict',
  OutcomeUnknown: 'Outcome unknown: check before retrying',
  Cancelled: 'Cancelled',
  Storage: 'Local storage failed',
  Internal: 'Internal error',
};

export function isIpcError(e: unknown): e is IpcError {
  return (
    typeof e === 'object' &&
    e !== null &&
    'code' in e &&
    'message' in e &&
    typeof (e as { code: unknown }).code === 'string' &&
    (e as { code: string }).code in TITLES
  );
}

/** Normalises anything thrown (an IpcError, an Error, a string) into an IpcError. */
export function toIpcError(e: unknown): IpcError {
  if (isIpcError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'Internal', message, detail: null, retryable: false };
}

export function titleFor(code: ErrorCode): string {
  return TITLES[code];
}

/** An error toast showing the code, the message and the technical detail. */
export function showError(e: unknown, context?: string): void {
  const err = toIpcError(e);
  notifications.show({
    color: 'red',
    autoClose: err.retryable ? 8000 : 15000,
    title: `${context ? `${context}: ` : ''}${titleFor(err.code)} [${err.code}]`,
    message: err.detail ? `${err.message} — ${err.detail}` : err.message,
    withBorder: true,
  });
}
