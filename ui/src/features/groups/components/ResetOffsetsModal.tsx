// Offset reset: pick the topics and the mode (earliest, latest, a time, exact offsets per queue, or
// another group's offsets), preview every queue (current → new, re-read or skipped, the time span),
// apply. The core saves a snapshot first and reads every queue back; the result says which queues
// took and offers Undo.
import { Alert, Badge, Button, Group, Modal, NumberInput, SegmentedControl, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import { commands, type ConnectionProfile, type GroupDetail, type OffsetPlan, type ResetMode, type ResetRequest, type ResetResult } from '../../../bindings';
import { formatDuration, formatOffset, formatTime } from '../../../lib/format';
import { PreviewDialog } from '../../safety/PreviewDialog';

type ModeKind = ResetMode['kind'];

/** Local date-time text (for an <input type="datetime-local">) of a time in ms. */
export function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

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
      <Table fz="xs" verticalSpacing={2} withTableBorder striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Queue</Table.Th>
            <Table.Th ta="right">Range</Table.Th>
            <Table.Th ta="right">Current</Table.Th>
            <Table.Th ta="right">New</Table.Th>
            <Table.Th ta="right">Re-read</Table.Th>
            <Table.Th ta="right">Skipped</Table.Th>
            <Table.Th>Time span</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {plan.queues.map((q) => {
            const span = q.currentTime !== null && q.targetTime !== null ? formatDuration(Math.abs(q.currentTime - q.targetTime)) : null;
            return (
              <Table.Tr key={`${q.topic}|${q.brokerName}|${q.queueId}`} opacity={q.current === q.target ? 0.55 : 1}>
                <Table.Td ff="monospace">
                  {q.topic} · {q.brokerName} #{q.queueId}
                  {q.note ? <Text size="10px" c="orange">{q.note}</Text> : null}
                </Table.Td>
                <Table.Td ta="right" c="dimmed">
                  {formatOffset(q.minOffset)}–{formatOffset(q.maxOffset)}
                </Table.Td>
                <Table.Td ta="right">{q.current === '-1' ? 'none' : formatOffset(q.current)}</Table.Td>
                <Table.Td ta="right" fw={700}>{formatOffset(q.target)}</Table.Td>
                <Table.Td ta="right" c={q.reread !== '0' ? 'blue' : 'dimmed'}>{formatOffset(q.reread)}</Table.Td>
                <Table.Td ta="right" c={q.skipped !== '0' ? 'red' : 'dimmed'}>{formatOffset(q.skipped)}</Table.Td>
                <Table.Td c="dimmed">
                  {q.targetTime !== null ? formatTime(q.targetTime) : '—'}
                  {span ? ` (${span} ${q.reread !== '0' ? 'back' : 'ahead'})` : ''}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
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
            .filter((q) => (exact[`${q.topic}|${q.brokerName}|${q.queueId}`] ?? '') !== '')
            .map((q) => ({ topic: q.topic, brokerName: q.brokerName, queueId: q.queueId, offset: exact[`${q.topic}|${q.brokerName}|${q.queueId}`] ?? '0' })),
        };
    }
  };
  const m = mode();
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
            <Table fz="xs" verticalSpacing={2} withTableBorder data-testid="reset-exact">
              <Table.Thead>
                <Table.Tr><Table.Th>Queue</Table.Th><Table.Th ta="right">Broker offset</Table.Th><Table.Th ta="right">Current</Table.Th><Table.Th>New offset</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {queues.map((q) => {
                  const key = `${q.topic}|${q.brokerName}|${q.queueId}`;
                  return (
                    <Table.Tr key={key}>
                      <Table.Td ff="monospace">{q.topic} · {q.brokerName} #{q.queueId}</Table.Td>
                      <Table.Td ta="right">{formatOffset(q.brokerOffset)}</Table.Td>
                      <Table.Td ta="right">{formatOffset(q.consumerOffset)}</Table.Td>
                      <Table.Td>
                        <NumberInput
                          size="xs"
                          w={140}
                          min={0}
                          allowDecimal={false}
                          placeholder="unchanged"
                          value={exact[key] ?? ''}
                          onChange={(v) => setExact((e) => ({ ...e, [key]: v === '' ? '' : String(v) }))}
                        />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          ) : null}
          <Text size="xs" c="dimmed">
            {detail.clients.length > 0
              ? `${detail.clients.length} client(s) online: the reset goes through the broker, which tells them.`
              : 'No client online: the offsets are written queue by queue.'}{' '}
            A snapshot of the current offsets is saved first; Undo restores it exactly.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button
              disabled={m === null || (m.kind === 'exact' && m.offsets.length === 0)}
              onClick={() => m && setRequest({ group: detail.group, topic: topic || null, mode: m })}
              data-testid="reset-preview"
            >
              Preview
            </Button>
          </Group>
        </Stack>
      </Modal>
      <PreviewDialog<ResetResult>
        planKey={request ? ['offset-reset', connection.id, JSON.stringify(request)] : null}
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
          <Table fz="xs" verticalSpacing={2} withTableBorder>
            <Table.Thead>
              <Table.Tr><Table.Th>Queue</Table.Th><Table.Th ta="right">Before</Table.Th><Table.Th ta="right">Target</Table.Th><Table.Th ta="right">Read back</Table.Th><Table.Th>Took</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((q) => (
                <Table.Tr key={`${q.topic}|${q.brokerName}|${q.queueId}`}>
                  <Table.Td ff="monospace">{q.topic} · {q.brokerName} #{q.queueId}</Table.Td>
                  <Table.Td ta="right">{formatOffset(q.before)}</Table.Td>
                  <Table.Td ta="right">{formatOffset(q.target)}</Table.Td>
                  <Table.Td ta="right">{formatOffset(q.after)}</Table.Td>
                  <Table.Td c={q.took ? 'green' : 'red'}>{q.took ? 'yes' : (q.error ?? 'no')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="flex-end">
            <Button variant="light" onClick={() => onUndo(result.snapshotId)} data-testid="reset-result-undo">
              Undo
            </Button>
            <Button onClick={onClose} data-testid="reset-result-close">Close</Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
