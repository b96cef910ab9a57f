// The strip every job shows once started: how far it got ("12 of 40 messages · note"), a progress
// bar (striped while the total is unknown), how it ended, and Cancel while it runs.
// Test ids, from `testId`: `-progress` (the strip), `-progress-text`, `-outcome` and the cancel
// button's `-cancel` (`-stop` when its label is Stop).
import { Alert, Badge, Button, Group, Progress, Stack, Text } from '@mantine/core';
import { IconPlayerStop } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { jobStarted, type JobState } from '../ipc/jobs';

const OUTCOME_COLOR: Record<string, string> = { completed: 'green', cancelled: 'gray', failed: 'red' };

interface Props<I, S> {
  state: JobState<I, S>;
  /** What `done` counts: "messages", "groups". */
  unit: string;
  onCancel: () => void;
  testId: string;
  /** Replaces the "12 of 40 messages · note" line. */
  text?: ReactNode;
  /** More on the status line, before the outcome and Cancel: badges, a Continue button. */
  children?: ReactNode;
  /** "Stop" for a job that runs until stopped (a live tail); "Pause" for one that resumes later. */
  cancelLabel?: 'Cancel' | 'Stop' | 'Pause';
}

export function JobBar<I, S>({ state, unit, onCancel, testId, text, children, cancelLabel = 'Cancel' }: Props<I, S>) {
  if (!jobStarted(state)) return null;
  const pct = state.total ? Math.min(100, (100 * state.done) / state.total) : 100;
  return (
    <Stack gap={4} data-testid={`${testId}-progress`}>
      <Group justify="space-between" wrap="nowrap">
        <Group gap="xs">
          <Text size="sm" data-testid={`${testId}-progress-text`}>
            {text ?? (
              <>
                {state.done.toLocaleString('en-US')}
                {state.total === null ? '' : ` of ${state.total.toLocaleString('en-US')}`} {unit}
                {state.note ? ` · ${state.note}` : ''}
              </>
            )}
          </Text>
          {children}
        </Group>
        <Group gap="xs" wrap="nowrap">
          {state.outcome ? (
            <Badge color={OUTCOME_COLOR[state.outcome.status] ?? 'gray'} data-testid={`${testId}-outcome`}>
              {state.outcome.status}
            </Badge>
          ) : null}
          <Button
            size="compact-sm"
            color="red"
            variant="light"
            leftSection={<IconPlayerStop size={12} />}
            disabled={!state.running}
            onClick={onCancel}
            data-testid={`${testId}-${cancelLabel.toLowerCase()}`}
          >
            {cancelLabel}
          </Button>
        </Group>
      </Group>
      <Progress value={pct} striped={state.total === null} animated={state.running} />
      {state.outcome?.status === 'failed' ? <Alert color="red">{state.outcome.message}</Alert> : null}
    </Stack>
  );
}
