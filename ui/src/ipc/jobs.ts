// Long work runs as a job: the command gets a Channel<JobEvent>, returns a JobId at once, and the
// channel streams Started / Progress / Batch / Finished. `useJob` keeps that state for a component.
import { Channel } from '@tauri-apps/api/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { commands, type JobEvent, type JobId, type JobOutcome } from '../bindings';
import { showError } from './errors';

/** A job's state: `I` is the kind of item its batches carry, `S` its summary when it completes. */
export interface JobState<I, S = unknown> {
  jobId: JobId | null;
  running: boolean;
  done: number;
  total: number | null;
  note: string | null;
  items: I[];
  outcome: JobOutcome<S> | null;
}

const idle = <I, S>(): JobState<I, S> => ({
  jobId: null,
  running: false,
  done: 0,
  total: null,
  note: null,
  items: [],
  outcome: null,
});

/** Whether a job was started: it runs, or has ended (its strip stays to say how). */
export function jobStarted<I, S>(state: JobState<I, S>): boolean {
  return state.running || state.jobId !== null || state.outcome !== null;
}

/** Applies one job event to a job state (pure, tested). */
export function reduceJob<I, S>(state: JobState<I, S>, event: JobEvent<I, S>): JobState<I, S> {
  switch (event.kind) {
    case 'started':
      return { ...idle<I, S>(), jobId: event.jobId, running: true };
    case 'progress':
      return { ...state, done: event.done, total: event.total, note: event.note };
    case 'batch':
      return { ...state, items: [...state.items, ...event.items] };
    case 'finished':
      return { ...state, running: false, outcome: event.outcome };
  }
}

/**
 * Tracks one job at a time: `start(fn)` opens a channel, calls `fn(channel)` (the command that starts
 * the job) and rethrows its error (a refusal), so a caller such as the preview dialog can show it;
 * `cancel()` stops the running job. With `onBatch`, batches go there instead of into `state.items`
 * (a live tail keeps its own bounded buffer).
 */
export function useJobRunner<I, S>(onBatch?: (items: I[]) => void) {
  const [state, setState] = useState<JobState<I, S>>(idle<I, S>);
  const jobRef = useRef<JobId | null>(null);
  const onBatchRef = useRef(onBatch);
  useEffect(() => {
    onBatchRef.current = onBatch;
  });
  const start = useCallback(async (fn: (channel: Channel<JobEvent<I, S>>) => Promise<JobId>) => {
    const channel = new Channel<JobEvent<I, S>>();
    channel.onmessage = (event) => {
      if (event.kind === 'batch' && onBatchRef.current) onBatchRef.current(event.items);
      else setState((s) => reduceJob(s, event));
      if (event.kind === 'finished') jobRef.current = null;
    };
    setState({ ...idle<I, S>(), running: true });
    try {
      jobRef.current = await fn(channel);
      return jobRef.current;
    } catch (e) {
      setState(idle<I, S>());
      throw e;
    }
  }, []);
  // Asked once: the job finishes on its own from there (and an unmount after Stop asks nothing).
  const cancel = useCallback(async () => {
    const id = jobRef.current;
    jobRef.current = null;
    if (id) await commands.jobCancel(id);
  }, []);
  const reset = useCallback(() => setState(idle<I, S>()), []);
  return { state, start, cancel, reset };
}

/** Starts jobs through `start(channel)` and tracks their progress; `cancel()` stops the running one. */
export function useJob<I, S>(start: (channel: Channel<JobEvent<I, S>>) => Promise<JobId>) {
  const runner = useJobRunner<I, S>();
  const { start: begin } = runner;
  const run = useCallback(async () => {
    try {
      await begin(start);
    } catch (e) {
      showError(e);
    }
  }, [begin, start]);
  return { state: runner.state, run, cancel: runner.cancel };
}
