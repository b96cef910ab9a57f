// One stored message read back by its offset id: ids, queue and offsets, hosts and times, every
// property, the body as text (in a chosen charset), pretty JSON, hex or base64; and what can be
// done with it: resend to a group, re-publish a copy, export, and which groups consumed it.
import { Alert, Button, Code, Group, Loader, Modal, SegmentedControl, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconCopy, IconDownload, IconRoute, IconSend } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ConnectionId, MessageView } from '../../../bindings';
import { topicListQuery } from '../../topics/api';
import { TraceModal } from '../../trace/components/TraceModal';
import { WriteButton } from '../../safety/WriteGuard';
import { messageByOffsetIdQuery } from '../api';
import { type ExportTarget, ExportModal } from './ExportModal';
import { RepublishModal } from './RepublishModal';
import { ResendModal } from './ResendModal';
import { TrackPanel } from './TrackPanel';
import type { Column } from '../../../components/columns';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { SmallTable } from '../../../components/SmallTable';
import { toIpcError } from '../../../ipc/errors';
import { base64ToBytes, hexDump } from '../../../lib/bytes';
import { formatOffset, formatTime } from '../../../lib/format';

type BodyView = 'text' | 'json' | 'hex' | 'base64';

/** Characters (or bytes, in hex) of a body shown at first. */
const FIRST_PART = 64 * 1024;

/** Charsets offered for the text view (UTF-8 is what RocketMQ clients send by default). */
const CHARSETS = ['utf-8', 'gb18030', 'gbk', 'big5', 'shift_jis', 'euc-kr', 'iso-8859-1', 'windows-1252', 'utf-16le', 'utf-16be'];

/** The body decoded with `charset`; null when the charset is not known to this browser. */
export function decodeBody(base64: string, charset: string): string | null {
  try {
    return new TextDecoder(charset).decode(base64ToBytes(base64));
  } catch {
    return null;
  }
}

function prettyJson(text: string | null): string | null {
  if (text === null) return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

export function MessageViewModal({ connectionId, offsetMsgId, onClose }: { connectionId: ConnectionId; offsetMsgId: string | null; onClose: () => void }) {
  const q = useQuery(messageByOffsetIdQuery(connectionId, offsetMsgId));
  return (
    <Modal opened={offsetMsgId !== null} onClose={onClose} size="xl" title={<Text fw={700}>Message {offsetMsgId}</Text>}>
      {q.isLoading ? <Loader size="sm" /> : q.error ? <ErrorAlert error={toIpcError(q.error)} /> : q.data ? <MessageDetail m={q.data} connectionId={connectionId} /> : null}
    </Modal>
  );
}

const PROPERTY_COLUMNS: Column<[string, string]>[] = [
  { key: 'key', header: 'Property', width: 220, mono: true, render: ([k]) => k },
  { key: 'value', header: 'Value', mono: true, render: ([, v]) => <span style={{ wordBreak: 'break-all' }}>{v}</span> },
];

function Field({ label, value }: { label: string; value: string }) {
  return (
    <Stack gap={0}>
      <Text size="10px" tt="uppercase" c="dimmed" fw={700}>
        {label}
      </Text>
      <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
        {value}
      </Text>
    </Stack>
  );
}

/** Resend, re-publish, export and track for one message. */
function MessageActions({ connectionId, m }: { connectionId: ConnectionId; m: MessageView }) {
  const [resend, setResend] = useState(false);
  const [republish, setRepublish] = useState(false);
  const [exporting, setExporting] = useState<ExportTarget | null>(null);
  const [tracing, setTracing] = useState(false);
  const topics = useQuery({ ...topicListQuery(connectionId), enabled: republish });
  const names = (topics.data?.topics ?? []).map((t) => t.name);
  return (
    <Stack gap={6}>
      <Group gap="xs">
        <WriteButton size="compact-xs" variant="light" leftSection={<IconSend size={12} />} onClick={() => setResend(true)} data-testid="message-resend">
          Resend to group…
        </WriteButton>
        <WriteButton size="compact-xs" variant="light" leftSection={<IconCopy size={12} />} onClick={() => setRepublish(true)} data-testid="message-republish">
          Re-publish copy…
        </WriteButton>
        <Button
          size="compact-xs"
          variant="light"
          leftSection={<IconDownload size={12} />}
          onClick={() => setExporting({ source: { kind: 'messages', offsetMsgIds: [m.offsetMsgId] }, stem: m.topic, count: 1 })}
          data-testid="message-export"
        >
          Export…
        </Button>
        <Button size="compact-xs" variant="light" leftSection={<IconRoute size={12} />} disabled={!m.msgId} title={m.msgId ? undefined : 'No unique key: traces are recorded by it'} onClick={() => setTracing(true)} data-testid="message-trace">
          Trace
        </Button>
      </Group>
      <TrackPanel connectionId={connectionId} offsetMsgId={m.offsetMsgId} />
      <ResendModal connectionId={connectionId} offsetMsgId={resend ? m.offsetMsgId : null} topic={m.topic} onClose={() => setResend(false)} />
      <RepublishModal connectionId={connectionId} ids={republish ? [m.offsetMsgId] : null} topics={names} onClose={() => setRepublish(false)} />
      <ExportModal connectionId={connectionId} target={exporting} onClose={() => setExporting(null)} />
      <TraceModal connectionId={connectionId} msgId={tracing ? m.msgId : null} topic={m.topic} onClose={() => setTracing(false)} />
    </Stack>
  );
}

export function MessageDetail({ m, connectionId }: { m: MessageView; connectionId?: ConnectionId }) {
  const json = useMemo(() => prettyJson(m.bodyText), [m.bodyText]);
  const [view, setView] = useState<BodyView>(json ? 'json' : m.bodyText !== null ? 'text' : 'hex');
  const [charset, setCharset] = useState('utf-8');
  // A large body (up to 4 MB) is shown a part at a time so the window never stalls on it.
  const [shown, setShown] = useState(FIRST_PART);
  const { body, total } = useMemo(() => {
    if (view === 'hex') {
      const bytes = base64ToBytes(m.bodyBase64);
      return { body: hexDump(bytes, shown), total: bytes.length };
    }
    const text = charset === 'utf-8' ? (m.bodyText ?? '(not valid UTF-8: choose its charset or use the hex view)') : (decodeBody(m.bodyBase64, charset) ?? `(${charset} is not supported here)`);
    const full = view === 'text' ? text : view === 'json' ? (json ?? '(not JSON)') : m.bodyBase64;
    return { body: full.length > shown ? full.slice(0, shown) : full, total: full.length };
  }, [view, m, json, shown, charset]);
  return (
    <Stack gap="sm" data-testid="message-detail">
      <SimpleGrid cols={3} spacing="xs">
        <Field label="Topic" value={m.topic} />
        <Field label="Message id" value={m.msgId ?? '—'} />
        <Field label="Offset id" value={m.offsetMsgId} />
        <Field label="Tag" value={m.tags ?? '—'} />
        <Field label="Keys" value={m.keys.join(' ') || '—'} />
        <Field label="Queue / offset" value={`${m.queueId} / ${formatOffset(m.queueOffset)}`} />
        <Field label="Commit-log offset" value={formatOffset(m.commitLogOffset)} />
        <Field label="Born" value={`${formatTime(m.bornTimestamp)} · ${m.bornHost}`} />
        <Field label="Stored" value={`${formatTime(m.storeTimestamp)} · ${m.storeHost}`} />
        <Field label="Reconsume times" value={String(m.reconsumeTimes)} />
        <Field label="Body size" value={`${m.bodySize.toLocaleString('en-US')} bytes`} />
        <Field label="Sys flag / CRC" value={`${m.sysFlag} / ${m.bodyCrc}`} />
      </SimpleGrid>
      <Text size="xs" fw={700}>
        Properties
      </Text>
      <SmallTable headless rows={Object.entries(m.properties)} columns={PROPERTY_COLUMNS} rowKey={([k]) => k} empty="No property" testId="message-properties" />
      {connectionId ? <MessageActions connectionId={connectionId} m={m} /> : null}
      <Group justify="space-between">
        <Group gap="xs">
          <Text size="xs" fw={700}>
            Body
          </Text>
          {view === 'text' ? (
            <Select
              size="xs"
              w={140}
              data={CHARSETS.map((c) => ({ value: c, label: c === 'utf-8' ? `utf-8${m.bodyText !== null ? ' (detected)' : ''}` : c }))}
              value={charset}
              onChange={(v) => setCharset(v ?? 'utf-8')}
              allowDeselect={false}
              data-testid="message-charset"
            />
          ) : null}
        </Group>
        <SegmentedControl
          size="xs"
          value={view}
          onChange={(v) => setView(v as BodyView)}
          data={[
            { value: 'text', label: 'Text' },
            { value: 'json', label: 'JSON', disabled: json === null },
            { value: 'hex', label: 'Hex' },
            { value: 'base64', label: 'Base64' },
          ]}
          data-testid="message-body-view"
        />
      </Group>
      {m.bodyError ? (
        <Alert color="orange" variant="light" p="xs" data-testid="message-body-error" title="Body shown as stored (compressed)">
          <Text size="xs">{m.bodyError}</Text>
        </Alert>
      ) : null}
      <Code block data-testid="message-body" style={{ maxHeight: 320, overflow: 'auto', whiteSpace: 'pre' }}>
        {body}
      </Code>
      {total > shown ? (
        <Group gap="xs">
          <Text size="xs" c="dimmed" data-testid="message-body-partial">
            Showing the first {shown.toLocaleString('en-US')} of {total.toLocaleString('en-US')} {view === 'hex' ? 'bytes' : 'characters'}.
          </Text>
          <Button size="compact-xs" variant="light" onClick={() => setShown((n) => n * 4)} data-testid="message-body-more">
            Show more
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}
