// The strip every job shows: how far it got ("12 of 40 messages"), a progress bar, how it ended,
// and Cancel while it runs.
import { Alert, Badge, Button, Group, Progress, Stack, Text } from '@mantine/core';
import { IconPlayerStop } from '@tabler/icons-react';
import type { JobState } from '../ipc/jobs';

const OUTCOME_COLOR: Record<string, string> = { completed: 'green', cancelled: 'gray', failed: 'red' };

export function JobBar<T>({ state, unit, onCancel, testId }: { state: JobState<T>; unit: string; onCancel: () => void; testId: string }) {
  const pct = state.total ? Math.min(100, (100 * state.done) / state.total) : state.running ? 0 : 100;
  return (
    <Stack gap={4} data-testid={testId}>
      <Group justify="space-between">
        <Text size="sm" data-testid={`${testId}-text`}>
          {state.done.toLocaleString('en-US')}
          {state.total === null ? '' : ` of ${state.total.toLocaleString('en-US')}`} {unit}
          {state.note ? ` · ${state.note}` : ''}
        </Text>
        <Group gap="xs">
          {state.outcome ? (
            <Badge color={OUTCOME_COLOR[state.outcome.status] ?? 'gray'} data-testid={`${testId}-outcome`}>
              {state.outcome.status}
            </Badge>
          ) : null}
          <Button size="compact-sm" color="red" variant="light" leftSection={<IconPlayerStop size={12} />} disabled={!state.running} onClick={onCancel} data-testid={`${testId}-cancel`}>
            Cancel
          </Button>
        </Group>
      </Group>
      <Progress value={pct} animated={state.running} />
      {state.outcome?.status === 'failed' ? <Alert color="red">{state.outcome.message}</Alert> : null}
    </Stack>
  );
}
