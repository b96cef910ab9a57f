// A topic's route (brokers, queue counts, permission) and per-queue offsets and last write, with
// the topic's actions: edit, send a message, delete (each through the preview dialog).
import { Alert, Badge, Drawer, Group, SimpleGrid, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconEdit, IconSend, IconTrash } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  commands,
  type AuditEntry,
  type BrokerTopicConfig,
  type ConnectionProfile,
  type QueueStat,
  type TopicConsumer,
  type TopicDetail,
  type TopicRouteEntry,
  type TopicType,
} from '../../../bindings';
import type { Column } from '../../../components/columns';
import { DataAge } from '../../../components/DataAge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { SmallTable } from '../../../components/SmallTable';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset, formatTime, formatTps } from '../../../lib/format';
import { producerListQuery } from '../../producers/api';
import { ProducerGroupsTable } from '../../producers/components/ProducerGroupsTable';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
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

const ROUTE_COLUMNS: Column<TopicRouteEntry>[] = [
  { key: 'broker', header: 'Broker', render: (r) => r.brokerName },
  { key: 'addr', header: 'Address', mono: true, render: (r) => r.addr ?? '—' },
  { key: 'read', header: 'Read queues', numeric: true, render: (r) => r.readQueues },
  { key: 'write', header: 'Write queues', numeric: true, render: (r) => r.writeQueues },
  {
    key: 'perm',
    header: 'Perm',
    render: (r) => (
      <Badge size="xs" variant="light" color={r.perm === 'RW' ? 'green' : 'orange'}>
        {r.perm}
      </Badge>
    ),
  },
];

const CONFIG_COLUMNS: Column<BrokerTopicConfig>[] = [
  { key: 'broker', header: 'Broker', render: (c) => c.brokerName },
  { key: 'order', header: 'Order', render: (c) => (c.order ? 'yes' : 'no') },
  { key: 'sysFlag', header: 'Sys flag', numeric: true, render: (c) => c.topicSysFlag },
  {
    key: 'attributes',
    header: 'Attributes',
    mono: true,
    render: (c) =>
      Object.entries(c.attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || '—',
  },
];

const CONSUMER_COLUMNS: Column<TopicConsumer>[] = [
  { key: 'group', header: 'Group', mono: true, render: (g) => g.group },
  {
    key: 'lag',
    header: 'Lag',
    numeric: true,
    render: (g) =>
      g.lag !== null ? (
        formatOffset(g.lag)
      ) : (
        <Tooltip label={g.lagNote ?? 'unknown'} multiline w={300}>
          <Text size="xs" span c="dimmed">
            unknown
          </Text>
        </Tooltip>
      ),
  },
  { key: 'tps', header: 'TPS', numeric: true, render: (g) => formatTps(g.consumeTps) },
  {
    key: 'clients',
    header: 'Clients',
    render: (g) =>
      g.clients.length > 0 ? (
        <Tooltip label={g.clients.map((c) => `${c.clientId} (${c.addr}, ${c.language})`).join('\n')} multiline w={360}>
          <Text size="xs" span>
            {g.clients.length} online · {g.messageModel?.toLowerCase() ?? ''} {g.consumeType?.replace('CONSUME_', '').toLowerCase() ?? ''}
          </Text>
        </Tooltip>
      ) : (
        <Text size="xs" span c="orange">
          offline
        </Text>
      ),
  },
  { key: 'last', header: 'Last consumed', render: (g) => formatTime(g.lastConsume) },
];

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
            <WriteButton size="xs" variant="default" leftSection={<IconEdit size={14} />} disabled={!d} onClick={() => d && setEditing(editInitial(d, topicType))} data-testid="topic-edit">
              Edit
            </WriteButton>
            <WriteButton size="xs" variant="default" leftSection={<IconSend size={14} />} onClick={() => setSending(name)} data-testid="topic-send">
              Send message
            </WriteButton>
            <WriteButton size="xs" variant="light" color="red" leftSection={<IconTrash size={14} />} onClick={() => setDeleteKey(previewKeys.plan('topic-delete', connectionId, name))} data-testid="topic-delete">
              Delete
            </WriteButton>
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
            <SmallTable rows={d.route} columns={ROUTE_COLUMNS} rowKey={(r) => r.brokerName} />
            <Text size="xs" fw={700}>
              Config
            </Text>
            <SmallTable rows={d.config} columns={CONFIG_COLUMNS} rowKey={(c) => c.brokerName} testId="topic-config" />
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
              <SmallTable rows={consumers.data.groups} columns={CONSUMER_COLUMNS} rowKey={(g) => g.group} testId="topic-consumers" />
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
          qc.removeQueries({ queryKey: topicKeys.detail(connectionId, name) });
          qc.removeQueries({ queryKey: topicKeys.consumers(connectionId, name) });
          void qc.invalidateQueries({ queryKey: topicKeys.all(connectionId) });
        }}
      />
    </Drawer>
  );
}
