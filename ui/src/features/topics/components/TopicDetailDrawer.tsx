// A topic's route (brokers, queue counts, permission) and per-queue offsets and last write.
import { Alert, Badge, Drawer, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ConnectionId, QueueStat } from '../../../bindings';
import { DataAge } from '../../../components/DataAge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset, formatTime } from '../../../lib/format';
import { topicDetailQuery } from '../api';

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Stack gap={0}>
      <Text size="10px" tt="uppercase" c="dimmed" fw={700}>
        {label}
      </Text>
      <Text size="sm" fw={600} data-testid={testId}>
        {value}
      </Text>
    </Stack>
  );
}

export function TopicDetailDrawer({
  connectionId,
  topic,
  onClose,
}: {
  connectionId: ConnectionId;
  topic: string | null;
  onClose: () => void;
}) {
  const q = useQuery({ ...topicDetailQuery(connectionId, topic ?? ''), enabled: topic !== null });
  const d = q.data;
  const err = q.error ? toIpcError(q.error) : null;
  return (
    <Drawer
      opened={topic !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={
        <Text fw={600} ff="monospace">
          {topic}
        </Text>
      }
    >
      <Stack gap="sm" data-testid="topic-detail">
        <Group justify="flex-end">
          <DataAge fetchedAt={d?.fetchedAt ?? null} fetching={q.isFetching} />
        </Group>
        {err ? <ErrorAlert error={err} /> : null}
        {d && d.failedBrokers.length > 0 ? (
          <Alert color="orange" variant="light" title="Some brokers did not answer">
            {d.failedBrokers.map((f) => `${f.brokerName}: ${f.error}`).join('; ')}
          </Alert>
        ) : null}
        {d ? (
          <>
            <SimpleGrid cols={4}>
              <Stat label="Messages stored" value={formatOffset(d.totalMessages)} testId="topic-total" />
              <Stat label="Queues" value={String(d.queues.length)} />
              <Stat label="Brokers" value={String(d.route.length)} />
              <Stat label="Last write" value={formatTime(d.lastUpdate)} />
            </SimpleGrid>
            <Text size="xs" fw={700}>
              Route
            </Text>
            <Table fz="xs" verticalSpacing={3} withTableBorder striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Broker</Table.Th>
                  <Table.Th>Address</Table.Th>
                  <Table.Th ta="right">Read queues</Table.Th>
                  <Table.Th ta="right">Write queues</Table.Th>
                  <Table.Th>Perm</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.route.map((r) => (
                  <Table.Tr key={r.brokerName}>
                    <Table.Td>{r.brokerName}</Table.Td>
                    <Table.Td ff="monospace">{r.addr ?? '—'}</Table.Td>
                    <Table.Td ta="right">{r.readQueues}</Table.Td>
                    <Table.Td ta="right">{r.writeQueues}</Table.Td>
                    <Table.Td>
                      <Badge size="xs" variant="light" color={r.perm === 'RW' ? 'green' : 'orange'}>
                        {r.perm}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="xs" fw={700}>
              Queues
            </Text>
            <VirtualTable<QueueStat>
              rows={d.queues}
              rowKey={(r) => `${r.brokerName}/${r.queueId}`}
              height="calc(100vh - 380px)"
              rowHeight={26}
              columns={[
                { key: 'b', header: 'Broker', render: (r) => r.brokerName },
                { key: 'q', header: 'Queue', align: 'right', render: (r) => r.queueId },
                { key: 'min', header: 'Min offset', align: 'right', render: (r) => formatOffset(r.minOffset) },
                { key: 'max', header: 'Max offset', align: 'right', render: (r) => formatOffset(r.maxOffset) },
                { key: 'n', header: 'Messages', align: 'right', render: (r) => formatOffset(r.messages) },
                { key: 't', header: 'Last write', render: (r) => formatTime(r.lastUpdate) },
              ]}
            />
          </>
        ) : null}
      </Stack>
    </Drawer>
  );
}
