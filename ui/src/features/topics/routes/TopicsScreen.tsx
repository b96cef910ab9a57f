// Topics: every topic of the connection (batched: one config call per master), typed, filtered,
// fuzzy-searched, sorted, virtualized. Topics of a broker that did not answer stay listed, flagged.
import { Alert, Badge, Chip, Group, Stack, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { IconAlertTriangle, IconArrowsSort, IconPlus, IconSearch } from '@tabler/icons-react';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ConnectionProfile, TopicRow, TopicStatsRow, TopicType } from '../../../bindings';
import { ScreenHeader } from '../../../components/ScreenHeader';
import { ErrorAlert } from '../../../components/ErrorAlert';
import type { Column } from '../../../components/columns';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { fuzzyScore } from '../../../lib/fuzzy';
import { formatOffset, formatTime } from '../../../lib/format';
import { WriteButton } from '../../safety/WriteGuard';
import { topicKeys, topicListQuery, topicStatsQuery } from '../api';
import { TopicDetailDrawer } from '../components/TopicDetailDrawer';
import { type TopicFormInitial, TopicFormModal } from '../components/TopicFormModal';

export const TYPES: { value: TopicType; label: string; color: string }[] = [
  { value: 'normal', label: 'Normal', color: 'blue' },
  { value: 'fifo', label: 'FIFO', color: 'grape' },
  { value: 'delay', label: 'Delay', color: 'cyan' },
  { value: 'transaction', label: 'Transaction', color: 'teal' },
  { value: 'retry', label: 'Retry', color: 'yellow' },
  { value: 'dlq', label: 'DLQ', color: 'red' },
  { value: 'system', label: 'System', color: 'gray' },
];
const TYPE = new Map(TYPES.map((t) => [t.value, t]));
const DEFAULT_TYPES: TopicType[] = ['normal', 'fifo', 'delay', 'transaction'];

type SortKey = 'name' | 'type' | 'queues' | 'brokers';
// One collator for every comparison: String.localeCompare builds one per call, which is what made
// sorting 10,000 names slow.
const collator = new Intl.Collator('en', { numeric: true });
const byName = (a: TopicRow, b: TopicRow) => collator.compare(a.name, b.name);

function sortRows(rows: TopicRow[], key: SortKey, desc: boolean): TopicRow[] {
  const order = TYPES.map((t) => t.value);
  const cmp: Record<SortKey, (a: TopicRow, b: TopicRow) => number> = {
    name: byName,
    type: (a, b) => order.indexOf(a.topicType) - order.indexOf(b.topicType) || byName(a, b),
    queues: (a, b) => a.writeQueues - b.writeQueues || byName(a, b),
    brokers: (a, b) => a.brokers.length - b.brokers.length || byName(a, b),
  };
  const sorted = [...rows].sort(cmp[key]);
  return desc ? sorted.reverse() : sorted;
}

/** Filters by type and query; with a query, best fuzzy matches first. */
export function filterTopics(rows: TopicRow[], types: TopicType[], query: string): TopicRow[] {
  const allowed = new Set(types);
  const kept = rows.filter((r) => allowed.has(r.topicType));
  if (!query.trim()) return kept;
  return kept
    .map((r) => ({ r, s: fuzzyScore(query, r.name) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s)
    .map((x) => x.r);
}

export function TopicsScreen({ connection }: { connection: ConnectionProfile }) {
  const q = useQuery(topicListQuery(connection.id));
  const [query, setQuery] = useState('');
  const [types, setTypes] = useState<TopicType[]>(DEFAULT_TYPES);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean } | null>(null);
  const [opened, setOpened] = useState<string | null>(null);
  const [creating, setCreating] = useState<TopicFormInitial | null>(null);
  const all = useMemo(() => q.data?.topics ?? [], [q.data]);
  const counts = useMemo(() => {
    const m = new Map<TopicType, number>();
    for (const t of all) m.set(t.topicType, (m.get(t.topicType) ?? 0) + 1);
    return m;
  }, [all]);
  const rows = useMemo(() => {
    const f = filterTopics(all, types, query);
    return sort ? sortRows(f, sort.key, sort.desc) : query.trim() ? f : sortRows(f, 'name', false);
  }, [all, types, query, sort]);
  const err = q.error ? toIpcError(q.error) : null;
  // How long the list took from the data arriving to the rows being committed to the DOM: written
  // on the table for the end-to-end test to report (not state: measuring must not re-render).
  const measured = useRef(0);
  useEffect(() => {
    if (!q.dataUpdatedAt || measured.current === q.dataUpdatedAt) return;
    measured.current = q.dataUpdatedAt;
    const el = document.querySelector('[data-testid="topics-table"]');
    el?.setAttribute('data-render-ms', String(Date.now() - q.dataUpdatedAt));
    el?.setAttribute('data-rows', String(rows.length));
  }, [q.dataUpdatedAt, rows]);
  // Message counts and last write, lazily for the rows in view (at most 200 per request).
  const qc = useQueryClient();
  const [range, setRange] = useState<[number, number]>([0, -1]);
  const onVisibleChange = useCallback((first: number, last: number) => setRange([first, last]), []);
  const visibleKey = rows
    .slice(range[0], Math.min(range[1] + 1, range[0] + 200))
    .map((r) => r.name)
    .join('\n');
  const [debouncedKey] = useDebouncedValue(visibleKey, 150);
  const visibleNames = useMemo(() => (debouncedKey ? debouncedKey.split('\n') : []), [debouncedKey]);
  const stats = useQuery(topicStatsQuery(connection.id, visibleNames));
  const statsByName = useMemo(() => {
    const m = new Map<string, TopicStatsRow>();
    const cached = qc.getQueriesData<TopicStatsRow[]>({ queryKey: topicKeys.stats(connection.id) });
    for (const [, data] of cached) if (Array.isArray(data)) for (const r of data) m.set(r.name, r);
    return m;
    // dataUpdatedAt: re-read the cache whenever a stats request lands.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [qc, connection.id, stats.dataUpdatedAt]);
  const header = (key: SortKey, label: string) => (
    <UnstyledButton
      onClick={() => setSort((s) => ({ key, desc: s?.key === key ? !s.desc : false }))}
      style={{ fontWeight: 700, fontSize: 'inherit' }}
    >
      <Group gap={2} wrap="nowrap">
        {label}
        <IconArrowsSort size={11} opacity={sort?.key === key ? 1 : 0.35} />
      </Group>
    </UnstyledButton>
  );
  const columns: Column<TopicRow>[] = [
    {
      key: 'name',
      header: header('name', 'Topic'),
      render: (t) => (
        <Group gap={4} wrap="nowrap">
          {t.warning ? (
            <Tooltip label={t.warning} multiline w={320}>
              <IconAlertTriangle size={14} color="var(--mantine-color-orange-6)" data-testid="topic-warning" />
            </Tooltip>
          ) : null}
          <Text size="xs" ff="monospace" span data-testid="topic-name">
            {t.name}
          </Text>
        </Group>
      ),
    },
    {
      key: 'type',
      header: header('type', 'Type'),
      width: 110,
      render: (t) => (
        <Badge size="xs" variant="light" color={TYPE.get(t.topicType)?.color}>
          {TYPE.get(t.topicType)?.label}
        </Badge>
      ),
    },
    {
      key: 'queues',
      header: header('queues', 'Queues R / W'),
      width: 110,
      align: 'right',
      render: (t) => `${t.readQueues} / ${t.writeQueues}`,
    },
    { key: 'perm', header: 'Perm', width: 70, render: (t) => t.perm },
    {
      key: 'messages',
      header: 'Messages',
      width: 110,
      align: 'right',
      render: (t) => {
        const st = statsByName.get(t.name);
        if (!st) return <Text size="xs" c="dimmed" span>…</Text>;
        return (
          <Tooltip label={st.error ?? ''} disabled={!st.error} multiline w={320}>
            <Text size="xs" span c={st.error ? 'orange' : undefined} data-testid="topic-messages">
              {formatOffset(st.totalMessages)}
            </Text>
          </Tooltip>
        );
      },
    },
    {
      key: 'lastWrite',
      header: 'Last write',
      width: 140,
      render: (t) => formatTime(statsByName.get(t.name)?.lastUpdate),
    },
    {
      key: 'brokers',
      header: header('brokers', 'Brokers'),
      render: (t) => (
        <Text size="xs" span c={t.brokers.length ? undefined : 'dimmed'}>
          {t.brokers.join(', ') || 'unknown'}
        </Text>
      ),
    },
  ];
  return (
    <Stack gap="sm" data-testid="topics-screen">
      <ScreenHeader
        title="Topics"
        connection={connection}
        elapsedMs={q.data?.elapsedMs}
        fetchedAt={q.data?.fetchedAt ?? null}
        fetching={q.isFetching}
        onRefresh={() => void q.refetch()}
      />
      {err ? <ErrorAlert error={err} /> : null}
      {q.data && q.data.failedBrokers.length > 0 ? (
        <Alert color="orange" variant="light" title="Some brokers did not answer" data-testid="topics-failed-brokers">
          {q.data.failedBrokers.map((f) => `${f.brokerName} (${f.addr}): ${f.error}`).join('; ')}. Their topics are still
          listed, flagged with a warning.
        </Alert>
      ) : null}
      <Group gap="sm" wrap="nowrap" align="center">
        <TextInput
          size="xs"
          w={280}
          placeholder="Fuzzy search topics"
          leftSection={<IconSearch size={14} />}
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          data-testid="topic-search"
        />
        <Chip.Group multiple value={types} onChange={(v) => setTypes(v as TopicType[])}>
          <Group gap={4}>
            {TYPES.map((t) => (
              <Chip key={t.value} value={t.value} size="xs" variant="outline" data-testid={`type-${t.value}`}>
                {t.label} {counts.get(t.value) ?? 0}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        <Group ml="auto">
          <WriteButton
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() =>
              setCreating({
                existing: false,
                spec: { name: '', clusters: [], brokers: [], readQueues: 8, writeQueues: 8, perm: 6, messageType: null, order: false },
              })
            }
            data-testid="topic-create"
          >
            Create topic
          </WriteButton>
        </Group>
      </Group>
      <VirtualTable
        testId="topics-table"
        rows={rows}
        columns={columns}
        rowKey={(t) => t.name}
        onRowClick={(t) => setOpened(t.name)}
        onVisibleChange={onVisibleChange}
        height="calc(100vh - 210px)"
        rowHeight={28}
        empty={q.isLoading ? 'Loading…' : 'No topic matches the search and the type filter.'}
      />
      <TopicDetailDrawer
        connection={connection}
        topic={opened}
        topicType={all.find((t) => t.name === opened)?.topicType ?? null}
        onClose={() => setOpened(null)}
      />
      <TopicFormModal connection={connection} initial={creating} onClose={() => setCreating(null)} />
      <Text size="xs" c="dimmed" data-testid="topic-count">
        Showing {rows.length.toLocaleString('en-US')} of {all.length.toLocaleString('en-US')} topics
      </Text>
    </Stack>
  );
}
