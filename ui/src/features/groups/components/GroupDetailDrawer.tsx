// A consumer group in detail: lag per topic, every queue (broker and consumer offset, lag, the client
// holding it, last consume), subscriptions, online clients (running info and jstack on demand), the
// retry and dead-letter topics, and the offset snapshots with Undo. "Reset offsets" opens the reset.
import { Alert, Badge, Button, Code, Drawer, Group, Modal, ScrollArea, SimpleGrid, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowBackUp, IconEdit, IconRotate, IconTrash } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  commands,
  type ConnectionProfile,
  type GroupQueue,
  type GroupTopic,
  type OffsetPlan,
  type OffsetSnapshot,
  type ResetResult,
  type RunningQueue,
} from '../../../bindings';
import type { Column } from '../../../components/columns';
import { DataAge } from '../../../components/DataAge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { SmallTable } from '../../../components/SmallTable';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset, formatTime, formatTps } from '../../../lib/format';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
import { groupClientInfoQuery, groupDetailQuery, groupKeys, groupSnapshotsQuery } from '../api';
import { LagCell } from '../routes/GroupsScreen';
import { DeleteGroupModal } from './DeleteGroupModal';
import { type GroupFormInitial, GroupFormModal } from './GroupFormModal';
import { QueuePlanTable, ResetOffsetsModal, ResetResultModal } from './ResetOffsetsModal';

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="10px" tt="uppercase" c="dimmed" fw={700}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

const TOPIC_COLUMNS: Column<GroupTopic>[] = [
  { key: 'topic', header: 'Topic', mono: true, render: (t) => t.topic },
  { key: 'queues', header: 'Queues', numeric: true, render: (t) => t.queues },
  { key: 'lag', header: 'Lag', numeric: true, render: (t) => <LagCell lag={t.lag} note={t.lagNote} /> },
  { key: 'last', header: 'Last consumed', render: (t) => formatTime(t.lastConsume) },
];

const QUEUE_COLUMNS: Column<GroupQueue>[] = [
  { key: 'topic', header: 'Topic', render: (r) => <Text size="xs" ff="monospace" span>{r.topic}</Text> },
  { key: 'broker', header: 'Broker', width: 90, render: (r) => r.brokerName },
  { key: 'q', header: 'Queue', width: 55, align: 'right', render: (r) => r.queueId },
  { key: 'bo', header: 'Broker offset', width: 110, align: 'right', render: (r) => formatOffset(r.brokerOffset) },
  { key: 'co', header: 'Consumer offset', width: 120, align: 'right', render: (r) => (r.consumerOffset === '-1' ? 'none' : formatOffset(r.consumerOffset)) },
  { key: 'lag', header: 'Lag', width: 80, align: 'right', render: (r) => <LagCell lag={r.lag} note={null} /> },
  { key: 'client', header: 'Client', render: (r) => <Text size="xs" span c={r.client ? undefined : 'dimmed'} truncate>{r.client ?? '—'}</Text> },
  { key: 'last', header: 'Last consumed', width: 140, render: (r) => formatTime(r.lastConsume) },
];

const RUNNING_QUEUE_COLUMNS: Column<RunningQueue>[] = [
  { key: 'queue', header: 'Queue', mono: true, render: (r) => `${r.topic} · ${r.brokerName} #${r.queueId}` },
  { key: 'commit', header: 'Commit offset', numeric: true, render: (r) => formatOffset(r.commitOffset) },
  { key: 'cached', header: 'Cached', numeric: true, render: (r) => formatOffset(r.cachedMessages) },
  { key: 'locked', header: 'Locked', render: (r) => (r.locked === null ? '—' : r.locked ? 'yes' : 'no') },
  { key: 'pull', header: 'Last pull', render: (r) => formatTime(r.lastPull) },
  { key: 'consume', header: 'Last consume', render: (r) => formatTime(r.lastConsume) },
];

const PROPERTY_COLUMNS: Column<[string, string]>[] = [
  { key: 'key', header: 'Property', mono: true, render: ([k]) => k },
  {
    key: 'value',
    header: 'Value',
    render: ([, v]) => (
      <Tooltip label={v} disabled={v.length < 80} multiline w={400}>
        <Text size="xs" span style={{ wordBreak: 'break-all' }}>
          {v.length > 120 ? `${v.slice(0, 120)}…` : v}
        </Text>
      </Tooltip>
    ),
  },
];

export function GroupDetailDrawer({ connection, group, onClose }: { connection: ConnectionProfile; group: string | null; onClose: () => void }) {
  return (
    <Drawer opened={group !== null} onClose={onClose} position="right" size="75%" title={<Text fw={700} ff="monospace">{group}</Text>}>
      {group ? <Body connection={connection} group={group} onGone={onClose} /> : null}
    </Drawer>
  );
}

function Body({ connection, group, onGone }: { connection: ConnectionProfile; group: string; onGone: () => void }) {
  const id = connection.id;
  const q = useQuery(groupDetailQuery(id, group));
  const snaps = useQuery(groupSnapshotsQuery(id, group));
  const qc = useQueryClient();
  const [resetting, setResetting] = useState(false);
  const [editing, setEditing] = useState<GroupFormInitial | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [client, setClient] = useState<{ id: string; jstack: boolean } | null>(null);
  const [undo, setUndo] = useState<OffsetSnapshot | null>(null);
  const [undoPlan, setUndoPlan] = useState<OffsetPlan | null>(null);
  const [result, setResult] = useState<ResetResult | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: groupKeys.all(id) });
  };
  if (q.error) return <ErrorAlert error={toIpcError(q.error)} />;
  const d = q.data;
  if (!d) return <Text size="sm">Loading…</Text>;
  const cfg = d.configs[0]?.[1];
  return (
    <Stack gap="md" data-testid="group-detail">
      <Group justify="space-between">
        <DataAge fetchedAt={d.fetchedAt} fetching={q.isFetching} />
        <Group gap="xs">
          <WriteButton size="xs" leftSection={<IconRotate size={14} />} onClick={() => setResetting(true)} data-testid="group-reset">
            Reset offsets
          </WriteButton>
          <WriteButton
            size="xs"
            variant="default"
            leftSection={<IconEdit size={14} />}
            disabled={!cfg}
            onClick={() => cfg && setEditing({ spec: { group, clusters: [], brokers: d.configs.map((c) => c[0]), config: cfg }, existing: true })}
            data-testid="group-edit"
          >
            Edit
          </WriteButton>
          <WriteButton size="xs" variant="light" color="red" leftSection={<IconTrash size={14} />} onClick={() => setDeleting(true)} data-testid="group-delete">
            Delete
          </WriteButton>
        </Group>
      </Group>
      {d.failedBrokers.length > 0 ? (
        <Alert color="orange" variant="light" title="Some brokers did not answer">
          {d.failedBrokers.map((f) => `${f.brokerName}: ${f.error}`).join('; ')}
        </Alert>
      ) : null}
      <SimpleGrid cols={6}>
        <Stat label="Lag"><LagCell lag={d.lag} note={d.lagNote} /></Stat>
        <Stat label="Consume TPS">{formatTps(d.consumeTps)}</Stat>
        <Stat label="Clients">{d.clients.length === 0 ? <Badge size="sm" color="gray">offline</Badge> : <Badge size="sm" color="green">{d.clients.length} online</Badge>}</Stat>
        <Stat label="Consume type / model">{d.consumeType ?? '—'} / {d.messageModel ?? '—'}</Stat>
        <Stat label={d.retry.topic}>{d.retry.exists ? formatOffset(d.retry.messages) : 'none'}</Stat>
        <Stat label={d.dlq.topic}>
          <Text size="sm" span c={d.dlq.exists && d.dlq.messages !== '0' ? 'red' : undefined} data-testid="group-dlq">
            {d.dlq.exists ? formatOffset(d.dlq.messages) : 'none'}
          </Text>
        </Stat>
      </SimpleGrid>
      {cfg ? (
        <Text size="xs" c="dimmed">
          Config on {d.configs.map((c) => c[0]).join(', ')}: consume {cfg.consumeEnable !== false ? 'enabled' : 'disabled'}, broadcast {cfg.consumeBroadcastEnable !== false ? 'allowed' : 'not allowed'},
          {cfg.consumeMessageOrderly ? ' orderly,' : ''} retry max {cfg.retryMaxTimes} times on {cfg.retryQueueNums} queue(s), reads from broker {cfg.brokerId}
          {d.consumeFromWhere ? ` · clients start ${d.consumeFromWhere}` : ''}
        </Text>
      ) : null}
      <Stack gap={4}>
        <Text fw={700} size="sm">Topics</Text>
        <SmallTable rows={d.topics} columns={TOPIC_COLUMNS} rowKey={(t) => t.topic} empty="No topic consumed yet" testId="group-topics" />
      </Stack>
      <Stack gap={4}>
        <Text fw={700} size="sm">Queues</Text>
        <VirtualTable rows={d.queues} columns={QUEUE_COLUMNS} rowKey={(r) => `${r.topic}|${r.brokerName}|${r.queueId}`} height={260} rowHeight={26} testId="group-queues" empty="No committed offsets yet" />
        {d.notes.map((n) => (
          <Text key={n} size="xs" c="orange">{n}</Text>
        ))}
      </Stack>
      <SimpleGrid cols={2}>
        <Stack gap={4}>
          <Text fw={700} size="sm">Subscriptions</Text>
          {d.subscriptions.length === 0 ? <Text size="xs" c="dimmed">Known only while clients are online.</Text> : null}
          {d.subscriptions.map((s) => (
            <Group key={s.topic} gap={6}>
              <Text size="xs" ff="monospace">{s.topic}</Text>
              <Badge size="xs" variant="light">{s.expressionType}</Badge>
              <Code>{s.expression}</Code>
            </Group>
          ))}
        </Stack>
        <Stack gap={4}>
          <Text fw={700} size="sm">Online clients</Text>
          {d.clients.map((c) => (
            <Group key={c.clientId} gap={6} wrap="nowrap" data-testid="group-client">
              <Text size="xs" ff="monospace" truncate maw={260}>{c.clientId}</Text>
              <Text size="xs" c="dimmed">{c.addr} · {c.language} {c.version}</Text>
              <Button size="compact-xs" variant="subtle" onClick={() => setClient({ id: c.clientId, jstack: false })}>Running info</Button>
              <Button size="compact-xs" variant="subtle" onClick={() => setClient({ id: c.clientId, jstack: true })}>jstack</Button>
            </Group>
          ))}
        </Stack>
      </SimpleGrid>
      <Stack gap={4}>
        <Text fw={700} size="sm">Offset snapshots</Text>
        {snaps.data && snaps.data.length === 0 ? <Text size="xs" c="dimmed">A snapshot of the offsets is saved before every reset; none yet.</Text> : null}
        {(snaps.data ?? []).slice(0, 8).map((s) => (
          <Group key={s.id} gap="xs" data-testid="group-snapshot">
            <Text size="xs">{formatTime(s.at)}</Text>
            <Text size="xs" c="dimmed">before reset {s.reason} · {s.offsets.length} queues</Text>
            {s.restoredAt ? <Badge size="xs" color="gray">restored {formatTime(s.restoredAt)}</Badge> : null}
            <WriteButton size="compact-xs" variant="light" leftSection={<IconArrowBackUp size={12} />} onClick={() => setUndo(s)} data-testid="group-undo">
              Undo
            </WriteButton>
          </Group>
        ))}
      </Stack>
      {resetting ? (
        <ResetOffsetsModal
          connection={connection}
          detail={d}
          onClose={() => setResetting(false)}
          onApplied={(r) => {
            setResetting(false);
            setResult(r);
            refresh();
          }}
        />
      ) : null}
      <PreviewDialog<ResetResult>
        planKey={undo ? previewKeys.plan('undo', id, undo.id) : null}
        loadPlan={async () => {
          const p = await commands.offsetUndoPlan(id, undo?.id ?? 0);
          setUndoPlan(p);
          return p.plan;
        }}
        extra={undoPlan ? <QueuePlanTable plan={undoPlan} /> : null}
        apply={(c) => commands.offsetUndo(id, undo?.id ?? 0, c)}
        onApplied={(r) => {
          setUndo(null);
          setUndoPlan(null);
          setResult(r);
          refresh();
          notifications.show({ color: r.outcome === 'ok' ? 'green' : 'orange', message: `Undo: ${r.outcome}` });
        }}
        onClose={() => {
          setUndo(null);
          setUndoPlan(null);
        }}
        applyLabel="Restore offsets"
      />
      <ResetResultModal result={result} onClose={() => setResult(null)} onUndo={(sid) => {
        setResult(null);
        const s = snaps.data?.find((x) => x.id === sid);
        setUndo(s ?? { id: sid, connectionId: id, group, at: Date.now(), reason: 'the last reset', offsets: [], restoredAt: null });
      }} />
      <ClientInfoModal connectionId={id} group={group} client={client} onClose={() => setClient(null)} />
      <GroupFormModal connection={connection} initial={editing} onClose={() => setEditing(null)} />
      {deleting ? (
        <DeleteGroupModal
          connection={connection}
          detail={d}
          onClose={() => setDeleting(false)}
          onDeleted={() => {
            setDeleting(false);
            onGone();
          }}
        />
      ) : null}
    </Stack>
  );
}

function ClientInfoModal({ connectionId, group, client, onClose }: { connectionId: string; group: string; client: { id: string; jstack: boolean } | null; onClose: () => void }) {
  const q = useQuery(groupClientInfoQuery(connectionId, group, client));
  return (
    <Modal opened={client !== null} onClose={onClose} size="xl" title={<Text fw={700}>{client?.jstack ? 'jstack' : 'Running info'} · {client?.id}</Text>}>
      {q.error ? <ErrorAlert error={toIpcError(q.error)} /> : null}
      {q.isLoading ? <Text size="sm">Asking the client through its broker…</Text> : null}
      {q.data ? (
        client?.jstack ? (
          <ScrollArea h={480}>
            <Code block>{q.data.jstack ?? 'The client sent no thread dump.'}</Code>
          </ScrollArea>
        ) : (
          <Stack gap="xs">
            <SmallTable rows={q.data.queues} columns={RUNNING_QUEUE_COLUMNS} rowKey={(r) => `${r.topic}|${r.brokerName}|${r.queueId}`} empty="The client holds no queue" />
            <ScrollArea h={220}>
              <SmallTable headless rows={q.data.properties} columns={PROPERTY_COLUMNS} rowKey={([k]) => k} empty="No property" />
            </ScrollArea>
          </Stack>
        )
      ) : null}
    </Modal>
  );
}
