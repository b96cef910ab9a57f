// The live tail of a topic: new messages as they arrive (optionally tag-filtered), newest first,
// the arrival rate, a bounded buffer (the oldest rows fall off), pause/resume (arrivals are counted
// but not shown while paused) and Stop. The core sends a batch four times a second, so a topic at
// any rate costs the window at most four updates a second.
import { Badge, Button, Group, Stack, Text, TextInput, Autocomplete } from '@mantine/core';
import { IconPlayerPause, IconPlayerPlay, IconPlayerStop } from '@tabler/icons-react';
import { Channel } from '@tauri-apps/api/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { commands, type ConnectionProfile, type JobEvent, type JobId, type MessageRow, type TailBatch } from '../../../bindings';
import { type Column, VirtualTable } from '../../../components/VirtualTable';
import { showError } from '../../../ipc/errors';
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
  const [job, setJob] = useState<JobId | null>(null);
  const [paused, setPaused] = useState(false);
  const [opened, setOpened] = useState<string | null>(null);
  const pausedRef = useRef(false);
  const jobRef = useRef<JobId | null>(null);
  const stop = useCallback(() => {
    if (jobRef.current) void commands.jobCancel(jobRef.current);
    jobRef.current = null;
    setJob(null);
  }, []);
  // Leaving the screen stops the tail.
  useEffect(() => stop, [stop]);
  const start = async () => {
    setState(empty);
    setPaused(false);
    pausedRef.current = false;
    const channel = new Channel<JobEvent>();
    channel.onmessage = (e) => {
      if (e.kind === 'batch') {
        for (const item of e.items as TailBatch[]) setState((s) => applyTail(s, item, pausedRef.current));
      } else if (e.kind === 'finished') {
        if (e.outcome.status === 'failed') showError(new Error(e.outcome.message));
        jobRef.current = null;
        setJob(null);
      }
    };
    try {
      const id = await commands.messageTail(connection.id, { topic: topic.trim(), tags: tags.trim() || null }, channel);
      jobRef.current = id;
      setJob(id);
    } catch (err) {
      showError(err);
    }
  };
  const togglePause = () => {
    pausedRef.current = !pausedRef.current;
    setPaused(pausedRef.current);
    if (!pausedRef.current) setState((s) => ({ ...s, hidden: 0 }));
  };
  const columns: Column<MessageRow>[] = [
    ...MESSAGE_COLUMNS,
  ];
  const running = job !== null;
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="xs">
        <Autocomplete label="Topic" w={240} data={topics} value={topic} onChange={setTopic} limit={50} disabled={running} data-testid="tail-topic" />
        <TextInput label="Tags (A||B, blank: all)" w={180} value={tags} onChange={(e) => setTags(e.currentTarget.value)} disabled={running} data-testid="tail-tags" />
        {running ? (
          <>
            <Button variant="light" leftSection={paused ? <IconPlayerPlay size={14} /> : <IconPlayerPause size={14} />} onClick={togglePause} data-testid="tail-pause">
              {paused ? 'Resume' : 'Pause'}
            </Button>
            <Button color="red" variant="light" leftSection={<IconPlayerStop size={14} />} onClick={stop} data-testid="tail-stop">
              Stop
            </Button>
          </>
        ) : (
          <Button leftSection={<IconPlayerPlay size={14} />} disabled={!topic.trim()} onClick={() => void start()} data-testid="tail-start">
            Start tail
          </Button>
        )}
      </Group>
      {running || state.received ? (
        <Group gap="xs" data-testid="tail-status">
          {running ? <Badge color={paused ? 'orange' : 'green'} variant="dot">{paused ? 'paused' : 'live'}</Badge> : <Badge color="gray">stopped</Badge>}
          <Text size="sm" data-testid="tail-rate">
            {Math.round(state.rate).toLocaleString('en-US')} msg/s · {state.received.toLocaleString('en-US')} received · {state.queues} queue(s)
          </Text>
          {state.hidden ? <Text size="xs" c="orange">{state.hidden.toLocaleString('en-US')} arrived while paused</Text> : null}
          {state.dropped ? <Text size="xs" c="dimmed">{state.dropped.toLocaleString('en-US')} not shown (faster than the screen takes)</Text> : null}
          {state.failing ? <Text size="xs" c="red">{state.failing} queue(s) failing, retried</Text> : null}
          <Text size="xs" c="dimmed">newest first · the last {TAIL_BUFFER.toLocaleString('en-US')} kept</Text>
        </Group>
      ) : null}
      {running || state.rows.length ? (
        <VirtualTable rows={state.rows} columns={columns} rowKey={(m) => m.offsetMsgId} onRowClick={(m) => setOpened(m.offsetMsgId)} height="calc(100vh - 300px)" testId="tail-results" empty="Waiting for new messages…" />
      ) : null}
      <MessageViewModal connectionId={connection.id} offsetMsgId={opened} onClose={() => setOpened(null)} />
    </Stack>
  );
}
