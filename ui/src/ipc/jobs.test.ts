import { describe, expect, it } from 'vitest';
import { isIpcError, toIpcError } from './errors';
import { reduceJob, type JobState } from './jobs';

const idle: JobState<number> = { jobId: null, running: false, done: 0, total: null, note: null, items: [], outcome: null };

describe('jobs', () => {
  it('folds a job stream into progress, items and an outcome', () => {
    let s = reduceJob(idle, { kind: 'started', jobId: 'j', title: 't' });
    expect(s.running).toBe(true);
    s = reduceJob(s, { kind: 'progress', done: 1, total: 3, note: 'x' });
    s = reduceJob(s, { kind: 'batch', items: [1, 2] });
    s = reduceJob(s, { kind: 'batch', items: [3] });
    s = reduceJob(s, { kind: 'finished', outcome: { status: 'cancelled', done: 1 } });
    expect(s).toMatchObject({ jobId: 'j', running: false, done: 1, total: 3, items: [1, 2, 3] });
    expect(s.outcome?.status).toBe('cancelled');
  });
});

describe('errors', () => {
  it('recognises IpcError and wraps anything else as Internal', () => {
    expect(isIpcError({ code: 'Timeout', message: 'm', detail: null, retryable: true })).toBe(true);
    expect(isIpcError({ code: 'Nope', message: 'm' })).toBe(false);
    expect(toIpcError(new Error('boom'))).toEqual({ code: 'Internal', message: 'boom', detail: null, retryable: false });
  });
});
