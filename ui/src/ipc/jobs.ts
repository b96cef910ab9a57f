// Long work runs as a job: the command gets a Channel<JobEvent>, returns a JobId at once, and the
// channel streams Started / Progress / Batch / Finished. `useJob` keeps that state for a component.
import { Channel } from '@tauri-apps/api/core';
import { useCallback, useRef, useState } from 'react';
import { commands, type JobEvent, type JobId, type JobOutcome } from '../bindings';
import { showError } from './errors';

export interface JobState<T> {
  jobId: JobId | null;
  running: boolean;
  done: number;
  total: number | null;
  note: string | null;
  items: T[];
  outcome: JobOutcome | null;
}

const idle = <T,>(): JobState<T> => ({
  jobId: null,
  running: false,
  done: 0,
  total: null,
  note: null,
  items: [],
  outcome: null,
});

/** Applies one job event to a job state (pure, tested). */
export function reduceJob<T>(state: JobState<T>, event: JobEvent): JobState<T> {
  switch (event.kind) {
    case 'started':
      return { ...idle<T>(), jobId: event.jobId, running: true };
    case 'progress':
      return { ...state, done: event.done, total: event.total, note: event.note };
    case 'batch':
      return { ...state, items: [...state.items, ...(event.items as T[])] };
    case 'finished':
      return { ...state, running: false, outcome: event.outcome };
  }
}

/**
 * Tracks one job at a time: `start(fn)` opens a channel, calls `fn(channel)` (the command that starts
 * the job) and rethrows its error (a refusal), so a caller such as the preview dialog can show it;
 * `cancel()` stops the running job.
 */
export function useJobRunner<T>() {
  const [state, setState] = useState<JobState<T>>(idle<T>);
  const jobRef = useRef<JobId | null>(null);
  const start = useCallback(async (fn: (channel: Channel<JobEvent>) => Promise<JobId>) => {
    const channel = new Channel<JobEvent>();
    channel.onmessage = (event) => setState((s) => reduceJob(s, event));
    setState({ ...idle<T>(), running: true });
    try {
      jobRef.current = await fn(channel);
      return jobRef.current;
    } catch (e) {
      setState(idle<T>());
      throw e;
    }
  }, []);
  const cancel = useCallback(async () => {
    if (jobRef.current) await commands.jobCancel(jobRef.current);
  }, []);
  const reset = useCallback(() => setState(idle<T>()), []);
  return { state, start, cancel, reset };
}

/** Starts jobs through `start(channel)` and tracks their progress; `cancel()` stops the running one. */
export function useJob<T>(start: (channel: Channel<JobEvent>) => Promise<JobId>) {
  const runner = useJobRunner<T>();
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
