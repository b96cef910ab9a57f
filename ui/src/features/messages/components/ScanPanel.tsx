// Scan a topic over a store-time range with filters, as a job: a progress bar with "scanned X of Y
// (Z matched)" and the elapsed time, Cancel, the matches streaming into a virtualized table, each
// queue's progress, and at the end whether the scan is complete or truncated at the cap — with
// Continue, which resumes every queue from where it stopped.
import { Alert, Autocomplete, Badge, Button, Group, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { commands, type ConnectionProfile, type MessageRow, type QueueScan, type ScanFilter, type ScanItem, type ScanRequest, type ScanSummary } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { JobBar } from '../../../components/JobBar';
import { SmallTable } from '../../../components/SmallTable';
import { VirtualTable } from '../../../components/VirtualTable';
import { useJobRunner } from '../../../ipc/jobs';
import { showError } from '../../../ipc/errors';
import { formatOffset } from '../../../lib/format';
import { localInput } from '../../groups/components/ResetOffsetsModal';
import { MessageViewModal } from './MessageViewModal';
import { MESSAGE_COLUMNS } from './messageColumns';
import { ResultActions, useRowSelection } from './ResultActions';

const blank = (s: string) => (s.trim() ? s.trim() : null);

const QUEUE_COLUMNS: Column<QueueScan>[] = [
  { key: 'queue', header: 'Queue', mono: true, render: (q) => `${q.brokerName} #${q.queueId}` },
  { key: 'range', header: 'Range', numeric: true, render: (q) => `${formatOffset(q.from)}–${formatOffset(q.to)}` },
  { key: 'scanned', header: 'Scanned', numeric: true, render: (q) => q.scanned.toLocaleString('en-US') },
  { key: 'matched', header: 'Matched', numeric: true, render: (q) => q.matched.toLocaleString('en-US') },
  {
    key: 'state',
    header: 'State',
    render: (q) => (
      <Text span inherit c={q.error ? 'red' : q.done ? 'green' : 'orange'}>
        {q.error ? 'failed' : q.done ? 'done' : 'stopped at the cap'}
      </Text>
    ),
  },
];

export function ScanPanel({ connection, topics }: { connection: ConnectionProfile; topics: string[] }) {
  const [topic, setTopic] = useState('');
  const [from, setFrom] = useState(() => localInput(Date.now() - 3_600_000));
  const [to, setTo] = useState('');
  const [tags, setTags] = useState('');
  const [key, setKey] = useState('');
  const [propName, setPropName] = useState('');
  const [propOp, setPropOp] = useState<'equals' | 'contains'>('equals');
  const [propValue, setPropValue] = useState('');
  const [body, setBody] = useState('');
  const [regex, setRegex] = useState('');
  const [host, setHost] = useState('');
  const [limit, setLimit] = useState(1000);
  const [opened, setOpened] = useState<string | null>(null);
  // Rows of earlier runs when a truncated scan is continued.
  const [earlier, setEarlier] = useState<MessageRow[]>([]);
  const [last, setLast] = useState<ScanRequest | null>(null);
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const job = useJobRunner<ScanItem, ScanSummary>();
  const s = job.state;
  // The elapsed time ticks while the scan runs.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!s.running) return undefined;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [s.running]);
  const rows = useMemo(() => [...earlier, ...s.items.flatMap((i) => (i.kind === 'matches' ? i.rows : []))], [earlier, s.items]);
  const queues = useMemo(() => {
    const byQueue = new Map<string, QueueScan>();
    for (const i of s.items) if (i.kind === 'queue') byQueue.set(`${i.queue.brokerName}|${i.queue.queueId}`, i.queue);
    return [...byQueue.values()].sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
  }, [s.items]);
  const summary = s.outcome?.status === 'completed' ? s.outcome.summary : null;
  const run = (request: ScanRequest, keep: MessageRow[]) => {
    setEarlier(keep);
    setLast(request);
    const t = Date.now();
    setStartedAt(t);
    setNow(t);
    job.start((channel) => commands.messageScan(connection.id, request, channel)).catch(showError);
  };
  const start = () => {
    const begin = new Date(from).getTime();
    const end = to ? new Date(to).getTime() : Date.now();
    const filter: ScanFilter = {
      tags: blank(tags),
      key: blank(key),
      property: propName.trim() ? { kind: propOp, name: propName.trim(), value: propValue } : null,
      bodyContains: body === '' ? null : body,
      bodyRegex: blank(regex),
      storeHost: blank(host),
    };
    run({ topic: topic.trim(), begin, end, filter, limit, cursor: null }, []);
  };
  const elapsed = startedAt === null ? 0 : (summary?.elapsedMs ?? Math.max(0, now - startedAt));
  const pick = useRowSelection(rows);
  const columns: Column<MessageRow>[] = [
    pick.column,
    ...MESSAGE_COLUMNS,
  ];
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="xs">
        <Autocomplete label="Topic" w={220} data={topics} value={topic} onChange={setTopic} limit={50} data-testid="scan-topic" />
        <TextInput label="Stored from" type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="scan-from" />
        <TextInput label="to (blank: now)" type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="scan-to" />
        <NumberInput label="Cap" w={100} min={1} max={100000} value={limit} onChange={(v) => setLimit(Number(v) || 1000)} data-testid="scan-limit" />
        <Button leftSection={<IconPlayerPlay size={14} />} disabled={!topic.trim() || s.running} onClick={start} data-testid="scan-start">
          Scan
        </Button>
      </Group>
      <Group align="flex-end" gap="xs">
        <TextInput label="Tags (A||B)" w={140} value={tags} onChange={(e) => setTags(e.currentTarget.value)} data-testid="scan-tags" />
        <TextInput label="Key" w={140} value={key} onChange={(e) => setKey(e.currentTarget.value)} data-testid="scan-key" />
        <TextInput label="Property" w={120} value={propName} onChange={(e) => setPropName(e.currentTarget.value)} data-testid="scan-prop-name" />
        <Select w={110} data={[{ value: 'equals', label: 'equals' }, { value: 'contains', label: 'contains' }]} value={propOp} onChange={(v) => setPropOp((v as 'equals' | 'contains') ?? 'equals')} allowDeselect={false} />
        <TextInput w={120} value={propValue} onChange={(e) => setPropValue(e.currentTarget.value)} data-testid="scan-prop-value" />
        <TextInput label="Body contains" w={160} value={body} onChange={(e) => setBody(e.currentTarget.value)} data-testid="scan-body" />
        <TextInput label="Body regex" w={160} value={regex} onChange={(e) => setRegex(e.currentTarget.value)} data-testid="scan-regex" />
        <TextInput label="Store host" w={150} value={host} onChange={(e) => setHost(e.currentTarget.value)} data-testid="scan-host" />
      </Group>
      <JobBar
        state={s}
        unit="messages"
        onCancel={() => void job.cancel()}
        testId="scan"
        text={`scanned ${s.done.toLocaleString('en-US')} of ${s.total === null ? '…' : s.total.toLocaleString('en-US')} messages (${rows.length.toLocaleString('en-US')} matched) · ${(elapsed / 1000).toFixed(1)} s`}
      >
        {summary ? (
          <>
            <Badge color={summary.truncated ? 'orange' : 'green'} data-testid="scan-state">
              {summary.truncated ? 'truncated at the cap' : 'complete'}
            </Badge>
            <Text size="xs" c="dimmed">
              {Math.round(summary.messagesPerSec ?? 0).toLocaleString('en-US')} messages/s
            </Text>
          </>
        ) : null}
        {summary?.truncated && last ? (
          <Button size="compact-xs" variant="light" onClick={() => run({ ...last, cursor: summary.cursor }, rows)} data-testid="scan-continue">
            Continue
          </Button>
        ) : null}
      </JobBar>
      {queues.some((q) => q.error) ? (
        <Alert color="orange" variant="light" title="Some queues could not be read: the others were scanned" data-testid="scan-failed">
          {queues.filter((q) => q.error).map((q) => `${q.brokerName} #${q.queueId}: ${q.error}`).join('; ')}
        </Alert>
      ) : null}
      {queues.length ? <SmallTable rows={queues} columns={QUEUE_COLUMNS} rowKey={(q) => `${q.brokerName}|${q.queueId}`} testId="scan-queues" /> : null}
      {rows.length || summary ? <ResultActions connectionId={connection.id} stem={last?.topic ?? 'scan'} selected={pick.selected} ids={pick.ids} scan={last} /> : null}
      {rows.length || summary ? (
        <VirtualTable rows={rows} columns={columns} rowKey={(m) => m.offsetMsgId} onRowClick={(m) => setOpened(m.offsetMsgId)} height={360} testId="scan-results" empty="No message matched" />
      ) : null}
      <MessageViewModal connectionId={connection.id} offsetMsgId={opened} onClose={() => setOpened(null)} />
    </Stack>
  );
}
