// Producer groups and their online clients (client id, address, language, version, brokers).
import { Table, Text } from '@mantine/core';
import type { ProducerGroup } from '../../../bindings';
import { formatTime } from '../../../lib/format';

export function ProducerGroupsTable({ groups, testId }: { groups: ProducerGroup[]; testId?: string }) {
  return (
    <Table fz="xs" verticalSpacing={3} withTableBorder striped data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Producer group</Table.Th>
          <Table.Th>Client id</Table.Th>
          <Table.Th>Address</Table.Th>
          <Table.Th>Language</Table.Th>
          <Table.Th ta="right">Version</Table.Th>
          <Table.Th>Brokers</Table.Th>
          <Table.Th>Last heartbeat</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {groups.flatMap((g) =>
          g.clients.length === 0
            ? [
                <Table.Tr key={g.group}>
                  <Table.Td ff="monospace">{g.group}</Table.Td>
                  <Table.Td colSpan={6}>
                    <Text size="xs" c="dimmed">
                      no client online
                    </Text>
                  </Table.Td>
                </Table.Tr>,
              ]
            : g.clients.map((c, i) => (
                <Table.Tr key={`${g.group}/${c.clientId}/${c.addr}`}>
                  <Table.Td ff="monospace" data-testid="producer-group">
                    {i === 0 ? g.group : ''}
                  </Table.Td>
                  <Table.Td ff="monospace">{c.clientId}</Table.Td>
                  <Table.Td ff="monospace">{c.addr}</Table.Td>
                  <Table.Td>{c.language}</Table.Td>
                  <Table.Td ta="right">{c.version}</Table.Td>
                  <Table.Td>{c.brokers.join(', ')}</Table.Td>
                  <Table.Td>{formatTime(c.lastHeartbeat)}</Table.Td>
                </Table.Tr>
              )),
        )}
      </Table.Tbody>
    </Table>
  );
}
