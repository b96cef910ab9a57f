// A message's trace as a timeline: each send (producer group, client, broker, cost, status), the
// store (broker, queue, offset, latency from birth), the transaction end and recall when present,
// then per consumer group every attempt (client, start, wait before it, cost, result, retry number)
// and the group's total from send to success. What the trace lacks is said in words.
import { Alert, Badge, Card, Group, Stack, Text, Timeline } from '@mantine/core';
import { IconArrowBackUp, IconDatabase, IconReceipt, IconSend, IconUser } from '@tabler/icons-react';
import type { Attempt, GroupTrace, MessageTrace, TraceLookup } from '../../../bindings';
import { formatOffset, formatTime } from '../../../lib/format';

/** A latency: "850 ms", "1.2 s", "3 min 4 s"; negative (clock skew between hosts) shown as is. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  const a = Math.abs(ms);
  const sign = ms < 0 ? '−' : '';
  if (a < 1000) return `${sign}${a} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(a < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(a / 60_000);
  return `${sign}${m} min ${Math.round((a % 60_000) / 1000)} s`;
}

const OUTCOME: Record<Attempt['outcome'], [string, string]> = {
  success: ['success', 'green'],
  failed: ['failed', 'red'],
  noResult: ['no result', 'gray'],
};

function Hop({ label, value }: { label: string; value: string }) {
  return (
    <Text size="xs" span>
      <Text span c="dimmed" size="xs">
        {label}{' '}
      </Text>
      <Text span ff="monospace" size="xs">
        {value}
      </Text>
    </Text>
  );
}

function AttemptLine({ a, index }: { a: Attempt; index: number }) {
  const [label, color] = OUTCOME[a.outcome];
  return (
    <Group gap="xs" wrap="wrap" data-testid="trace-attempt">
      <Text size="xs" fw={600} w={72}>
        #{index + 1} {a.retryTimes > 0 ? `retry ${a.retryTimes}` : 'first'}
      </Text>
      <Badge size="xs" variant="light" color={color}>
        {a.result && a.result !== label ? `${label}: ${a.result}` : label}
      </Badge>
      <Hop label="start" value={formatTime(a.start)} />
      <Hop label={index === 0 ? 'after store' : 'after previous'} value={formatLatency(a.waitedMs)} />
      <Hop label="cost" value={formatLatency(a.costMs)} />
      {a.client ? <Hop label="client" value={a.client} /> : null}
    </Group>
  );
}

function GroupItem({ g }: { g: GroupTrace }) {
  return (
    <Stack gap={4} data-testid="trace-group">
      <Group gap="xs">
        <Text size="xs" fw={700} ff="monospace">
          {g.group}
        </Text>
        <Badge size="xs" variant="light" color={g.consumed ? 'green' : 'orange'}>
          {g.consumed ? 'consumed' : 'not consumed'}
        </Badge>
        <Text size="xs" c="dimmed">
          {g.attempts.length} attempt{g.attempts.length === 1 ? '' : 's'}
          {g.totalMs !== null ? ` · ${formatLatency(g.totalMs)} from send to success` : ''}
        </Text>
      </Group>
      {g.attempts.map((a, i) => (
        <AttemptLine key={`${a.requestId}-${i}`} a={a} index={i} />
      ))}
    </Stack>
  );
}

export function MessageTimeline({ t }: { t: MessageTrace }) {
  return (
    <Card withBorder padding="sm" data-testid="trace-message">
      <Group justify="space-between" mb="xs">
        <Stack gap={0}>
          <Text size="sm" fw={700} ff="monospace">
            {t.msgId}
          </Text>
          <Text size="xs" c="dimmed">
            {t.topic ?? 'topic unknown'}
            {t.keys ? ` · keys ${t.keys}` : ''}
          </Text>
        </Stack>
        {t.totalMs !== null ? (
          <Badge variant="light" size="lg" data-testid="trace-total">
            total {formatLatency(t.totalMs)}
          </Badge>
        ) : null}
      </Group>
      <Timeline bulletSize={20} lineWidth={2} active={-1}>
        {t.sends.map((s, i) => (
          <Timeline.Item key={`send-${i}`} bullet={<IconSend size={12} />} title={<Text size="xs" fw={700}>Sent by {s.record.group}</Text>} data-testid="trace-send">
            <Group gap="xs" wrap="wrap">
              <Badge size="xs" variant="light" color={s.record.success === false ? 'red' : 'green'}>
                {s.record.success === null ? 'sent' : s.record.success ? 'send ok' : 'send failed'}
              </Badge>
              <Hop label="at" value={formatTime(s.record.timestamp)} />
              <Hop label="cost" value={formatLatency(s.record.costMs)} />
              <Hop label="client" value={s.client} />
              <Hop label="to" value={s.record.storeHost ?? '—'} />
              <Hop label="type" value={s.record.msgType} />
              {s.record.tags ? <Hop label="tag" value={s.record.tags} /> : null}
            </Group>
          </Timeline.Item>
        ))}
        {t.store ? (
          <Timeline.Item bullet={<IconDatabase size={12} />} title={<Text size="xs" fw={700}>Stored on {t.store.storeHost}</Text>} data-testid="trace-store">
            <Group gap="xs" wrap="wrap">
              <Hop label="at" value={formatTime(t.store.storeTimestamp)} />
              <Hop label="after birth" value={formatLatency(t.store.latencyMs)} />
              <Hop label="queue / offset" value={`${t.store.queueId} / ${formatOffset(t.store.queueOffset)}`} />
              <Hop label="offset id" value={t.store.offsetMsgId} />
            </Group>
          </Timeline.Item>
        ) : null}
        {t.transactions.map((e, i) => (
          <Timeline.Item key={`tx-${i}`} bullet={<IconReceipt size={12} />} title={<Text size="xs" fw={700}>Transaction ended by {e.group}</Text>} data-testid="trace-transaction">
            <Group gap="xs" wrap="wrap">
              <Badge size="xs" variant="light" color={e.transactionState === 'COMMIT_MESSAGE' ? 'green' : e.transactionState === 'ROLLBACK_MESSAGE' ? 'red' : 'gray'}>
                {e.transactionState}
              </Badge>
              <Hop label="at" value={formatTime(e.timestamp)} />
              <Hop label="asked by the broker's check" value={e.fromTransactionCheck ? 'yes' : 'no'} />
              {e.transactionId ? <Hop label="transaction id" value={e.transactionId} /> : null}
            </Group>
          </Timeline.Item>
        ))}
        {t.recalls.map((r, i) => (
          <Timeline.Item key={`recall-${i}`} bullet={<IconArrowBackUp size={12} />} title={<Text size="xs" fw={700}>Recalled by {r.group}</Text>}>
            <Group gap="xs">
              <Badge size="xs" variant="light" color={r.success ? 'green' : 'red'}>
                {r.success ? 'recalled' : 'recall failed'}
              </Badge>
              <Hop label="at" value={formatTime(r.timestamp)} />
            </Group>
          </Timeline.Item>
        ))}
        {t.groups.map((g) => (
          <Timeline.Item key={g.group} bullet={<IconUser size={12} />} title={<Text size="xs" fw={700}>Consumer group</Text>}>
            <GroupItem g={g} />
          </Timeline.Item>
        ))}
      </Timeline>
      {t.notes.length > 0 ? (
        <Alert color="yellow" variant="light" p="xs" mt="xs" data-testid="trace-message-notes">
          {t.notes.map((n) => (
            <Text key={n} size="xs">
              {n}
            </Text>
          ))}
        </Alert>
      ) : null}
    </Card>
  );
}

/** Every message a lookup found, what it could not read, and how far it looked. */
export function TraceResult({ r }: { r: TraceLookup }) {
  return (
    <Stack gap="sm" data-testid="trace-result">
      {r.notes.length > 0 ? (
        <Alert color={r.traces.length === 0 ? 'blue' : 'yellow'} variant="light" title={r.traces.length === 0 ? 'No trace found' : undefined} data-testid="trace-notes">
          {r.notes.map((n) => (
            <Text key={n} size="xs">
              {n}
            </Text>
          ))}
        </Alert>
      ) : null}
      {r.failedBrokers.length > 0 ? (
        <Alert color="orange" variant="light" title="Some brokers did not answer: records on them are missing">
          {r.failedBrokers.map((f) => (
            <Text key={f.brokerName} size="xs">
              {f.brokerName} ({f.addr}): {f.error}
            </Text>
          ))}
        </Alert>
      ) : null}
      {r.traces.map((t) => (
        <MessageTimeline key={t.msgId} t={t} />
      ))}
      {r.malformed.length > 0 ? (
        <Alert color="orange" variant="light" title={`${r.malformed.length} record(s) could not be read`} data-testid="trace-malformed">
          {r.malformed.slice(0, 20).map((m, i) => (
            <Text key={i} size="xs" ff="monospace">
              {m}
            </Text>
          ))}
        </Alert>
      ) : null}
      <Text size="xs" c="dimmed" data-testid="trace-stats">
        {r.traceMessages} trace message{r.traceMessages === 1 ? '' : 's'} read from {r.traceTopic}, {r.records} record{r.records === 1 ? '' : 's'} for this lookup, in {(r.elapsedMs ?? 0).toFixed(0)} ms.
      </Text>
    </Stack>
  );
}
