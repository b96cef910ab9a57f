// Dead letters: every consumer group with a %DLQ% topic — messages, growth since the previous
// refresh, oldest and newest store time, the group's retry backlog beside it — sortable. A DLQ
// topic that cannot be read (write-only, as brokers up to 4.9.1 created them) says so and offers
// the permission fix through the topic form's preview.
import { Alert, Badge, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { IconArrowsSort } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ConnectionProfile, DlqOverview, DlqRow } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { ScreenHeader } from '../../../components/ScreenHeader';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset, formatTime } from '../../../lib/format';
import { WriteButton } from '../../safety/WriteGuard';
import { topicDetailQuery, topicListQuery } from '../../topics/api';
import { editInitial } from '../../topics/components/TopicDetailDrawer';
import { TopicFormModal } from '../../topics/components/TopicFormModal';
import { dlqOverviewQuery } from '../api';
import { DlqBrowseDrawer } from '../components/DlqBrowseDrawer';
import { ReplaysPanel } from '../components/ReplaysPanel';

type SortKey = 'group' | 'messages' | 'growth' | 'oldest' | 'newest' | 'retry';

const big = (s: string | null | undefined): bigint | null => (s === null || s === undefined ? null : BigInt(s));

/** Growth of each DLQ since the previous answer (null on the first). */
export function growthOf(prev: DlqOverview | null, now: DlqOverview): Map<string, bigint | null> {
  const before = new Map((prev?.rows ?? []).map((r) => [r.dlqTopic, BigInt(r.messages)]));
  return new Map(now.rows.map((r) => [r.dlqTopic, before.has(r.dlqTopic) ? BigInt(r.messages) - (before.get(r.dlqTopic) ?? 0n) : null]));
}

export function sortDlq(rows: DlqRow[], growth: Map<string, bigint | null>, key: SortKey, desc: boolean): DlqRow[] {
  const num = (v: bigint | number | null): bigint => (v === null ? -1n : BigInt(v));
  const val = (r: DlqRow): bigint => {
    switch (key) {
      case 'messages':
        return num(big(r.messages));
      case 'growth':
        return num(growth.get(r.dlqTopic) ?? null);
      case 'oldest':
        return num(r.oldest);
      case 'newest':
        return num(r.newest);
      case 'retry':
        return num(big(r.retryBacklog));
      default:
        return 0n;
    }
  };
  const sorted = [...rows].sort((a, b) => {
    if (key === 'group') return a.group.localeCompare(b.group);
    const x = val(a);
    const y = val(b);
    return x < y ? -1 : x > y ? 1 : a.group.localeCompare(b.group);
  });
  return desc ? sorted.reverse() : sorted;
}

function PermFix({ connection, topic, onDone }: { connection: ConnectionProfile; topic: string | null; onDone: () => void }) {
  const d = useQuery({ ...topicDetailQuery(connection.id, topic ?? ''), enabled: topic !== null });
  const initial = topic && d.data ? { ...editInitial(d.data, 'dlq'), spec: { ...editInitial(d.data, 'dlq').spec, perm: 6 } } : null;
  return <TopicFormModal connection={connection} initial={initial} onClose={onDone} />;
}

export function DlqScreen({ connection }: { connection: ConnectionProfile }) {
  const q = useQuery(dlqOverviewQuery(connection.id));
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'messages', desc: true });
  const [fixing, setFixing] = useState<string | null>(null);
  const [browsing, setBrowsing] = useState<string | null>(null);
  const topicList = useQuery(topicListQuery(connection.id));
  const topicNames = useMemo(() => (topicList.data?.topics ?? []).filter((t) => t.topicType !== 'dlq' && t.topicType !== 'retry' && t.topicType !== 'system').map((t) => t.name), [topicList.data]);
  // The previous answer, to show each DLQ's growth since the last refresh.
  // (State derived from the query's answers: set while rendering when a new answer arrives.)
  const [seen, setSeen] = useState<{ prev: DlqOverview | null; now: DlqOverview | null }>({ prev: null, now: null });
  if (q.data && seen.now !== q.data) setSeen({ prev: seen.now, now: q.data });
  const { prev } = seen;
  const growth = useMemo(() => (q.data ? growthOf(prev, q.data) : new Map<string, bigint | null>()), [prev, q.data]);
  const rows = useMemo(() => sortDlq(q.data?.rows ?? [], growth, sort.key, sort.desc), [q.data, growth, sort]);
  const unreadable = rows.filter((r) => !r.readable).length;
  const header = (key: SortKey, label: string) => (
    <UnstyledButton onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'group' }))} style={{ fontWeight: 700, fontSize: 'inherit' }} data-testid={`dlq-sort-${key}`}>
      <Group gap={2} wrap="nowrap">
        {label}
        <IconArrowsSort size={11} opacity={sort.key === key ? 1 : 0.35} />
      </Group>
    </UnstyledButton>
  );
  const columns: Column<DlqRow>[] = [
    { key: 'group', header: header('group', 'Group'), mono: true, render: (r) => r.group },
    { key: 'messages', header: header('messages', 'Dead letters'), numeric: true, width: 120, render: (r) => formatOffset(r.messages) },
    {
      key: 'growth',
      header: header('growth', 'Since last refresh'),
      numeric: true,
      width: 140,
      render: (r) => {
        const g = growth.get(r.dlqTopic) ?? null;
        if (g === null) return <Text span size="xs" c="dimmed">—</Text>;
        return (
          <Text span size="xs" c={g > 0n ? 'red' : undefined} fw={g > 0n ? 700 : undefined} data-testid="dlq-growth">
            {g > 0n ? `+${g.toLocaleString('en-US')}` : g.toLocaleString('en-US')}
          </Text>
        );
      },
    },
    { key: 'oldest', header: header('oldest', 'Oldest'), width: 150, render: (r) => formatTime(r.oldest) },
    { key: 'newest', header: header('newest', 'Newest'), width: 150, render: (r) => formatTime(r.newest) },
    {
      key: 'retry',
      header: header('retry', 'Retry backlog'),
      numeric: true,
      width: 110,
      render: (r) => (r.retryBacklog === null ? <Text span size="xs" c="dimmed" title={r.retryNote ?? undefined}>unknown</Text> : formatOffset(r.retryBacklog)),
    },
    {
      key: 'perm',
      header: 'Readable',
      width: 190,
      render: (r) =>
        r.readable ? (
          <Badge size="xs" variant="light" color="green">
            {r.perm}
          </Badge>
        ) : (
          <Group gap={4} wrap="nowrap">
            <Badge size="xs" color="red" title={`perm ${r.perm}: consumers and the console cannot read it`} data-testid="dlq-unreadable">
              cannot be read ({r.perm})
            </Badge>
            <WriteButton size="compact-xs" variant="light" onClick={() => setFixing(r.dlqTopic)} data-testid="dlq-fix-perm">
              Fix…
            </WriteButton>
          </Group>
        ),
    },
    { key: 'brokers', header: 'Brokers', width: 160, render: (r) => (r.error ? <Text span size="xs" c="orange" title={r.error}>{r.brokers.join(', ')} (partial)</Text> : r.brokers.join(', ')) },
  ];
  return (
    <Stack gap="sm" data-testid="dlq-screen">
      <ScreenHeader title="Dead letters" connection={connection} elapsedMs={q.data?.elapsedMs} fetchedAt={q.data?.fetchedAt} fetching={q.isFetching} onRefresh={() => void q.refetch()} />
      {q.error ? <ErrorAlert error={toIpcError(q.error)} /> : null}
      {unreadable > 0 ? (
        <Alert color="red" variant="light" title={`${unreadable} dead-letter topic(s) cannot be read`} data-testid="dlq-unreadable-alert">
          <Text size="xs">
            Brokers up to 4.9.1 created DLQ topics write-only, and they stay so after an upgrade: neither consumers nor this console can read them. <b>Fix…</b> previews giving them read and write permission.
          </Text>
        </Alert>
      ) : null}
      {q.data?.failedBrokers.length ? (
        <Alert color="orange" variant="light" title="Some brokers did not answer: their dead letters are missing">
          {q.data.failedBrokers.map((f) => `${f.brokerName} (${f.addr}): ${f.error}`).join('; ')}
        </Alert>
      ) : null}
      {q.data ? (
        <Text size="xs" c="dimmed" data-testid="dlq-summary">
          {rows.length} group(s) with dead letters · {rows.reduce((n, r) => n + BigInt(r.messages), 0n).toLocaleString('en-US')} message(s)
        </Text>
      ) : null}
      <VirtualTable
        rows={rows}
        columns={columns}
        rowKey={(r) => r.dlqTopic}
        onRowClick={(r) => (r.readable ? setBrowsing(r.group) : setFixing(r.dlqTopic))}
        height="calc(100vh - 420px)"
        testId="dlq-table"
        empty={q.isLoading ? 'Loading…' : 'No consumer group has dead letters.'}
      />
      <ReplaysPanel connectionId={connection.id} />
      <DlqBrowseDrawer connection={connection} group={browsing} topics={topicNames} onClose={() => setBrowsing(null)} />
      <PermFix
        connection={connection}
        topic={fixing}
        onDone={() => {
          setFixing(null);
          void q.refetch();
        }}
      />
    </Stack>
  );
}
