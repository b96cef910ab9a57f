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

/** Starts jobs through `start(channel)` and tracks their progress; `cancel()` stops the running one. */
export function useJob<T>(start: (channel: Channel<JobEvent>) => Promise<JobId>) {
  const [state, setState] = useState<JobState<T>>(idle<T>);
  const jobRef = useRef<JobId | null>(null);
  const run = useCallback(async () => {
    const channel = new Channel<JobEvent>();
    channel.onmessage = (event) => setState((s) => reduceJob(s, event));
    try {
      setState({ ...idle<T>(), running: true });
      jobRef.current = await start(channel);
    } catch (e) {
      setState(idle<T>());
      showError(e);
    }
  }, [start]);
  const cancel = useCallback(async () => {
    if (jobRef.current) await commands.jobCancel(jobRef.current);
  }, []);
  return { state, run, cancel };
}
