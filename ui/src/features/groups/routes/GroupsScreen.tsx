// Consumer groups: every group with its online clients, consume type and model, lag, TPS and client
// versions. The lag and clients come first (offset tables and topic max offsets: a few requests per
// broker); TPS and last consume time follow from a second, heavier read (consume stats per group and
// topic) and fill their columns when it lands. Lag that cannot be known is shown as unknown with the
// reason. System groups are hidden by default.
import { Alert, Badge, Checkbox, Group, Stack, Switch, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { IconArrowsSort, IconPlus, IconRotate, IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ConnectionProfile, GroupRow } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { ScreenHeader } from '../../../components/ScreenHeader';
import type { Column } from '../../../components/columns';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset, formatTime, formatTps } from '../../../lib/format';
import { fuzzyScore } from '../../../lib/fuzzy';
import { WriteButton } from '../../safety/WriteGuard';
import { groupActivityQuery, groupListQuery } from '../api';
import { BulkResetModal } from '../components/BulkResetModal';
import { GroupDetailDrawer } from '../components/GroupDetailDrawer';
import { DEFAULT_GROUP_CONFIG, type GroupFormInitial, GroupFormModal } from '../components/GroupFormModal';

type SortKey = 'group' | 'lag' | 'clients' | 'tps';
const collator = new Intl.Collator('en', { numeric: true });

/** Lag as a BigInt for sorting (unknown sorts last). */
function lagOf(g: GroupRow): bigint {
  return g.lag === null ? -1n : BigInt(g.lag);
}

export function sortGroups(rows: GroupRow[], key: SortKey, desc: boolean): GroupRow[] {
  const byName = (a: GroupRow, b: GroupRow) => collator.compare(a.group, b.group);
  const cmp: Record<SortKey, (a: GroupRow, b: GroupRow) => number> = {
    group: byName,
    lag: (a, b) => {
      const d = lagOf(a) - lagOf(b);
      return d === 0n ? byName(a, b) : d < 0n ? -1 : 1;
    },
    clients: (a, b) => (a.onlineClients ?? -1) - (b.onlineClients ?? -1) || byName(a, b),
    tps: (a, b) => (a.consumeTps ?? 0) - (b.consumeTps ?? 0) || byName(a, b),
  };
  const sorted = [...rows].sort(cmp[key]);
  return desc ? sorted.reverse() : sorted;
}

const TYPE_LABEL: Record<string, string> = { CONSUME_PASSIVELY: 'push', CONSUME_ACTIVELY: 'pull', CONSUME_POP: 'POP' };
const MODEL_LABEL: Record<string, string> = { CLUSTERING: 'clustering', BROADCASTING: 'broadcast' };

export function LagCell({ lag, note }: { lag: string | null; note: string | null }) {
  if (lag === null) {
    return (
      <Tooltip label={note ?? 'unknown'} multiline w={320}>
        <Text size="xs" c="dimmed" span data-testid="group-lag-unknown">
          unknown
        </Text>
      </Tooltip>
    );
  }
  return (
    <Text size="xs" span fw={lag === '0' ? undefined : 700} c={lag === '0' ? undefined : 'orange'} data-testid="group-lag">
      {formatOffset(lag)}
    </Text>
  );
}

export function GroupsScreen({ connection }: { connection: ConnectionProfile }) {
  const q = useQuery(groupListQuery(connection.id));
  const activity = useQuery(groupActivityQuery(connection.id));
  const [query, setQuery] = useState('');
  const [showSystem, setShowSystem] = useState(false);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'lag', desc: true });
  const [opened, setOpened] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [bulk, setBulk] = useState<string[] | null>(null);
  const [creating, setCreating] = useState<GroupFormInitial | null>(null);
  const all = useMemo(() => {
    const groups = q.data?.groups ?? [];
    const seen = new Map((activity.data?.groups ?? []).map((g) => [g.group, g]));
    return groups.map((g) => {
      const a = seen.get(g.group);
      return a ? { ...g, consumeTps: a.consumeTps, lastConsume: a.lastConsume } : g;
    });
  }, [q.data, activity.data]);
  const activityPending = activity.isLoading;
  const rows = useMemo(() => {
    const kept = all.filter((g) => showSystem || !g.system);
    if (query.trim()) {
      return kept
        .map((r) => ({ r, s: fuzzyScore(query, r.group) }))
        .filter((x) => x.s > 0)
        .sort((a, b) => b.s - a.s)
        .map((x) => x.r);
    }
    return sortGroups(kept, sort.key, sort.desc);
  }, [all, showSystem, query, sort]);
  const hidden = all.filter((g) => g.system).length;
  const err = q.error ? toIpcError(q.error) : null;
  const header = (key: SortKey, label: string) => (
    <UnstyledButton onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'group' }))} style={{ fontWeight: 700, fontSize: 'inherit' }}>
      <Group gap={2} wrap="nowrap">
        {label}
        <IconArrowsSort size={11} opacity={sort.key === key ? 1 : 0.35} />
      </Group>
    </UnstyledButton>
  );
  const toggle = (group: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(group);
      else next.delete(group);
      return next;
    });
  const allShown = rows.length > 0 && rows.every((g) => selected.has(g.group));
  const chosen = all.filter((g) => selected.has(g.group)).map((g) => g.group);
  const columns: Column<GroupRow>[] = [
    {
      key: 'select',
      width: 28,
      header: (
        <Checkbox
          size="xs"
          aria-label="Select every shown group"
          checked={allShown}
          indeterminate={!allShown && rows.some((g) => selected.has(g.group))}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            setSelected((s) => {
              const next = new Set(s);
              for (const g of rows) {
                if (on) next.add(g.group);
                else next.delete(g.group);
              }
              return next;
            });
          }}
          data-testid="groups-select-all"
        />
      ),
      render: (g) => (
        <Checkbox
          size="xs"
          aria-label={`Select ${g.group}`}
          checked={selected.has(g.group)}
          onClick={(e) => e.stopPropagation()}
          onChange={(e) => toggle(g.group, e.currentTarget.checked)}
          data-testid="group-select"
        />
      ),
    },
    {
      key: 'group',
      header: header('group', 'Group'),
      render: (g) => (
        <Group gap={4} wrap="nowrap">
          <Text size="xs" ff="monospace" span data-testid="group-name">
            {g.group}
          </Text>
          {g.system ? (
            <Badge size="xs" variant="outline" color="gray">
              system
            </Badge>
          ) : null}
          {g.config.consumeEnable === false ? (
            <Badge size="xs" color="red" variant="light">
              disabled
            </Badge>
          ) : null}
        </Group>
      ),
    },
    {
      key: 'clients',
      header: header('clients', 'Clients'),
      width: 80,
      align: 'right',
      render: (g) =>
        g.onlineClients === null ? (
          <Tooltip label={g.clientsNote ?? 'unknown'} multiline w={300}>
            <Text size="xs" c="dimmed" span>
              ?
            </Text>
          </Tooltip>
        ) : (
          <Text size="xs" span c={g.onlineClients === 0 ? 'dimmed' : 'green'} fw={g.onlineClients ? 700 : undefined} data-testid="group-clients">
            {g.onlineClients === 0 ? 'offline' : g.onlineClients}
          </Text>
        ),
    },
    { key: 'type', header: 'Type', width: 70, render: (g) => (g.consumeType ? (TYPE_LABEL[g.consumeType] ?? g.consumeType) : '—') },
    { key: 'model', header: 'Model', width: 90, render: (g) => (g.messageModel ? (MODEL_LABEL[g.messageModel] ?? g.messageModel) : '—') },
    { key: 'lag', header: header('lag', 'Lag'), width: 110, align: 'right', render: (g) => <LagCell lag={g.lag} note={g.lagNote} /> },
    {
      key: 'tps',
      header: header('tps', 'TPS'),
      width: 80,
      align: 'right',
      render: (g) => (g.consumeTps === null && activityPending ? '…' : <span data-testid="group-tps">{formatTps(g.consumeTps)}</span>),
    },
    {
      key: 'topics',
      header: 'Topics',
      render: (g) => (
        <Text size="xs" span c={g.topics.length ? undefined : 'dimmed'} truncate>
          {g.topics.join(', ') || 'none yet'}
        </Text>
      ),
    },
    { key: 'last', header: 'Last consumed', width: 140, render: (g) => (g.lastConsume === null && activityPending ? '…' : formatTime(g.lastConsume)) },
    { key: 'versions', header: 'Client versions', width: 120, render: (g) => g.clientVersions.join(', ') || '—' },
  ];
  return (
    <Stack gap="sm" data-testid="groups-screen">
      <ScreenHeader
        title="Consumer groups"
        connection={connection}
        elapsedMs={q.data?.elapsedMs}
        fetchedAt={q.data?.fetchedAt ?? null}
        fetching={q.isFetching}
        onRefresh={() => {
          void q.refetch();
          void activity.refetch();
        }}
      />
      {err ? <ErrorAlert error={err} /> : null}
      {q.data && q.data.failedBrokers.length > 0 ? (
        <Alert color="orange" variant="light" title="Some brokers did not answer" data-testid="groups-failed-brokers">
          {q.data.failedBrokers.map((f) => `${f.brokerName} (${f.addr}): ${f.error}`).join('; ')}. Their groups may be missing and lag is unknown.
        </Alert>
      ) : null}
      <Group gap="sm">
        <TextInput
          size="xs"
          w={320}
          placeholder="Search groups"
          leftSection={<IconSearch size={14} />}
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          data-testid="groups-search"
        />
        <Switch size="xs" label={`System groups (${hidden})`} checked={showSystem} onChange={(e) => setShowSystem(e.currentTarget.checked)} />
        <Text size="xs" c="dimmed" data-testid="groups-count">
          {rows.length} of {all.length} groups
          {q.data && q.data.perGroupFallback.length > 0 ? ` · read one group at a time on ${q.data.perGroupFallback.join(', ')}` : ''}
          {activity.isFetching ? ' · reading TPS…' : ''}
        </Text>
        <Group gap="xs" ml="auto">
          <WriteButton size="xs" variant="light" leftSection={<IconRotate size={14} />} disabled={chosen.length === 0} onClick={() => setBulk(chosen)} data-testid="groups-bulk-reset">
            Reset {chosen.length || ''} selected
          </WriteButton>
          <WriteButton
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => setCreating({ spec: { group: '', clusters: [], brokers: [], config: DEFAULT_GROUP_CONFIG }, existing: false })}
            data-testid="groups-create"
          >
            Create group
          </WriteButton>
        </Group>
      </Group>
      <VirtualTable
        rows={rows}
        columns={columns}
        rowKey={(g) => g.group}
        onRowClick={(g) => setOpened(g.group)}
        height="calc(100vh - 230px)"
        empty={q.isLoading ? 'Loading…' : 'No consumer group'}
        testId="groups-table"
      />
      <GroupDetailDrawer connection={connection} group={opened} onClose={() => setOpened(null)} />
      <GroupFormModal connection={connection} initial={creating} onClose={() => setCreating(null)} />
      {bulk ? (
        <BulkResetModal
          connection={connection}
          groups={bulk}
          onClose={() => {
            setBulk(null);
            setSelected(new Set());
          }}
        />
      ) : null}
    </Stack>
  );
}
