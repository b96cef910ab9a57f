// One stored message read back by its offset id: ids, queue and offsets, hosts and times, every
// property, and the body as text, pretty JSON, hex or base64.
import { Button, Code, Group, Loader, Modal, SegmentedControl, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { commands, type ConnectionId, type MessageView } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { toIpcError } from '../../../ipc/errors';
import { base64ToBytes, hexDump } from '../../../lib/bytes';
import { formatOffset, formatTime } from '../../../lib/format';

type BodyView = 'text' | 'json' | 'hex' | 'base64';

/** Characters (or bytes, in hex) of a body shown at first. */
const FIRST_PART = 64 * 1024;

function prettyJson(text: string | null): string | null {
  if (text === null) return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

export function MessageViewModal({ connectionId, offsetMsgId, onClose }: { connectionId: ConnectionId; offsetMsgId: string | null; onClose: () => void }) {
  const q = useQuery({
    queryKey: ['conn', connectionId, 'messages', 'byOffsetId', offsetMsgId],
    queryFn: () => commands.messageByOffsetId(connectionId, offsetMsgId ?? ''),
    enabled: offsetMsgId !== null,
  });
  return (
    <Modal opened={offsetMsgId !== null} onClose={onClose} size="xl" title={<Text fw={700}>Message {offsetMsgId}</Text>}>
      {q.isLoading ? <Loader size="sm" /> : q.error ? <ErrorAlert error={toIpcError(q.error)} /> : q.data ? <MessageDetail m={q.data} /> : null}
    </Modal>
  );
}

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

export function MessageDetail({ m }: { m: MessageView }) {
  const json = useMemo(() => prettyJson(m.bodyText), [m.bodyText]);
  const [view, setView] = useState<BodyView>(json ? 'json' : m.bodyText !== null ? 'text' : 'hex');
  // A large body (up to 4 MB) is shown a part at a time so the window never stalls on it.
  const [shown, setShown] = useState(FIRST_PART);
  const { body, total } = useMemo(() => {
    if (view === 'hex') {
      const bytes = base64ToBytes(m.bodyBase64);
      return { body: hexDump(bytes, shown), total: bytes.length };
    }
    const full = view === 'text' ? (m.bodyText ?? '(not valid UTF-8: use the hex view)') : view === 'json' ? (json ?? '(not JSON)') : m.bodyBase64;
    return { body: full.length > shown ? full.slice(0, shown) : full, total: full.length };
  }, [view, m, json, shown]);
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
      <Table fz="xs" verticalSpacing={2} withTableBorder striped data-testid="message-properties">
        <Table.Tbody>
          {Object.entries(m.properties).map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Td ff="monospace" w={220}>
                {k}
              </Table.Td>
              <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>
                {v}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group justify="space-between">
        <Text size="xs" fw={700}>
          Body
        </Text>
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
