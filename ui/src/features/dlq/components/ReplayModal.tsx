// Replaying dead letters: choose where the copies go (each message's original topic, the group's
// retry topic, or a chosen topic) and a rate; the dry run says how many go where and which cannot
// be replayed and why; the preview dialog confirms; the job streams every message's outcome with a
// progress bar and Pause (the journal keeps the rest, to resume); the report can be exported.
import { Alert, Autocomplete, Badge, Button, Group, Modal, NumberInput, SegmentedControl, Stack, Text } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type ConnectionId, type ReplayItem, type ReplayRequest, type ReplaySelection, type ReplaySummary, type ReplayTarget, type Unresolved } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { JobBar } from '../../../components/JobBar';
import { SmallTable } from '../../../components/SmallTable';
import { toIpcError } from '../../../ipc/errors';
import { jobStarted, useJobRunner } from '../../../ipc/jobs';
import { download } from '../../../lib/download';
import { formatDuration } from '../../../lib/format';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
import { dlqDryRunQuery, dlqKeys } from '../api';

const STATE_COLOR: Record<ReplayItem['state'], string> = {
  pending: 'gray',
  sending: 'yellow',
  sent: 'green',
  storedNotOk: 'orange',
  failed: 'red',
  unresolvable: 'red',
};

export const REPORT_COLUMNS: Column<ReplayItem>[] = [
  { key: 'seq', header: '#', width: 50, numeric: true, render: (i) => i.seq + 1 },
  { key: 'dlq', header: 'Dead letter', mono: true, render: (i) => i.dlqOffsetId },
  { key: 'keys', header: 'Keys', width: 170, render: (i) => <Text span size="xs" truncate title={i.keys ?? undefined}>{i.keys ?? '—'}</Text> },
  { key: 'target', header: 'To', mono: true, render: (i) => i.targetTopic ?? '—' },
  {
    key: 'state',
    header: 'Outcome',
    render: (i) => (
      <Badge size="xs" variant="light" color={STATE_COLOR[i.state]}>
        {i.state === 'storedNotOk' ? 'stored, not OK' : i.state}
      </Badge>
    ),
  },
  { key: 'status', header: 'Status', render: (i) => <Text span size="xs" c={i.state === 'sent' ? undefined : 'red'}>{i.status ?? '—'}</Text> },
  { key: 'copy', header: 'Copy', mono: true, render: (i) => i.newOffsetId ?? i.newMsgId },
];

const UNRESOLVED_COLUMNS: Column<Unresolved>[] = [
  { key: 'id', header: 'Dead letter', mono: true, render: (u) => u.dlqOffsetId },
  { key: 'why', header: 'Why it cannot be replayed', render: (u) => u.reason },
];

/** A replay's report as CSV (one row per message). */
export function reportCsv(items: ReplayItem[]): string {
  const cell = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s;
  };
  const head = 'seq,dlqOffsetId,dlqMsgId,keys,targetTopic,state,status,newMsgId,newOffsetId';
  return [head, ...items.map((i) => [i.seq + 1, i.dlqOffsetId, i.dlqMsgId, i.keys, i.targetTopic, i.state, i.status, i.newMsgId, i.newOffsetId].map(cell).join(','))].join('\n');
}

type Mode = 'original' | 'retryTopic' | 'topic';

export function ReplayModal({
  connectionId,
  group,
  selection,
  topics,
  onClose,
}: {
  connectionId: ConnectionId;
  group: string;
  /** Null: closed. */
  selection: ReplaySelection | null;
  topics: string[];
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const [mode, setMode] = useState<Mode>('original');
  const [topic, setTopic] = useState('');
  const [rate, setRate] = useState<number | ''>('');
  const [dry, setDry] = useState<ReplayRequest | null>(null);
  const [confirming, setConfirming] = useState<ReplayRequest | null>(null);
  const job = useJobRunner<ReplayItem, ReplaySummary>();
  const s = job.state;
  const summary = s.outcome?.status === 'completed' ? s.outcome.summary : null;
  const plan = useQuery(dlqDryRunQuery(connectionId, dry));
  const request = (): ReplayRequest | null => {
    if (!selection) return null;
    const target: ReplayTarget = mode === 'topic' ? { kind: 'topic', topic: topic.trim() } : { kind: mode };
    return { group, selection, target, rate: rate === '' ? null : rate };
  };
  const close = () => {
    setDry(null);
    setConfirming(null);
    job.reset();
    void qc.invalidateQueries({ queryKey: dlqKeys.all(connectionId) });
    onClose();
  };
  const p = plan.data;
  return (
    <>
      <Modal opened={selection !== null && confirming === null} onClose={close} size="xl" title={<Text fw={700}>Replay dead letters of {group}</Text>}>
        <Stack gap="sm" data-testid="replay-modal">
          {!jobStarted(s) ? (
            <>
              <SegmentedControl
                value={mode}
                onChange={(v) => {
                  setMode(v as Mode);
                  setDry(null);
                }}
                data={[
                  { value: 'original', label: 'Original topic' },
                  { value: 'retryTopic', label: "The group's retry topic" },
                  { value: 'topic', label: 'Another topic' },
                ]}
                data-testid="replay-target"
              />
              <Group align="flex-end" gap="xs">
                {mode === 'topic' ? <Autocomplete label="Topic" w={280} data={topics} value={topic} onChange={(v) => (setTopic(v), setDry(null))} limit={50} data-testid="replay-topic" /> : null}
                <NumberInput label="Rate (messages/s, blank: unlimited)" w={240} min={1} value={rate} onChange={(v) => (setRate(v === '' ? '' : Number(v)), setDry(null))} data-testid="replay-rate" />
                <Button variant="light" disabled={mode === 'topic' && !topic.trim()} loading={plan.isFetching} onClick={() => setDry(request())} data-testid="replay-dry-run">
                  Dry run
                </Button>
              </Group>
              {plan.error ? <ErrorAlert error={toIpcError(plan.error)} /> : null}
              {p ? (
                <Stack gap="xs" data-testid="replay-plan">
                  <Text size="sm" fw={700} data-testid="replay-plan-total">
                    {p.total.toLocaleString('en-US')} dead letter(s): {(p.total - p.unresolved.length).toLocaleString('en-US')} to replay
                    {p.unresolved.length ? `, ${p.unresolved.length} cannot be` : ''}
                    {p.estimatedMs !== null ? ` · about ${formatDuration(p.estimatedMs)} at ${p.rate}/s` : ''}
                  </Text>
                  {p.targets.map((t) => (
                    <Text key={t.topic} size="xs" ff="monospace">
                      → {t.topic}: {t.messages.toLocaleString('en-US')}
                    </Text>
                  ))}
                  {p.unresolved.length ? (
                    <Alert color="orange" variant="light" p="xs" title="Cannot be replayed (reported, not sent)">
                      <SmallTable rows={p.unresolved.slice(0, 50)} columns={UNRESOLVED_COLUMNS} rowKey={(u) => u.dlqOffsetId} testId="replay-unresolved" />
                    </Alert>
                  ) : null}
                </Stack>
              ) : null}
              <Group justify="flex-end">
                <Button variant="default" onClick={close}>
                  Cancel
                </Button>
                <WriteButton leftSection={<IconPlayerPlay size={14} />} disabled={!p || p.total === p.unresolved.length} onClick={() => setConfirming(dry)} data-testid="replay-preview">
                  Replay…
                </WriteButton>
              </Group>
            </>
          ) : (
            <>
              <JobBar state={s} unit="messages" onCancel={() => void job.cancel()} cancelLabel="Pause" testId="replay" />
              {summary ? (
                <Alert color={summary.state === 'done' && summary.counts.failed === 0 ? 'green' : 'orange'} variant="light" data-testid="replay-summary">
                  <Text size="sm">
                    {summary.state === 'done' ? 'Done' : summary.state === 'paused' ? 'Paused' : 'Interrupted'}: {summary.counts.sent} sent
                    {summary.counts.storedNotOk ? `, ${summary.counts.storedNotOk} stored with another status` : ''}
                    {summary.counts.failed ? `, ${summary.counts.failed} failed` : ''}
                    {summary.counts.unresolvable ? `, ${summary.counts.unresolvable} not replayable` : ''}
                    {summary.counts.pending + summary.counts.sending ? `, ${summary.counts.pending + summary.counts.sending} left (resume from the replays list)` : ''} · {(summary.perSecond ?? 0).toFixed(0)} msg/s · journal entry #{summary.auditId}
                  </Text>
                  {summary.note ? <Text size="xs">{summary.note}</Text> : null}
                </Alert>
              ) : null}
              <SmallTable rows={s.items.slice(-200)} columns={REPORT_COLUMNS} rowKey={(i) => String(i.seq)} empty="No message settled yet" testId="replay-results" />
              <Group justify="flex-end">
                {summary ? (
                  <Button
                    variant="light"
                    onClick={() => void commands.dlqReplayReport(summary.replayId).then((items) => download(`replay-${group}-${summary.replayId.slice(0, 8)}.csv`, reportCsv(items), 'text/csv'))}
                    data-testid="replay-export"
                  >
                    Export report (CSV)
                  </Button>
                ) : null}
                <Button variant="default" onClick={close} data-testid="replay-close">
                  Close
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </Modal>
      <PreviewDialog<unknown>
        planKey={confirming ? previewKeys.plan('dlq-replay', connectionId, confirming) : null}
        loadPlan={() => commands.dlqPlanReplay(connectionId, confirming as ReplayRequest).then((r) => r.plan)}
        apply={(confirmation) => job.start((channel) => commands.dlqReplay(connectionId, confirming as ReplayRequest, confirmation, channel))}
        applyLabel="Replay"
        onClose={() => setConfirming(null)}
        onApplied={() => setConfirming(null)}
      />
    </>
  );
}
