// One group's dead letters: the message lookup's window and filters over its %DLQ% topic, each
// message with its original topic, original message id, reconsume times, when it was first sent
// and when it was dead-lettered. A row opens the message (body viewers, its trace); ticked rows, or
// every match, go to the replay.
import { Badge, Button, Checkbox, Drawer, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ConnectionProfile, DlqBrowseRequest, DlqMessage, ReplaySelection } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatTime } from '../../../lib/format';
import { MessageViewModal } from '../../messages/components/MessageViewModal';
import { WriteButton } from '../../safety/WriteGuard';
import { dlqBrowseQuery } from '../api';
import { ReplayModal } from './ReplayModal';

export function DlqBrowseDrawer({ connection, group, topics, onClose }: { connection: ConnectionProfile; group: string | null; topics: string[]; onClose: () => void }) {
  return (
    <Drawer opened={group !== null} onClose={onClose} position="right" size="80%" title={<Text fw={700}>Dead letters of {group}</Text>}>
      {group ? <Browse key={group} connection={connection} group={group} topics={topics} /> : null}
    </Drawer>
  );
}

function Browse({ connection, group, topics }: { connection: ConnectionProfile; group: string; topics: string[] }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [key, setKey] = useState('');
  const [tags, setTags] = useState('');
  const [body, setBody] = useState('');
  const ask = (): DlqBrowseRequest => {
    const begin = from ? new Date(from).getTime() : null;
    const end = to ? new Date(to).getTime() : null;
    return {
      group,
      begin: begin !== null && !Number.isNaN(begin) ? begin : null,
      end: end !== null && !Number.isNaN(end) ? end : null,
      filter: { tags: tags.trim() || null, key: key.trim() || null, property: null, bodyContains: body || null, bodyRegex: null, storeHost: null },
      limit: 1000,
    };
  };
  const [asked, setAsked] = useState<DlqBrowseRequest>(() => ask());
  const q = useQuery(dlqBrowseQuery(connection.id, asked));
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [opened, setOpened] = useState<string | null>(null);
  const [replay, setReplay] = useState<ReplaySelection | null>(null);
  const rows = q.data?.messages ?? [];
  const toggle = (id: string, on: boolean) =>
    setPicked((s) => {
      const n = new Set(s);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });
  const columns: Column<DlqMessage>[] = [
    {
      key: 'pick',
      width: 28,
      header: '',
      render: (m) => <Checkbox size="xs" aria-label="Select" checked={picked.has(m.row.offsetMsgId)} onClick={(e) => e.stopPropagation()} onChange={(e) => toggle(m.row.offsetMsgId, e.currentTarget.checked)} />,
    },
    { key: 'dead', header: 'Dead-lettered', width: 150, render: (m) => formatTime(m.deadLettered) },
    { key: 'topic', header: 'Original topic', width: 170, mono: true, render: (m) => m.originalTopic ?? <Text span size="xs" c="red">unknown</Text> },
    { key: 'keys', header: 'Keys', width: 160, render: (m) => <Text span size="xs" truncate>{m.row.keys.join(' ') || '—'}</Text> },
    { key: 'tag', header: 'Tag', width: 80, render: (m) => m.row.tags ?? '—' },
    { key: 'tries', header: 'Reconsumed', width: 90, numeric: true, render: (m) => m.reconsumeTimes },
    { key: 'sent', header: 'First sent', width: 150, render: (m) => formatTime(m.firstSent) },
    { key: 'origin', header: 'Original message id', width: 270, mono: true, render: (m) => m.originMsgId ?? '—' },
    { key: 'body', header: 'Body', render: (m) => <Text span size="xs" truncate c={m.row.bodyPreview === null ? 'dimmed' : undefined}>{m.row.bodyPreview ?? '(binary)'}</Text> },
  ];
  return (
    <Stack gap="sm" data-testid="dlq-browse">
      <Group align="flex-end" gap="xs">
        <TextInput label="Dead-lettered from" type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label="to (blank: now)" type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <TextInput label="Key" w={150} value={key} onChange={(e) => setKey(e.currentTarget.value)} />
        <TextInput label="Tags (A||B)" w={120} value={tags} onChange={(e) => setTags(e.currentTarget.value)} />
        <TextInput label="Body contains" w={160} value={body} onChange={(e) => setBody(e.currentTarget.value)} />
        <Button leftSection={<IconSearch size={14} />} loading={q.isFetching} onClick={() => (setPicked(new Set()), setAsked(ask()))} data-testid="dlq-browse-search">
          Browse
        </Button>
      </Group>
      {q.error ? <ErrorAlert error={toIpcError(q.error)} /> : null}
      {q.data ? (
        <Group justify="space-between">
          <Group gap="xs">
            <Text size="sm" fw={700} data-testid="dlq-browse-count">
              {rows.length.toLocaleString('en-US')} dead letter(s)
            </Text>
            {q.data.truncated ? <Badge color="orange">the oldest {rows.length.toLocaleString('en-US')} are shown</Badge> : null}
            <Text size="xs" c="dimmed">
              {q.data.scanned.toLocaleString('en-US')} read · {Math.round(q.data.elapsedMs ?? 0)} ms
              {q.data.failedBrokers.length ? ` · missing from ${q.data.failedBrokers.map((f) => f.brokerName).join(', ')}` : ''}
            </Text>
          </Group>
          <Group gap="xs">
            <WriteButton size="xs" variant="light" disabled={picked.size === 0} onClick={() => setReplay({ kind: 'messages', offsetMsgIds: [...picked] })} data-testid="dlq-replay-selected">
              Replay {picked.size} selected…
            </WriteButton>
            <WriteButton size="xs" disabled={rows.length === 0} onClick={() => setReplay({ kind: 'matching', begin: asked.begin, end: asked.end, filter: asked.filter })} data-testid="dlq-replay-all">
              Replay all matching…
            </WriteButton>
          </Group>
        </Group>
      ) : null}
      <VirtualTable rows={rows} columns={columns} rowKey={(m) => m.row.offsetMsgId} onRowClick={(m) => setOpened(m.row.offsetMsgId)} height="calc(100vh - 260px)" testId="dlq-browse-table" empty={q.isLoading ? 'Loading…' : 'No dead letter in this window'} />
      <MessageViewModal connectionId={connection.id} offsetMsgId={opened} onClose={() => setOpened(null)} />
      <ReplayModal connectionId={connection.id} group={group} selection={replay} topics={topics} onClose={() => setReplay(null)} />
    </Stack>
  );
}
