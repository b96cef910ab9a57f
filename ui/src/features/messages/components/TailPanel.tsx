// The live tail of a topic: new messages as they arrive (optionally tag-filtered), newest first,
// the arrival rate, a bounded buffer (the oldest rows fall off), pause/resume (arrivals are counted
// but not shown while paused) and Stop. The core sends a batch four times a second, so a topic at
// any rate costs the window at most four updates a second.
import { Autocomplete, Badge, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconPlayerPause, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { commands, type ConnectionProfile, type MessageRow, type Nothing, type TailBatch } from '../../../bindings';
import { JobBar } from '../../../components/JobBar';
import { VirtualTable } from '../../../components/VirtualTable';
import { showError } from '../../../ipc/errors';
import { useJobRunner } from '../../../ipc/jobs';
import { MessageViewModal } from './MessageViewModal';
import { MESSAGE_COLUMNS } from './messageColumns';

/** Rows kept on screen; older ones fall off. */
export const TAIL_BUFFER = 5_000;

interface TailState {
  rows: MessageRow[];
  received: number;
  dropped: number;
  hidden: number;
  rate: number;
  queues: number;
  failing: number;
}

const empty: TailState = { rows: [], received: 0, dropped: 0, hidden: 0, rate: 0, queues: 0, failing: 0 };

/** Applies one tail batch (pure, tested): newest first, bounded; paused batches only count. */
export function applyTail(s: TailState, b: TailBatch, paused: boolean): TailState {
  const base = { ...s, received: b.received, dropped: s.dropped + b.dropped, rate: b.ratePerSec ?? 0, queues: b.queues, failing: b.failingQueues };
  if (paused) return { ...base, hidden: s.hidden + b.rows.length };
  const fresh = [...b.rows].reverse();
  return { ...base, rows: [...fresh, ...s.rows].slice(0, TAIL_BUFFER) };
}

export function TailPanel({ connection, topics }: { connection: ConnectionProfile; topics: string[] }) {
  const [topic, setTopic] = useState('');
  const [tags, setTags] = useState('');
  const [state, setState] = useState<TailState>(empty);
  const [paused, setPaused] = useState(false);
  const [opened, setOpened] = useState<string | null>(null);
  const pausedRef = useRef(false);
  const job = useJobRunner<TailBatch, Nothing>((items) => {
    for (const item of items) setState((s) => applyTail(s, item, pausedRef.current));
  });
  const { cancel } = job;
  // Leaving the screen stops the tail.
  useEffect(() => () => void cancel(), [cancel]);
  const start = () => {
    setState(empty);
    setPaused(false);
    pausedRef.current = false;
    job.start((channel) => commands.messageTail(connection.id, { topic: topic.trim(), tags: tags.trim() || null }, channel)).catch(showError);
  };
  const togglePause = () => {
    pausedRef.current = !pausedRef.current;
    setPaused(pausedRef.current);
    if (!pausedRef.current) setState((s) => ({ ...s, hidden: 0 }));
  };
  const running = job.state.running;
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="xs">
        <Autocomplete label="Topic" w={240} data={topics} value={topic} onChange={setTopic} limit={50} disabled={running} data-testid="tail-topic" />
        <TextInput label="Tags (A||B, blank: all)" w={180} value={tags} onChange={(e) => setTags(e.currentTarget.value)} disabled={running} data-testid="tail-tags" />
        {running ? (
          <Button variant="light" leftSection={paused ? <IconPlayerPlay size={14} /> : <IconPlayerPause size={14} />} onClick={togglePause} data-testid="tail-pause">
            {paused ? 'Resume' : 'Pause'}
          </Button>
        ) : (
          <Button leftSection={<IconPlayerPlay size={14} />} disabled={!topic.trim()} onClick={start} data-testid="tail-start">
            Start tail
          </Button>
        )}
      </Group>
      <JobBar
        state={job.state}
        unit="messages"
        onCancel={() => void cancel()}
        testId="tail"
        cancelLabel="Stop"
        text={
          <span data-testid="tail-rate">
            {Math.round(state.rate).toLocaleString('en-US')} msg/s · {state.received.toLocaleString('en-US')} received · {state.queues} queue(s)
          </span>
        }
      >
        {running ? <Badge color={paused ? 'orange' : 'green'} variant="dot">{paused ? 'paused' : 'live'}</Badge> : null}
        {state.hidden ? <Text size="xs" c="orange">{state.hidden.toLocaleString('en-US')} arrived while paused</Text> : null}
        {state.dropped ? <Text size="xs" c="dimmed">{state.dropped.toLocaleString('en-US')} not shown (faster than the screen takes)</Text> : null}
        {state.failing ? <Text size="xs" c="red">{state.failing} queue(s) failing, retried</Text> : null}
        <Text size="xs" c="dimmed">newest first · the last {TAIL_BUFFER.toLocaleString('en-US')} kept</Text>
      </JobBar>
      {running || state.rows.length ? (
        <VirtualTable rows={state.rows} columns={MESSAGE_COLUMNS} rowKey={(m) => m.offsetMsgId} onRowClick={(m) => setOpened(m.offsetMsgId)} height="calc(100vh - 300px)" testId="tail-results" empty="Waiting for new messages…" />
      ) : null}
      <MessageViewModal connectionId={connection.id} offsetMsgId={opened} onClose={() => setOpened(null)} />
    </Stack>
  );
}
