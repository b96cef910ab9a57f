// Send one message to a topic: tag, keys, user properties, a delay level (4.x) or a delivery time
// (5.x timer), a body typed or loaded from a file (binary allowed). Goes through the preview; the
// result shows the message id, offset id, broker, queue and offset, and opens the stored message.
import { Alert, Button, FileButton, Group, Modal, NumberInput, SegmentedControl, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type ConnectionProfile, type SendOutcome, type SendRequest } from '../../../bindings';
import { bytesToBase64, parseProperties } from '../../../lib/bytes';
import { formatOffset } from '../../../lib/format';
import { MessageViewModal } from '../../messages/components/MessageViewModal';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
import { topicKeys } from '../api';

type Timing = 'now' | 'level' | 'at';

export function SendMessageModal({ connection, topic, onClose }: { connection: ConnectionProfile; topic: string | null; onClose: () => void }) {
  return (
    <Modal opened={topic !== null} onClose={onClose} size="lg" title={<Text fw={700}>Send a message to {topic}</Text>}>
      {topic ? <SendForm key={topic} connection={connection} topic={topic} /> : null}
    </Modal>
  );
}

function SendForm({ connection, topic }: { connection: ConnectionProfile; topic: string }) {
  const qc = useQueryClient();
  const [tag, setTag] = useState('');
  const [keys, setKeys] = useState('');
  const [propsText, setPropsText] = useState('');
  const [text, setText] = useState('');
  const [file, setFile] = useState<{ name: string; base64: string; size: number } | null>(null);
  const [timing, setTiming] = useState<Timing>('now');
  const [level, setLevel] = useState(3);
  const [at, setAt] = useState('');
  const [previewKey, setPreviewKey] = useState<readonly unknown[] | null>(null);
  const [result, setResult] = useState<SendOutcome | null>(null);
  const [viewing, setViewing] = useState<string | null>(null);
  const props = parseProperties(propsText);
  const deliverAt = timing === 'at' && at ? new Date(at).getTime() : null;
  const request: SendRequest = {
    topic,
    tag: tag.trim() || null,
    keys: keys.split(/[\s,]+/).filter(Boolean),
    properties: props.props,
    body: file ? { kind: 'base64', data: file.base64 } : { kind: 'text', text },
    delayLevel: timing === 'level' ? level : null,
    deliverAt: deliverAt !== null && !Number.isNaN(deliverAt) ? deliverAt : null,
    brokerName: null,
    queueId: null,
  };
  const load = async (f: File | null) => {
    if (!f) return;
    const bytes = new Uint8Array(await f.arrayBuffer());
    setFile({ name: f.name, base64: bytesToBase64(bytes), size: bytes.length });
  };
  return (
    <Stack gap="sm" data-testid="send-form">
      <SimpleGrid cols={2}>
        <TextInput label="Tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)} data-testid="send-tag" />
        <TextInput label="Keys (space or comma separated)" value={keys} onChange={(e) => setKeys(e.currentTarget.value)} data-testid="send-keys" />
      </SimpleGrid>
      <Textarea
        label="User properties (key=value per line)"
        autosize
        minRows={2}
        value={propsText}
        onChange={(e) => setPropsText(e.currentTarget.value)}
        error={props.error}
        data-testid="send-props"
      />
      <Group align="flex-end" gap="sm">
        <SegmentedControl
          size="xs"
          value={timing}
          onChange={(v) => setTiming(v as Timing)}
          data={[
            { value: 'now', label: 'Deliver now' },
            { value: 'level', label: 'Delay level' },
            { value: 'at', label: 'Deliver at (5.x)' },
          ]}
        />
        {timing === 'level' ? <NumberInput size="xs" w={120} min={1} max={18} value={level} onChange={(v) => setLevel(Number(v) || 1)} /> : null}
        {timing === 'at' ? <TextInput size="xs" type="datetime-local" value={at} onChange={(e) => setAt(e.currentTarget.value)} /> : null}
      </Group>
      {file ? (
        <Alert color="blue" variant="light" withCloseButton onClose={() => setFile(null)} data-testid="send-file">
          Body from file {file.name}: {file.size.toLocaleString('en-US')} bytes, sent as is.
        </Alert>
      ) : (
        <Textarea label="Body" autosize minRows={4} maxRows={12} value={text} onChange={(e) => setText(e.currentTarget.value)} ff="monospace" data-testid="send-body" />
      )}
      <Group justify="space-between">
        <FileButton onChange={(f) => void load(f)}>{(p) => <Button variant="default" size="xs" {...p}>Load body from file…</Button>}</FileButton>
        <WriteButton disabled={props.error !== null || (!file && !text)} onClick={() => setPreviewKey(previewKeys.plan('send', connection.id, request))} data-testid="send-preview">
          Preview
        </WriteButton>
      </Group>
      {result ? (
        <Alert color="green" title={`Sent: ${result.result.status}`} data-testid="send-result">
          <SimpleGrid cols={2} spacing={4}>
            <Text size="xs">Message id</Text>
            <Text size="xs" ff="monospace" data-testid="send-result-msgid">
              {result.result.msgId}
            </Text>
            <Text size="xs">Offset id</Text>
            <Text size="xs" ff="monospace">
              {result.result.offsetMsgId}
            </Text>
            <Text size="xs">Broker / queue / offset</Text>
            <Text size="xs" ff="monospace">
              {result.result.brokerName} / {result.result.queueId} / {formatOffset(result.result.queueOffset)}
            </Text>
          </SimpleGrid>
          <Button mt="xs" size="xs" variant="light" onClick={() => setViewing(result.result.offsetMsgId)} data-testid="send-open-message">
            Open message
          </Button>
        </Alert>
      ) : null}
      <PreviewDialog<SendOutcome>
        planKey={previewKey}
        loadPlan={() => commands.messagePlanSend(connection.id, request)}
        apply={(c) => commands.messageSend(connection.id, request, c)}
        applyLabel="Send"
        onClose={() => setPreviewKey(null)}
        onApplied={(r) => {
          setResult(r);
          setPreviewKey(null);
          void qc.invalidateQueries({ queryKey: topicKeys.all(connection.id) });
        }}
      />
      <MessageViewModal connectionId={connection.id} offsetMsgId={viewing} onClose={() => setViewing(null)} />
    </Stack>
  );
}
