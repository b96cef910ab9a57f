// Reset many groups at once: one mode (earliest, latest or a time), each group's own topics or one
// topic; the preview lists every group (queues that move, re-read, skipped, online or offline, or why
// it cannot be planned); applying starts a job that resets the groups a few at a time with a progress
// bar, a Cancel button (it stops between groups: a group is never left half reset) and one result
// line per group. Every group's reset has its own snapshot and Undo in the group's detail.
import { Badge, Button, Group, Modal, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import {
  commands,
  type BulkGroupPlan,
  type BulkGroupResult,
  type BulkResetPlan,
  type BulkResetRequest,
  type BulkSummary,
  type ConnectionProfile,
  type ResetMode,
} from '../../../bindings';
import type { Column } from '../../../components/columns';
import { JobBar } from '../../../components/JobBar';
import { SmallTable } from '../../../components/SmallTable';
import { jobStarted, useJobRunner } from '../../../ipc/jobs';
import { formatOffset } from '../../../lib/format';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
import { groupKeys } from '../api';
import { localInput } from './ResetOffsetsModal';

type Kind = 'earliest' | 'latest' | 'timestamp';

const PLAN_COLUMNS: Column<BulkGroupPlan>[] = [
  {
    key: 'group',
    header: 'Group',
    mono: true,
    render: (g) => (
      <>
        {g.group}
        {g.error ? <Text size="10px" c="red">left alone: {g.error}</Text> : null}
        {g.failedBrokers.length ? <Text size="10px" c="orange">{g.failedBrokers.map((f) => `${f.brokerName}: ${f.error}`).join('; ')}</Text> : null}
      </>
    ),
  },
  { key: 'path', header: 'Path', render: (g) => (g.path === null ? '—' : g.path === 'online' ? `online · ${g.onlineClients}` : 'offline') },
  { key: 'moving', header: 'Queues moving', numeric: true, render: (g) => `${g.changing} / ${g.queues}` },
  { key: 'reread', header: 'Re-read', numeric: true, render: (g) => <Text span inherit c={g.reread !== '0' ? 'blue' : 'dimmed'}>{formatOffset(g.reread)}</Text> },
  { key: 'skipped', header: 'Skipped', numeric: true, render: (g) => <Text span inherit c={g.skipped !== '0' ? 'red' : 'dimmed'}>{formatOffset(g.skipped)}</Text> },
];

const OUTCOME_COLOR: Record<string, string> = { ok: 'green', partial: 'orange', failed: 'red' };

const RESULT_COLUMNS: Column<BulkGroupResult>[] = [
  {
    key: 'group',
    header: 'Group',
    mono: true,
    render: (r) => (
      <>
        {r.group}
        {r.error ? <Text size="10px" c={r.outcome ? 'red' : 'dimmed'}>{r.error}</Text> : null}
      </>
    ),
  },
  {
    key: 'outcome',
    header: 'Outcome',
    render: (r) => (
      <Badge size="xs" color={r.outcome ? (OUTCOME_COLOR[r.outcome] ?? 'gray') : 'gray'} variant="light">
        {r.outcome ?? 'not run'}
      </Badge>
    ),
  },
  { key: 'changed', header: 'Queues changed', numeric: true, render: (r) => r.queuesChanged },
  { key: 'failed', header: 'Did not take', numeric: true, render: (r) => <Text span inherit c={r.queuesFailed ? 'red' : 'dimmed'}>{r.queuesFailed}</Text> },
  { key: 'snapshot', header: 'Snapshot', render: (r) => <Text span inherit c="dimmed">{r.snapshotId === null ? '—' : `#${r.snapshotId} (Undo in the group's detail)`}</Text> },
];

export function BulkPlanTable({ plan }: { plan: BulkResetPlan }) {
  return (
    <Stack gap={4} data-testid="bulk-plan">
      <Text size="xs">
        {plan.groups.length} groups · <b data-testid="bulk-reread">{formatOffset(plan.reread)}</b> re-read · <b data-testid="bulk-skipped">{formatOffset(plan.skipped)}</b> skipped
      </Text>
      <SmallTable rows={plan.groups} columns={PLAN_COLUMNS} rowKey={(g) => g.group} rowTestId="bulk-plan-row" />
    </Stack>
  );
}

export function BulkResetModal({ connection, groups, onClose }: { connection: ConnectionProfile; groups: string[]; onClose: () => void }) {
  const qc = useQueryClient();
  const [kind, setKind] = useState<Kind>('earliest');
  const [at, setAt] = useState(() => localInput(Date.now() - 3_600_000));
  const [topic, setTopic] = useState('');
  const [request, setRequest] = useState<BulkResetRequest | null>(null);
  const [plan, setPlan] = useState<BulkResetPlan | null>(null);
  const job = useJobRunner<BulkGroupResult, BulkSummary>();
  const mode = (): ResetMode | null => {
    if (kind !== 'timestamp') return { kind };
    const ms = new Date(at).getTime();
    return Number.isNaN(ms) ? null : { kind: 'timestamp', at: ms };
  };
  const m = mode();
  const s = job.state;
  const finished = s.outcome !== null;
  useEffect(() => {
    if (finished) void qc.invalidateQueries({ queryKey: groupKeys.all(connection.id) });
  }, [finished, qc, connection.id]);
  return (
    <Modal opened onClose={s.running ? () => undefined : onClose} size="xl" title={<Text fw={700}>Reset offsets of {groups.length} groups</Text>}>
      {!jobStarted(s) ? (
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
            <WriteButton disabled={m === null} onClick={() => m && setRequest({ groups, topic: topic.trim() || null, mode: m })} data-testid="bulk-preview">
              Preview
            </WriteButton>
          </Group>
        </Stack>
      ) : (
        <Stack gap="sm" data-testid="bulk-job">
          <JobBar state={s} unit="groups" onCancel={() => void job.cancel()} testId="bulk" />
          <SmallTable rows={s.items} columns={RESULT_COLUMNS} rowKey={(r) => r.group} empty="No group reset yet" testId="bulk-results" rowTestId="bulk-result-row" />
          <Group justify="flex-end">
            <Button disabled={s.running} onClick={onClose} data-testid="bulk-close">
              Close
            </Button>
          </Group>
        </Stack>
      )}
      <PreviewDialog<unknown>
        planKey={request ? previewKeys.plan('bulk-reset', connection.id, request) : null}
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
          void qc.invalidateQueries({ queryKey: groupKeys.all(connection.id) });
        }}
      />
    </Modal>
  );
}
