// Producer groups and their online clients (client id, address, language, version, brokers): one
// row per client, the group named on its first; a group with no client online gets one row saying so.
import { Text } from '@mantine/core';
import type { ProducerClient, ProducerGroup } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { SmallTable } from '../../../components/SmallTable';
import { formatTime } from '../../../lib/format';

interface Row {
  group: string;
  client: ProducerClient | null;
  first: boolean;
}

const COLUMNS: Column<Row>[] = [
  {
    key: 'group',
    header: 'Producer group',
    mono: true,
    render: (r) =>
      r.client === null ? (
        r.group
      ) : (
        <span data-testid="producer-group">{r.first ? r.group : ''}</span>
      ),
  },
  {
    key: 'client',
    header: 'Client id',
    mono: true,
    render: (r) =>
      r.client?.clientId ?? (
        <Text size="xs" c="dimmed" span>
          no client online
        </Text>
      ),
  },
  { key: 'addr', header: 'Address', mono: true, render: (r) => r.client?.addr },
  { key: 'language', header: 'Language', render: (r) => r.client?.language },
  { key: 'version', header: 'Version', numeric: true, render: (r) => r.client?.version },
  { key: 'brokers', header: 'Brokers', render: (r) => r.client?.brokers.join(', ') },
  { key: 'heartbeat', header: 'Last heartbeat', render: (r) => (r.client ? formatTime(r.client.lastHeartbeat) : null) },
];

function rowsOf(groups: ProducerGroup[]): Row[] {
  return groups.flatMap((g): Row[] =>
    g.clients.length === 0 ? [{ group: g.group, client: null, first: true }] : g.clients.map((client, i) => ({ group: g.group, client, first: i === 0 })),
  );
}

export function ProducerGroupsTable({ groups, testId }: { groups: ProducerGroup[]; testId?: string }) {
  return (
    <SmallTable
      rows={rowsOf(groups)}
      columns={COLUMNS}
      rowKey={(r) => `${r.group}/${r.client?.clientId ?? ''}/${r.client?.addr ?? ''}`}
      empty="No producer group"
      testId={testId}
    />
  );
}
