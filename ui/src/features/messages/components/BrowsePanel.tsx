// One queue page by page: choose the topic and queue, start at the oldest, the newest or an
// offset, and step older or newer. The page says where it sits in the queue (min–max).
import { Autocomplete, Button, Group, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconChevronLeft, IconChevronRight, IconChevronsLeft, IconChevronsRight } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { BrowseRequest, ConnectionProfile, MessageRow } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import type { Column } from '../../../components/columns';
import { VirtualTable } from '../../../components/VirtualTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset, formatTime } from '../../../lib/format';
import { topicDetailQuery } from '../../topics/api';
import { messageBrowseQuery } from '../api';
import { MessageViewModal } from './MessageViewModal';

export function BrowsePanel({ connection, topics }: { connection: ConnectionProfile; topics: string[] }) {
  const [topic, setTopic] = useState('');
  const [queue, setQueue] = useState<string | null>(null);
  const [pageSize, setPageSize] = useState(50);
  const [offset, setOffset] = useState('');
  const [asked, setAsked] = useState<BrowseRequest | null>(null);
  const [opened, setOpened] = useState<string | null>(null);
  const detail = useQuery({ ...topicDetailQuery(connection.id, topic.trim()), enabled: topics.includes(topic.trim()) });
  const queues = (detail.data?.queues ?? []).map((q) => ({
    value: `${q.brokerName}|${q.queueId}`,
    label: `${q.brokerName} #${q.queueId} · ${formatOffset(q.minOffset)}–${formatOffset(q.maxOffset)}`,
  }));
  const page = useQuery(messageBrowseQuery(connection.id, asked));
  const go = (direction: 'forward' | 'backward', from: string | null) => {
    if (!queue) return;
    const cut = queue.lastIndexOf('|');
    setAsked({ topic: topic.trim(), brokerName: queue.slice(0, cut), queueId: Number(queue.slice(cut + 1)), from, direction, pageSize });
  };
  const p = page.data;
  const columns: Column<MessageRow>[] = [
    { key: 'offset', header: 'Offset', width: 110, align: 'right', render: (m) => formatOffset(m.queueOffset) },
    { key: 'time', header: 'Stored', width: 150, render: (m) => formatTime(m.storeTimestamp) },
    { key: 'tag', header: 'Tag', width: 90, render: (m) => m.tags ?? '—' },
    { key: 'keys', header: 'Keys', width: 150, render: (m) => <Text size="xs" span truncate>{m.keys.join(' ')}</Text> },
    { key: 'size', header: 'Size', width: 70, align: 'right', render: (m) => m.bodySize.toLocaleString('en-US') },
    { key: 'body', header: 'Body', render: (m) => <Text size="xs" span c={m.bodyPreview === null ? 'dimmed' : undefined} truncate>{m.bodyPreview ?? '(binary)'}</Text> },
  ];
  const atOldest = p ? p.first === p.minOffset : true;
  const atNewest = p ? p.end === p.maxOffset : true;
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="xs">
        <Autocomplete label="Topic" w={220} data={topics} value={topic} onChange={(v) => { setTopic(v); setQueue(null); }} limit={50} data-testid="browse-topic" />
        <Select label="Queue" w={300} data={queues} value={queue} onChange={setQueue} placeholder={detail.isFetching ? 'Loading…' : 'Choose'} data-testid="browse-queue" />
        <NumberInput label="Per page" w={90} min={1} max={500} value={pageSize} onChange={(v) => setPageSize(Number(v) || 50)} data-testid="browse-size" />
        <Button variant="light" leftSection={<IconChevronsLeft size={14} />} disabled={!queue} onClick={() => go('forward', null)} data-testid="browse-oldest">
          Oldest
        </Button>
        <Button variant="light" rightSection={<IconChevronsRight size={14} />} disabled={!queue} onClick={() => go('backward', null)} data-testid="browse-newest">
          Newest
        </Button>
        <TextInput label="From offset" w={130} value={offset} onChange={(e) => setOffset(e.currentTarget.value.replace(/\D/g, ''))} data-testid="browse-offset" />
        <Button variant="light" disabled={!queue || !offset} onClick={() => go('forward', offset)} data-testid="browse-go">
          Go
        </Button>
      </Group>
      {page.error ? <ErrorAlert error={toIpcError(page.error)} /> : null}
      {p ? (
        <>
          <Group gap="xs" justify="space-between">
            <Text size="sm" data-testid="browse-range">
              {p.brokerName} #{p.queueId}: offsets {formatOffset(p.first)}–{formatOffset(p.end)} of {formatOffset(p.minOffset)}–{formatOffset(p.maxOffset)} · {p.rows.length} message(s)
            </Text>
            <Group gap="xs">
              <Button size="compact-sm" variant="default" leftSection={<IconChevronLeft size={14} />} disabled={atOldest} onClick={() => go('backward', p.first)} data-testid="browse-older">
                Older
              </Button>
              <Button size="compact-sm" variant="default" rightSection={<IconChevronRight size={14} />} disabled={atNewest} onClick={() => go('forward', p.end)} data-testid="browse-newer">
                Newer
              </Button>
            </Group>
          </Group>
          <VirtualTable rows={p.rows} columns={columns} rowKey={(m) => m.offsetMsgId} onRowClick={(m) => setOpened(m.offsetMsgId)} height="calc(100vh - 330px)" testId="browse-results" empty="No message in this range (expired or empty queue)" />
        </>
      ) : null}
      <MessageViewModal connectionId={connection.id} offsetMsgId={opened} onClose={() => setOpened(null)} />
    </Stack>
  );
}
