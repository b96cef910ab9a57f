// Offset reset: pick the topics and the mode (earliest, latest, a time, exact offsets per queue, or
// another group's offsets), preview every queue (current → new, re-read or skipped, the time span),
// apply. The core saves a snapshot first and reads every queue back; the result says which queues
// took and offers Undo.
import { Alert, Badge, Button, Group, Modal, NumberInput, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import {
  commands,
  type ConnectionProfile,
  type GroupDetail,
  type GroupQueue,
  type OffsetPlan,
  type QueuePlan,
  type QueueResult,
  type ResetMode,
  type ResetRequest,
  type ResetResult,
} from '../../../bindings';
import type { Column } from '../../../components/columns';
import { SmallTable } from '../../../components/SmallTable';
import { formatDuration, formatOffset, formatTime } from '../../../lib/format';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';

type ModeKind = ResetMode['kind'];

/** Local date-time text (for an <input type="datetime-local">) of a time in ms. */
export function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

interface QueueRef {
  topic: string;
  brokerName: string;
  queueId: number;
}

const queueKey = (q: QueueRef) => `${q.topic}|${q.brokerName}|${q.queueId}`;

const QUEUE_COLUMN: Column<QueueRef> = {
  key: 'queue',
  header: 'Queue',
  mono: true,
  render: (q) => `${q.topic} · ${q.brokerName} #${q.queueId}`,
};

const PLAN_COLUMNS: Column<QueuePlan>[] = [
  {
    ...QUEUE_COLUMN,
    render: (q) => (
      <>
        {QUEUE_COLUMN.render(q)}
        {q.note ? <Text size="10px" c="orange">{q.note}</Text> : null}
      </>
    ),
  },
  { key: 'range', header: 'Range', numeric: true, render: (q) => <Text span inherit c="dimmed">{formatOffset(q.minOffset)}–{formatOffset(q.maxOffset)}</Text> },
  { key: 'current', header: 'Current', numeric: true, render: (q) => (q.current === '-1' ? 'none' : formatOffset(q.current)) },
  { key: 'new', header: 'New', numeric: true, render: (q) => <b>{formatOffset(q.target)}</b> },
  { key: 'reread', header: 'Re-read', numeric: true, render: (q) => <Text span inherit c={q.reread !== '0' ? 'blue' : 'dimmed'}>{formatOffset(q.reread)}</Text> },
  { key: 'skipped', header: 'Skipped', numeric: true, render: (q) => <Text span inherit c={q.skipped !== '0' ? 'red' : 'dimmed'}>{formatOffset(q.skipped)}</Text> },
  {
    key: 'span',
    header: 'Time span',
    render: (q) => {
      const span = q.currentTime !== null && q.targetTime !== null ? formatDuration(Math.abs(q.currentTime - q.targetTime)) : null;
      return (
        <Text span inherit c="dimmed">
          {q.targetTime !== null ? formatTime(q.targetTime) : '—'}
          {span ? ` (${span} ${q.reread !== '0' ? 'back' : 'ahead'})` : ''}
        </Text>
      );
    },
  },
];

const RESULT_COLUMNS: Column<QueueResult>[] = [
  QUEUE_COLUMN,
  { key: 'before', header: 'Before', numeric: true, render: (q) => formatOffset(q.before) },
  { key: 'target', header: 'Target', numeric: true, render: (q) => formatOffset(q.target) },
  { key: 'after', header: 'Read back', numeric: true, render: (q) => formatOffset(q.after) },
  { key: 'took', header: 'Took', render: (q) => <Text span inherit c={q.took ? 'green' : 'red'}>{q.took ? 'yes' : (q.error ?? 'no')}</Text> },
];

/** The per-queue preview: current → new, what is re-read or skipped and the time it spans. */
export function QueuePlanTable({ plan }: { plan: OffsetPlan }) {
  const changing = plan.queues.filter((q) => q.current !== q.target);
  return (
    <Stack gap={4} data-testid="reset-queues">
      <Group gap="xs">
        <Badge color={plan.path === 'online' ? 'green' : 'gray'} variant="light" data-testid="reset-path">
          {plan.path === 'online' ? `online · ${plan.onlineClients} client(s) · through the broker` : 'offline · written per queue'}
        </Badge>
        <Text size="xs">
          {changing.length} of {plan.queues.length} queues change · <b data-testid="reset-reread">{formatOffset(plan.reread)}</b> re-read ·{' '}
          <b data-testid="reset-skipped">{formatOffset(plan.skipped)}</b> skipped
        </Text>
      </Group>
      <SmallTable rows={plan.queues} columns={PLAN_COLUMNS} rowKey={queueKey} faded={(q) => q.current === q.target} />
      {plan.failedBrokers.length > 0 ? (
        <Alert color="orange" variant="light">
          {plan.failedBrokers.map((f) => `${f.brokerName}: ${f.error}`).join('; ')}
        </Alert>
      ) : null}
    </Stack>
  );
}

export function ResetOffsetsModal({
  connection,
  detail,
  onClose,
  onApplied,
}: {
  connection: ConnectionProfile;
  detail: GroupDetail;
  onClose: () => void;
  onApplied: (r: ResetResult) => void;
}) {
  const topics = useMemo(() => detail.topics.map((t) => t.topic).filter((t) => !t.startsWith('%RETRY%')), [detail]);
  const [topic, setTopic] = useState<string>(topics.length === 1 ? (topics[0] ?? '') : '');
  const [kind, setKind] = useState<ModeKind>('earliest');
  const [at, setAt] = useState(() => localInput(Date.now() - 3_600_000));
  const [source, setSource] = useState('');
  const [exact, setExact] = useState<Record<string, string>>({});
  const [request, setRequest] = useState<ResetRequest | null>(null);
  const [plan, setPlan] = useState<OffsetPlan | null>(null);
  const queues = detail.queues.filter((q) => !q.topic.startsWith('%RETRY%') && (topic === '' || q.topic === topic));
  const mode = (): ResetMode | null => {
    switch (kind) {
      case 'earliest':
        return { kind: 'earliest' };
      case 'latest':
        return { kind: 'latest' };
      case 'timestamp': {
        const ms = new Date(at).getTime();
        return Number.isNaN(ms) ? null : { kind: 'timestamp', at: ms };
      }
      case 'copyFrom':
        return source.trim() ? { kind: 'copyFrom', group: source.trim() } : null;
      case 'exact':
        return {
          kind: 'exact',
          offsets: queues
            .filter((q) => (exact[queueKey(q)] ?? '') !== '')
            .map((q) => ({ topic: q.topic, brokerName: q.brokerName, queueId: q.queueId, offset: exact[queueKey(q)] ?? '0' })),
        };
    }
  };
  const m = mode();
  const exactColumns: Column<GroupQueue>[] = [
    QUEUE_COLUMN,
    { key: 'broker', header: 'Broker offset', numeric: true, render: (q) => formatOffset(q.brokerOffset) },
    { key: 'current', header: 'Current', numeric: true, render: (q) => formatOffset(q.consumerOffset) },
    {
      key: 'new',
      header: 'New offset',
      render: (q) => (
        <NumberInput
          size="xs"
          w={140}
          min={0}
          allowDecimal={false}
          placeholder="unchanged"
          value={exact[queueKey(q)] ?? ''}
          onChange={(v) => setExact((e) => ({ ...e, [queueKey(q)]: v === '' ? '' : String(v) }))}
        />
      ),
    },
  ];
  return (
    <>
      <Modal opened={request === null} onClose={onClose} size="xl" title={<Text fw={700}>Reset offsets of {detail.group}</Text>}>
        <Stack gap="sm" data-testid="reset-form">
          <Select
            size="xs"
            label="Topics"
            data={[{ value: '', label: `Every topic of the group (${topics.length})` }, ...topics.map((t) => ({ value: t, label: t }))]}
            value={topic}
            onChange={(v) => setTopic(v ?? '')}
            allowDeselect={false}
            data-testid="reset-topic"
          />
          <SegmentedControl
            size="xs"
            value={kind}
            onChange={(v) => setKind(v as ModeKind)}
            data={[
              { value: 'earliest', label: 'Earliest' },
              { value: 'latest', label: 'Latest (skip backlog)' },
              { value: 'timestamp', label: 'To a time' },
              { value: 'exact', label: 'Exact offsets' },
              { value: 'copyFrom', label: 'Copy from group' },
            ]}
            data-testid="reset-mode"
          />
          {kind === 'timestamp' ? (
            <TextInput size="xs" type="datetime-local" step={1} label="First message stored at or after (local time)" value={at} onChange={(e) => setAt(e.currentTarget.value)} data-testid="reset-at" />
          ) : null}
          {kind === 'copyFrom' ? (
            <TextInput size="xs" label="Source group" placeholder="the group whose offsets to copy" value={source} onChange={(e) => setSource(e.currentTarget.value)} data-testid="reset-source" />
          ) : null}
          {kind === 'exact' ? (
            <SmallTable rows={queues} columns={exactColumns} rowKey={queueKey} testId="reset-exact" />
          ) : null}
          <Text size="xs" c="dimmed">
            {detail.clients.length > 0
              ? `${detail.clients.length} client(s) online: the reset goes through the broker, which tells them.`
              : 'No client online: the offsets are written queue by queue.'}{' '}
            A snapshot of the current offsets is saved first; Undo restores it exactly.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <WriteButton
              disabled={m === null || (m.kind === 'exact' && m.offsets.length === 0)}
              onClick={() => m && setRequest({ group: detail.group, topic: topic || null, mode: m })}
              data-testid="reset-preview"
            >
              Preview
            </WriteButton>
          </Group>
        </Stack>
      </Modal>
      <PreviewDialog<ResetResult>
        planKey={request ? previewKeys.plan('offset-reset', connection.id, request) : null}
        loadPlan={async () => {
          const p = await commands.offsetPlan(connection.id, request as ResetRequest);
          setPlan(p);
          return p.plan;
        }}
        extra={plan ? <QueuePlanTable plan={plan} /> : null}
        apply={(c) => commands.offsetReset(connection.id, request as ResetRequest, c)}
        onApplied={onApplied}
        onClose={() => {
          setRequest(null);
          setPlan(null);
        }}
        applyLabel="Reset offsets"
      />
    </>
  );
}

/** What a reset did, queue by queue; any queue that did not take is shown first. */
export function ResetResultModal({ result, onClose, onUndo }: { result: ResetResult | null; onClose: () => void; onUndo: (snapshotId: number) => void }) {
  const rows = result ? [...result.queues].sort((a, b) => Number(a.took) - Number(b.took)) : [];
  const bad = rows.filter((r) => !r.took).length;
  return (
    <Modal opened={result !== null} onClose={onClose} size="xl" title={<Text fw={700}>Reset {result?.outcome === 'ok' ? 'applied' : result?.outcome}</Text>}>
      {result ? (
        <Stack gap="sm" data-testid="reset-result">
          <Alert color={bad === 0 && result.failedBrokers.length === 0 ? 'green' : 'orange'} variant="light" data-testid="reset-outcome">
            {bad === 0 ? `Every queue took (read back from the brokers) in ${formatDuration(result.elapsedMs)}.` : `${bad} queue(s) did not take: they are listed first.`}
            {result.failedBrokers.map((f) => ` ${f.brokerName} did not answer: its queues were not reset.`).join('')} Snapshot #{result.snapshotId} holds the
            offsets from before.
          </Alert>
          <SmallTable rows={rows} columns={RESULT_COLUMNS} rowKey={queueKey} />
          <Group justify="flex-end">
            <WriteButton variant="light" onClick={() => onUndo(result.snapshotId)} data-testid="reset-result-undo">
              Undo
            </WriteButton>
            <Button onClick={onClose} data-testid="reset-result-close">Close</Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
