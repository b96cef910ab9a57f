import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { Channel } from '@tauri-apps/api/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent, ReplayItem, ReplayPlan, ReplayRequest, ReplaySummary } from '../../bindings';
import { plan } from '../../test/plans';
import { renderWithApp } from '../../test/render';
import { ReplayModal, reportCsv } from './components/ReplayModal';

afterEach(() => clearMocks());

const dry = (over: Partial<ReplayPlan> = {}): ReplayPlan => ({
  plan: plan({ action: 'dlq.replay', title: 'Replay 2 dead letter(s) of billing', target: '%DLQ%billing' }),
  dlqTopic: '%DLQ%billing',
  total: 3,
  targets: [{ topic: 'Orders', messages: 2 }],
  unresolved: [{ dlqOffsetId: 'OFF3', dlqMsgId: null, reason: 'the message has no RETRY_TOPIC property: its original topic is unknown (choose a topic)' }],
  rate: 100,
  estimatedMs: 20,
  ...over,
});

const item = (seq: number, over: Partial<ReplayItem> = {}): ReplayItem => ({
  seq,
  dlqOffsetId: `OFF${seq + 1}`,
  dlqMsgId: null,
  keys: `k${seq}`,
  targetTopic: 'Orders',
  newMsgId: `NEW${seq}`,
  state: 'sent',
  status: 'SEND_OK',
  newOffsetId: `NOFF${seq}`,
  updatedAt: 1_764_000_000_000,
  ...over,
});

describe('ReplayModal', () => {
  it('dry run, preview, then the job: progress, every outcome, the summary', async () => {
    const asked: ReplayRequest[] = [];
    let channel: Channel<JobEvent<ReplayItem, ReplaySummary>> | null = null;
    mockIPC((cmd, args) => {
      const a = args as { request: ReplayRequest; channel: Channel<JobEvent<ReplayItem, ReplaySummary>> };
      if (cmd === 'dlq_plan_replay') {
        asked.push(a.request);
        return dry();
      }
      if (cmd === 'dlq_replay') {
        channel = a.channel;
        return 'job-d';
      }
      throw new Error(cmd);
    });
    renderWithApp(<ReplayModal connectionId="c1" group="billing" selection={{ kind: 'matching', begin: null, end: null, filter: { tags: null, key: null, property: null, bodyContains: null, bodyRegex: null, storeHost: null } }} topics={['Orders']} onClose={() => {}} />);
    await userEvent.type(screen.getByTestId('replay-rate'), '100');
    await userEvent.click(screen.getByTestId('replay-dry-run'));
    expect(await screen.findByTestId('replay-plan-total')).toHaveTextContent('3 dead letter(s): 2 to replay, 1 cannot be · about 0s at 100/s');
    expect(asked[0]).toMatchObject({ group: 'billing', target: { kind: 'original' }, rate: 100 });
    expect(screen.getByTestId('replay-unresolved')).toHaveTextContent('no RETRY_TOPIC');
    await userEvent.click(screen.getByTestId('replay-preview'));
    expect(await screen.findByText('Replay 2 dead letter(s) of billing')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Replay' }));
    await waitFor(() => expect(channel).not.toBeNull());
    const send = (e: JobEvent<ReplayItem, ReplaySummary>) => act(() => (channel as unknown as { onmessage: (e: JobEvent<ReplayItem, ReplaySummary>) => void }).onmessage(e));
    send({ kind: 'started', jobId: 'job-d', title: 'Replay' });
    send({ kind: 'batch', items: [item(0), item(1, { state: 'storedNotOk', status: 'FLUSH_DISK_TIMEOUT' })] });
    send({ kind: 'progress', done: 2, total: 3, note: '1 sent' });
    // The replay dialog comes back once the preview closes (after its transition).
    expect(await screen.findByTestId('replay-progress-text')).toHaveTextContent('2 of 3 messages · 1 sent');
    expect(await screen.findByRole('button', { name: 'Pause' })).toBeInTheDocument();
    send({
      kind: 'finished',
      outcome: {
        status: 'completed',
        summary: {
          replayId: 'r-1',
          state: 'done',
          counts: { total: 3, pending: 0, sending: 0, sent: 1, storedNotOk: 1, failed: 0, unresolvable: 1 },
          foundOnResume: 0,
          busyRetries: 0,
          elapsedMs: 40,
          perSecond: 50,
          note: null,
          auditId: 7,
        },
      },
    });
    expect(await screen.findByTestId('replay-summary')).toHaveTextContent('Done: 1 sent, 1 stored with another status, 1 not replayable · 50 msg/s · journal entry #7');
    expect(await screen.findByTestId('replay-results')).toHaveTextContent('FLUSH_DISK_TIMEOUT');
  });

  it('exports the report as CSV that a spreadsheet does not run', () => {
    const csv = reportCsv([item(0, { keys: '=cmd()' }), item(1, { keys: 'a,b', status: null })]);
    const lines = csv.split('\n');
    expect(lines[0]).toBe('seq,dlqOffsetId,dlqMsgId,keys,targetTopic,state,status,newMsgId,newOffsetId');
    expect(lines[1]).toBe(`1,OFF1,,"'=cmd()",Orders,sent,SEND_OK,NEW0,NOFF0`);
    expect(lines[2]).toBe('2,OFF2,,"a,b",Orders,sent,,NEW1,NOFF1');
  });
});
