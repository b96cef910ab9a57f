// A topic's route (brokers, queue counts, permission) and per-queue offsets and last write, with
// the topic's actions: edit, send a message, delete (each through the preview dialog).
import { Alert, Badge, Button, Drawer, Group, SimpleGrid, Stack, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconEdit, IconSend, IconTrash } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type AuditEntry, type ConnectionProfile, type QueueStat, type TopicDetail, type TopicType } from '../../../bindings';
import { DataAge } from '../../../components/DataAge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset, formatTime, formatTps } from '../../../lib/format';
import { producerListQuery } from '../../producers/api';
import { ProducerGroupsTable } from '../../producers/components/ProducerGroupsTable';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { topicConsumersQuery, topicDetailQuery, topicKeys } from '../api';
import { SendMessageModal } from './SendMessageModal';
import { type TopicFormInitial, TopicFormModal } from './TopicFormModal';

const PERM_BITS: Record<string, number> = { RW: 6, R: 4, W: 2 };

/** The edit form's starting values: the topic as its route shows it. */
export function editInitial(d: TopicDetail, topicType: TopicType | null): TopicFormInitial {
  return {
    existing: true,
    spec: {
      name: d.name,
      clusters: [],
      brokers: d.route.map((r) => r.brokerName),
      readQueues: Math.max(1, ...d.route.map((r) => r.readQueues)),
      writeQueues: Math.max(1, ...d.route.map((r) => r.writeQueues)),
      perm: PERM_BITS[d.route[0]?.perm ?? 'RW'] ?? 6,
      messageType: null,
      order: topicType === 'fifo',
    },
  };
}

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
  connection,
  topic,
  topicType,
  onClose,
}: {
  connection: ConnectionProfile;
  topic: string | null;
  topicType: TopicType | null;
  onClose: () => void;
}) {
  const connectionId = connection.id;
  const qc = useQueryClient();
  const q = useQuery({ ...topicDetailQuery(connectionId, topic ?? ''), enabled: topic !== null });
  const consumers = useQuery({ ...topicConsumersQuery(connectionId, topic ?? ''), enabled: topic !== null });
  const producers = useQuery({ ...producerListQuery(connectionId, { topic, group: null }), enabled: topic !== null });
  const producerGroups = (producers.data?.groups ?? []).filter((g) => !g.system);
  const d = q.data;
  const err = q.error ? toIpcError(q.error) : null;
  const [editing, setEditing] = useState<TopicFormInitial | null>(null);
  const [sending, setSending] = useState<string | null>(null);
  const [deleteKey, setDeleteKey] = useState<readonly unknown[] | null>(null);
  const name = topic ?? '';
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
        <Group justify="space-between">
          <Group gap="xs">
            <Button size="xs" variant="default" leftSection={<IconEdit size={14} />} disabled={!d} onClick={() => d && setEditing(editInitial(d, topicType))} data-testid="topic-edit">
              Edit
            </Button>
            <Button size="xs" variant="default" leftSection={<IconSend size={14} />} onClick={() => setSending(name)} data-testid="topic-send">
              Send message
            </Button>
            <Button size="xs" variant="light" color="red" leftSection={<IconTrash size={14} />} onClick={() => setDeleteKey(['topic-delete', connectionId, name])} data-testid="topic-delete">
              Delete
            </Button>
          </Group>
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
              Config
            </Text>
            <Table fz="xs" verticalSpacing={3} withTableBorder striped data-testid="topic-config">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Broker</Table.Th>
                  <Table.Th>Order</Table.Th>
                  <Table.Th ta="right">Sys flag</Table.Th>
                  <Table.Th>Attributes</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.config.map((c) => (
                  <Table.Tr key={c.brokerName}>
                    <Table.Td>{c.brokerName}</Table.Td>
                    <Table.Td>{c.order ? 'yes' : 'no'}</Table.Td>
                    <Table.Td ta="right">{c.topicSysFlag}</Table.Td>
                    <Table.Td ff="monospace">
                      {Object.entries(c.attributes)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ') || '—'}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="xs" fw={700}>
              Consumer groups
            </Text>
            {consumers.error ? <ErrorAlert error={toIpcError(consumers.error)} /> : null}
            {consumers.data && consumers.data.groups.length === 0 ? (
              <Text size="xs" c="dimmed" data-testid="topic-no-consumers">
                No consumer group has consumed this topic.
              </Text>
            ) : null}
            {consumers.data && consumers.data.groups.length > 0 ? (
              <Table fz="xs" verticalSpacing={3} withTableBorder striped data-testid="topic-consumers">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Group</Table.Th>
                    <Table.Th ta="right">Lag</Table.Th>
                    <Table.Th ta="right">TPS</Table.Th>
                    <Table.Th>Clients</Table.Th>
                    <Table.Th>Last consumed</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {consumers.data.groups.map((g) => (
                    <Table.Tr key={g.group}>
                      <Table.Td ff="monospace">{g.group}</Table.Td>
                      <Table.Td ta="right">
                        {g.lag !== null ? (
                          formatOffset(g.lag)
                        ) : (
                          <Tooltip label={g.lagNote ?? 'unknown'} multiline w={300}>
                            <Text size="xs" span c="dimmed">
                              unknown
                            </Text>
                          </Tooltip>
                        )}
                      </Table.Td>
                      <Table.Td ta="right">{formatTps(g.consumeTps)}</Table.Td>
                      <Table.Td>
                        {g.clients.length > 0 ? (
                          <Tooltip label={g.clients.map((c) => `${c.clientId} (${c.addr}, ${c.language})`).join('\n')} multiline w={360}>
                            <Text size="xs" span>
                              {g.clients.length} online · {g.messageModel?.toLowerCase() ?? ''} {g.consumeType?.replace('CONSUME_', '').toLowerCase() ?? ''}
                            </Text>
                          </Tooltip>
                        ) : (
                          <Text size="xs" span c="orange">
                            offline
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{formatTime(g.lastConsume)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ) : null}
            <Text size="xs" fw={700}>
              Producers online (groups connected to this topic’s brokers)
            </Text>
            {producers.data && !producers.data.discoverySupported ? (
              <Text size="xs" c="dimmed">
                These brokers do not list producer groups (older than 4.9): look a group up on the Producers screen.
              </Text>
            ) : producerGroups.length === 0 ? (
              <Text size="xs" c="dimmed" data-testid="topic-no-producers">
                {producers.isLoading ? 'Loading…' : 'No producer connected.'}
              </Text>
            ) : (
              <ProducerGroupsTable groups={producerGroups} testId="topic-producers" />
            )}
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
      <TopicFormModal connection={connection} initial={editing} onClose={() => setEditing(null)} />
      <SendMessageModal connection={connection} topic={sending} onClose={() => setSending(null)} />
      <PreviewDialog<AuditEntry>
        planKey={deleteKey}
        loadPlan={() => commands.topicPlanDelete(connectionId, name)}
        apply={(c) => commands.topicDelete(connectionId, name, c)}
        applyLabel="Delete topic"
        onClose={() => setDeleteKey(null)}
        onApplied={(e) => {
          notifications.show({ color: e.outcome === 'ok' ? 'green' : 'orange', title: `Deleted ${e.target}: ${e.outcome}`, message: e.error ?? 'Recorded in the audit journal.' });
          setDeleteKey(null);
          onClose();
          // The topic is gone: drop its detail rather than refetch it into a NotFound.
          for (const part of ['detail', 'consumers']) qc.removeQueries({ queryKey: [...topicKeys.all(connectionId), part, name] });
          void qc.invalidateQueries({ queryKey: topicKeys.all(connectionId) });
        }}
      />
    </Drawer>
  );
}
