// Finding messages. By key: topic + key + a store-time window (default the last three days) and a
// cap (default 1,000); the core splits windows the broker answers full, so there is no 64-message
// ceiling, and the result says how it searched (requests, splits), whether the cap truncated it and
// which brokers failed. By id: a unique key (with its topic) or an offset id; the result says which
// one matched and shows the message. A row opens the message with its properties and body viewers.
import { Alert, Autocomplete, Badge, Button, Group, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ConnectionProfile, IdQuery, KeyQuery, MessageRow } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { ScreenHeader } from '../../../components/ScreenHeader';
import type { Column } from '../../../components/columns';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset, formatTime } from '../../../lib/format';
import { localInput } from '../../groups/components/ResetOffsetsModal';
import { topicListQuery } from '../../topics/api';
import { messageByIdQuery, messageByKeyQuery } from '../api';
import { MessageDetail, MessageViewModal } from '../components/MessageViewModal';
import { BrowsePanel } from '../components/BrowsePanel';
import { ResultActions, useRowSelection } from '../components/ResultActions';
import { ScanPanel } from '../components/ScanPanel';
import { TailPanel } from '../components/TailPanel';

type Mode = 'key' | 'id' | 'scan' | 'browse' | 'tail';

export function MessagesScreen({ connection }: { connection: ConnectionProfile }) {
  const [mode, setMode] = useState<Mode>('key');
  const topics = useQuery(topicListQuery(connection.id));
  const topicNames = useMemo(() => (topics.data?.topics ?? []).map((t) => t.name).filter((n) => !n.startsWith('rmq_sys_')), [topics.data]);
  return (
    <Stack gap="sm" data-testid="messages-screen">
      <ScreenHeader title="Messages" connection={connection} />
      <SegmentedControl
        w={640}
        value={mode}
        onChange={(v) => setMode(v as Mode)}
        data={[
          { value: 'key', label: 'By key' },
          { value: 'id', label: 'By message id' },
          { value: 'scan', label: 'By time range' },
          { value: 'browse', label: 'Queue browse' },
          { value: 'tail', label: 'Live tail' },
        ]}
        data-testid="messages-mode"
      />
      {mode === 'key' ? (
        <ByKey connection={connection} topics={topicNames} />
      ) : mode === 'id' ? (
        <ById connection={connection} topics={topicNames} />
      ) : mode === 'scan' ? (
        <ScanPanel connection={connection} topics={topicNames} />
      ) : mode === 'browse' ? (
        <BrowsePanel connection={connection} topics={topicNames} />
      ) : (
        <TailPanel connection={connection} topics={topicNames} />
      )}
    </Stack>
  );
}

function ByKey({ connection, topics }: { connection: ConnectionProfile; topics: string[] }) {
  const [topic, setTopic] = useState('');
  const [key, setKey] = useState('');
  const [from, setFrom] = useState(() => localInput(Date.now() - 3 * 24 * 3_600_000));
  const [to, setTo] = useState('');
  const [limit, setLimit] = useState(1000);
  const [asked, setAsked] = useState<KeyQuery | null>(null);
  const [opened, setOpened] = useState<string | null>(null);
  const q = useQuery(messageByKeyQuery(connection.id, asked));
  const submit = () => {
    const begin = new Date(from).getTime();
    const end = to ? new Date(to).getTime() : null;
    setAsked({ topic: topic.trim(), key: key.trim(), begin: Number.isNaN(begin) ? null : begin, end: end === null || Number.isNaN(end) ? null : end, limit });
  };
  const r = q.data;
  const pick = useRowSelection(r?.rows ?? []);
  const columns: Column<MessageRow>[] = [
    pick.column,
    { key: 'time', header: 'Stored', width: 150, render: (m) => formatTime(m.storeTimestamp) },
    { key: 'tag', header: 'Tag', width: 90, render: (m) => m.tags ?? '—' },
    { key: 'keys', header: 'Keys', width: 160, render: (m) => <Text size="xs" span truncate>{m.keys.join(' ')}</Text> },
    { key: 'where', header: 'Broker · queue · offset', width: 170, render: (m) => `${m.brokerName} · ${m.queueId} · ${formatOffset(m.queueOffset)}` },
    { key: 'id', header: 'Message id', width: 270, render: (m) => <Text size="xs" ff="monospace" span>{m.msgId ?? '—'}</Text> },
    { key: 'size', header: 'Size', width: 70, align: 'right', render: (m) => m.bodySize.toLocaleString('en-US') },
    { key: 'body', header: 'Body', render: (m) => <Text size="xs" span c={m.bodyPreview === null ? 'dimmed' : undefined} truncate>{m.bodyPreview ?? '(binary)'}</Text> },
  ];
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="xs">
        <Autocomplete label="Topic" w={240} data={topics} value={topic} onChange={setTopic} limit={50} data-testid="key-topic" />
        <TextInput label="Key" w={220} value={key} onChange={(e) => setKey(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && submit()} data-testid="key-key" />
        <TextInput label="Stored from" type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="key-from" />
        <TextInput label="to (blank: now)" type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="key-to" />
        <NumberInput label="Cap" w={100} min={1} max={10000} value={limit} onChange={(v) => setLimit(Number(v) || 1000)} data-testid="key-limit" />
        <Button leftSection={<IconSearch size={14} />} disabled={!topic.trim() || !key.trim()} loading={q.isFetching} onClick={submit} data-testid="key-search">
          Search
        </Button>
      </Group>
      {q.error ? <ErrorAlert error={toIpcError(q.error)} /> : null}
      {r ? (
        <>
          <Group gap="xs" data-testid="key-summary">
            <Text size="sm" fw={700} data-testid="key-count">
              {r.rows.length.toLocaleString('en-US')} message(s)
            </Text>
            {r.truncated ? (
              <Badge color="orange" data-testid="key-truncated">
                truncated at the cap: the newest {r.rows.length.toLocaleString('en-US')} are shown
              </Badge>
            ) : (
              <Badge color="green" variant="light">complete</Badge>
            )}
            <Text size="xs" c="dimmed">
              {formatTime(r.begin)} – {formatTime(r.end)} · {r.brokers.length} broker(s) · {r.requests} request(s){r.splits ? `, ${r.splits} full page(s) continued` : ''}
              {r.collisions ? ` · ${r.collisions} index hit(s) for other keys dropped` : ''} · {Math.round(r.elapsedMs ?? 0)} ms
            </Text>
          </Group>
          {r.failedBrokers.length ? (
            <Alert color="orange" variant="light" title="Some brokers did not answer: their messages are missing" data-testid="key-failed">
              {r.failedBrokers.map((f) => `${f.brokerName} (${f.addr}): ${f.error}`).join('; ')}
            </Alert>
          ) : null}
          {r.notes.map((n) => (
            <Text key={n} size="xs" c="orange">
              {n}
            </Text>
          ))}
          <ResultActions connectionId={connection.id} stem={`${asked?.topic ?? 'messages'}-${asked?.key ?? ''}`} selected={pick.selected} ids={pick.ids} />
          <VirtualTable rows={r.rows} columns={columns} rowKey={(m) => m.offsetMsgId} onRowClick={(m) => setOpened(m.offsetMsgId)} height="calc(100vh - 350px)" testId="key-results" empty="No message with this key in the window" />
        </>
      ) : null}
      <MessageViewModal connectionId={connection.id} offsetMsgId={opened} onClose={() => setOpened(null)} />
    </Stack>
  );
}

function ById({ connection, topics }: { connection: ConnectionProfile; topics: string[] }) {
  const [id, setId] = useState('');
  const [topic, setTopic] = useState('');
  const [asked, setAsked] = useState<IdQuery | null>(null);
  const q = useQuery(messageByIdQuery(connection.id, asked));
  const submit = () => setAsked({ id: id.trim(), topic: topic.trim() || null });
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="xs">
        <TextInput label="Message id (unique key or offset id)" w={380} value={id} onChange={(e) => setId(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && submit()} data-testid="id-id" />
        <Autocomplete label="Topic (needed for a unique key)" w={260} data={topics} value={topic} onChange={setTopic} limit={50} data-testid="id-topic" />
        <Button leftSection={<IconSearch size={14} />} disabled={!id.trim()} loading={q.isFetching} onClick={submit} data-testid="id-search">
          Find
        </Button>
      </Group>
      {q.error ? <ErrorAlert error={toIpcError(q.error)} /> : null}
      {q.data ? (
        <Stack gap="xs">
          <Group gap="xs">
            <Badge data-testid="id-matched">{q.data.matchedAs === 'uniqueKey' ? 'matched as a unique key' : 'matched as an offset id'}</Badge>
            <Text size="xs" c="dimmed">
              {q.data.messages.length} stored cop{q.data.messages.length === 1 ? 'y' : 'ies'} · {Math.round(q.data.elapsedMs ?? 0)} ms
            </Text>
          </Group>
          {q.data.notes.map((n) => (
            <Text key={n} size="xs" c="dimmed">
              {n}
            </Text>
          ))}
          {q.data.messages.map((m) => (
            <MessageDetail key={m.offsetMsgId} m={m} connectionId={connection.id} />
          ))}
        </Stack>
      ) : null}
    </Stack>
  );
}
