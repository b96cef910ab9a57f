// Reset many groups at once: one mode (earliest, latest or a time), each group's own topics or one
// topic; the preview lists every group (queues that move, re-read, skipped, online or offline, or why
// it cannot be planned); applying starts a job that resets the groups a few at a time with a progress
// bar, a Cancel button (it stops between groups: a group is never left half reset) and one result
// line per group. Every group's reset has its own snapshot and Undo in the group's detail.
import { Alert, Badge, Button, Group, Modal, Progress, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { commands, type BulkGroupResult, type BulkResetPlan, type BulkResetRequest, type ConnectionProfile, type ResetMode } from '../../../bindings';
import { useJobRunner } from '../../../ipc/jobs';
import { formatOffset } from '../../../lib/format';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { groupKeys } from '../api';
import { localInput } from './ResetOffsetsModal';

type Kind = 'earliest' | 'latest' | 'timestamp';

export function BulkPlanTable({ plan }: { plan: BulkResetPlan }) {
  return (
    <Stack gap={4} data-testid="bulk-plan">
      <Text size="xs">
        {plan.groups.length} groups · <b data-testid="bulk-reread">{formatOffset(plan.reread)}</b> re-read · <b data-testid="bulk-skipped">{formatOffset(plan.skipped)}</b> skipped
      </Text>
      <Table fz="xs" verticalSpacing={2} withTableBorder striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Group</Table.Th>
            <Table.Th>Path</Table.Th>
            <Table.Th ta="right">Queues moving</Table.Th>
            <Table.Th ta="right">Re-read</Table.Th>
            <Table.Th ta="right">Skipped</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {plan.groups.map((g) => (
            <Table.Tr key={g.group} data-testid="bulk-plan-row">
              <Table.Td ff="monospace">
                {g.group}
                {g.error ? <Text size="10px" c="red">left alone: {g.error}</Text> : null}
                {g.failedBrokers.length ? <Text size="10px" c="orange">{g.failedBrokers.map((f) => `${f.brokerName}: ${f.error}`).join('; ')}</Text> : null}
              </Table.Td>
              <Table.Td>{g.path === null ? '—' : g.path === 'online' ? `online · ${g.onlineClients}` : 'offline'}</Table.Td>
              <Table.Td ta="right">{g.changing} / {g.queues}</Table.Td>
              <Table.Td ta="right" c={g.reread !== '0' ? 'blue' : 'dimmed'}>{formatOffset(g.reread)}</Table.Td>
              <Table.Td ta="right" c={g.skipped !== '0' ? 'red' : 'dimmed'}>{formatOffset(g.skipped)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

const OUTCOME_COLOR: Record<string, string> = { ok: 'green', partial: 'orange', failed: 'red' };

export function BulkResetModal({ connection, groups, onClose }: { connection: ConnectionProfile; groups: string[]; onClose: () => void }) {
  const qc = useQueryClient();
  const [kind, setKind] = useState<Kind>('earliest');
  const [at, setAt] = useState(() => localInput(Date.now() - 3_600_000));
  const [topic, setTopic] = useState('');
  const [request, setRequest] = useState<BulkResetRequest | null>(null);
  const [plan, setPlan] = useState<BulkResetPlan | null>(null);
  const [started, setStarted] = useState(false);
  const job = useJobRunner<BulkGroupResult>();
  const mode = (): ResetMode | null => {
    if (kind !== 'timestamp') return { kind };
    const ms = new Date(at).getTime();
    return Number.isNaN(ms) ? null : { kind: 'timestamp', at: ms };
  };
  const m = mode();
  const s = job.state;
  const total = s.total ?? (plan?.groups.length ?? groups.length);
  const finished = s.outcome !== null;
  useEffect(() => {
    if (finished) void qc.invalidateQueries({ queryKey: groupKeys.all(connection.id) });
  }, [finished, qc, connection.id]);
  return (
    <Modal opened onClose={s.running ? () => undefined : onClose} size="xl" title={<Text fw={700}>Reset offsets of {groups.length} groups</Text>}>
      {!started ? (
        <Stack gap="sm" data-testid="bulk-form">
          <Text size="xs" c="dimmed" lineClamp={3}>
            {groups.join(', ')}
          </Text>
          <SegmentedControl
            value={kind}
            onChange={(v) => setKind(v as Kind)}
            data={[
              { value: 'earliest', label: 'Earliest' },
              { value: 'latest', label: 'Latest (skip backlog)' },
              { value: 'timestamp', label: 'To a time' },
            ]}
            data-testid="bulk-mode"
          />
          {kind === 'timestamp' ? <TextInput type="datetime-local" step={1} label="Time (local)" value={at} onChange={(e) => setAt(e.currentTarget.value)} /> : null}
          <TextInput label="Topic" description="Blank: each group's own topics" value={topic} onChange={(e) => setTopic(e.currentTarget.value)} data-testid="bulk-topic" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button disabled={m === null} onClick={() => m && setRequest({ groups, topic: topic.trim() || null, mode: m })} data-testid="bulk-preview">
              Preview
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="sm" data-testid="bulk-job">
          <Group justify="space-between">
            <Text size="sm" data-testid="bulk-progress-text">
              {s.done} of {total} groups{s.note ? ` · ${s.note}` : ''}
            </Text>
            {finished ? (
              <Badge color={s.outcome?.status === 'completed' ? 'green' : s.outcome?.status === 'cancelled' ? 'gray' : 'red'} data-testid="bulk-outcome">
                {s.outcome?.status}
              </Badge>
            ) : null}
          </Group>
          <Progress value={total ? (100 * s.done) / total : 0} animated={s.running} data-testid="bulk-progress" />
          {s.outcome?.status === 'failed' ? <Alert color="red">{s.outcome.message}</Alert> : null}
          <Table fz="xs" verticalSpacing={2} withTableBorder striped data-testid="bulk-results">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th ta="right">Queues changed</Table.Th>
                <Table.Th ta="right">Did not take</Table.Th>
                <Table.Th>Snapshot</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {s.items.map((r) => (
                <Table.Tr key={r.group} data-testid="bulk-result-row">
                  <Table.Td ff="monospace">
                    {r.group}
                    {r.error ? <Text size="10px" c={r.outcome ? 'red' : 'dimmed'}>{r.error}</Text> : null}
                  </Table.Td>
                  <Table.Td>
                    <Badge size="xs" color={r.outcome ? (OUTCOME_COLOR[r.outcome] ?? 'gray') : 'gray'} variant="light">
                      {r.outcome ?? 'not run'}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{r.queuesChanged}</Table.Td>
                  <Table.Td ta="right" c={r.queuesFailed ? 'red' : 'dimmed'}>{r.queuesFailed}</Table.Td>
                  <Table.Td c="dimmed">{r.snapshotId === null ? '—' : `#${r.snapshotId} (Undo in the group's detail)`}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="flex-end">
            <Button color="red" variant="light" disabled={!s.running} onClick={() => void job.cancel()} data-testid="bulk-cancel">
              Cancel
            </Button>
            <Button disabled={s.running} onClick={onClose} data-testid="bulk-close">
              Close
            </Button>
          </Group>
        </Stack>
      )}
      <PreviewDialog<unknown>
        planKey={request ? ['bulk-reset', connection.id, JSON.stringify(request)] : null}
        loadPlan={async () => {
          const p = await commands.offsetPlanBulk(connection.id, request as BulkResetRequest);
          setPlan(p);
          return p.plan;
        }}
        extra={plan ? <BulkPlanTable plan={plan} /> : null}
        apply={(confirmation) => job.start((channel) => commands.offsetResetBulk(connection.id, request as BulkResetRequest, confirmation, channel))}
        applyLabel={`Reset ${groups.length} groups`}
        onClose={() => setRequest(null)}
        onApplied={() => {
          setRequest(null);
          setStarted(true);
          void qc.invalidateQueries({ queryKey: groupKeys.all(connection.id) });
        }}
      />
    </Modal>
  );
}
