import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel } from '@tauri-apps/api/core';
import type { IdLookup, IdQuery, JobEvent, KeyQuery, KeyQueryResult, MessageRow, MessageView, ScanItem, ScanRequest, ScanSummary } from '../../bindings';
import { profile } from '../../test/fixtures';
import { renderWithApp } from '../../test/render';
import { MessageDetail } from './components/MessageViewModal';
import { MessagesScreen } from './routes/MessagesScreen';

afterEach(() => clearMocks());

const row = (i: number): MessageRow => ({
  topic: 'Orders',
  msgId: `7F00000100002A9F0000000000000${String(i).padStart(3, '0')}`,
  offsetMsgId: `7F00000100002A9F00000000000${String(i).padStart(5, '0')}`,
  tags: 'created',
  keys: ['order-1'],
  brokerName: 'broker-a',
  queueId: i % 4,
  queueOffset: String(i),
  storeTimestamp: 1_764_000_000_000 + i,
  bornTimestamp: 1_764_000_000_000 + i,
  bornHost: '127.0.0.1:50000',
  storeHost: '127.0.0.1:10911',
  reconsumeTimes: 0,
  bodySize: 12,
  bodyPreview: i === 0 ? null : `body ${i}`,
});

const view: MessageView = {
  topic: 'Orders',
  msgId: 'AC11000100002A9F0000000000000001',
  offsetMsgId: '7F00000100002A9F0000000000000100',
  tags: 'created',
  keys: ['order-1'],
  properties: { KEYS: 'order-1', TAGS: 'created', UNIQ_KEY: 'AC11000100002A9F0000000000000001' },
  queueId: 1,
  queueOffset: '9007199254740993',
  commitLogOffset: '256',
  bornTimestamp: 1_764_000_000_000,
  storeTimestamp: 1_764_000_000_001,
  bornHost: '127.0.0.1:50000',
  storeHost: '127.0.0.1:10911',
  reconsumeTimes: 0,
  sysFlag: 0,
  bodyCrc: 1,
  bodySize: 13,
  bodyBase64: btoa('{"order":42}'),
  bodyText: '{"order":42}',
  bodyError: null,
};

describe('MessagesScreen', () => {
  it('finds by key with the search reported honestly: count, truncation, splits, failed brokers', async () => {
    const asked: KeyQuery[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'topic_list') return { fetchedAt: Date.now(), elapsedMs: 1, topics: [], failedBrokers: [] };
      if (cmd === 'message_by_key') {
        asked.push((args as { query: KeyQuery }).query);
        const r: KeyQueryResult = {
          rows: Array.from({ length: 150 }, (_, i) => row(i)),
          truncated: true,
          begin: 1_763_700_000_000,
          end: 1_764_000_000_000,
          requests: 9,
          splits: 4,
          collisions: 1,
          brokers: ['broker-a', 'broker-b'],
          failedBrokers: [{ brokerName: 'broker-b', addr: '127.0.0.1:10921', error: 'Unreachable: connection refused' }],
          notes: [],
          elapsedMs: 21,
        };
        return r;
      }
      if (cmd === 'message_by_offset_id') return view;
      throw new Error(cmd);
    });
    renderWithApp(<MessagesScreen connection={profile()} />);
    await userEvent.type(screen.getByTestId('key-topic'), 'Orders');
    await userEvent.type(screen.getByTestId('key-key'), 'order-1');
    await userEvent.clear(screen.getByTestId('key-limit'));
    await userEvent.type(screen.getByTestId('key-limit'), '250');
    await userEvent.click(screen.getByTestId('key-search'));
    expect(await screen.findByTestId('key-count')).toHaveTextContent('150 message(s)');
    expect(screen.getByTestId('key-truncated')).toHaveTextContent('truncated');
    expect(screen.getByTestId('key-summary')).toHaveTextContent('4 full page(s) continued');
    expect(screen.getByTestId('key-failed')).toHaveTextContent('broker-b');
    expect(asked[0]).toMatchObject({ topic: 'Orders', key: 'order-1', limit: 250, end: null });
    expect(screen.getAllByText(/^body \d+$/)).toHaveLength(149);
    expect(screen.getByTestId('key-results')).toHaveTextContent('(binary)');
    await userEvent.click(screen.getByText('body 1'));
    expect(await screen.findByTestId('message-detail')).toHaveTextContent('9,007,199,254,740,993');
  });

  it('finds by id and says whether it matched as a unique key or an offset id', async () => {
    const asked: IdQuery[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'topic_list') return { fetchedAt: Date.now(), elapsedMs: 1, topics: [], failedBrokers: [] };
      if (cmd === 'message_by_id') {
        asked.push((args as { query: IdQuery }).query);
        const r: IdLookup = { matchedAs: 'uniqueKey', messages: [view], notes: [], elapsedMs: 3 };
        return r;
      }
      throw new Error(cmd);
    });
    renderWithApp(<MessagesScreen connection={profile()} />);
    await userEvent.click(screen.getByText('By message id'));
    await userEvent.type(await screen.findByTestId('id-id'), 'AC11000100002A9F0000000000000001');
    await userEvent.type(screen.getByTestId('id-topic'), 'Orders');
    await userEvent.click(screen.getByTestId('id-search'));
    expect(await screen.findByTestId('id-matched')).toHaveTextContent('unique key');
    await waitFor(() => expect(screen.getByTestId('message-body')).toHaveTextContent('"order": 42'));
    expect(asked).toEqual([{ id: 'AC11000100002A9F0000000000000001', topic: 'Orders' }]);
  });
});

describe('MessageDetail', () => {
  it('shows a large body a part at a time', async () => {
    const big = 'x'.repeat(300_000);
    renderWithApp(<MessageDetail m={{ ...view, bodyText: big, bodyBase64: btoa(big), bodySize: big.length }} />);
    expect(screen.getByTestId('message-body').textContent).toHaveLength(64 * 1024);
    expect(screen.getByTestId('message-body-partial')).toHaveTextContent('of 300,000 characters');
    await userEvent.click(screen.getByTestId('message-body-more'));
    expect(screen.getByTestId('message-body').textContent).toHaveLength(256 * 1024);
    await userEvent.click(screen.getByTestId('message-body-more'));
    expect(screen.getByTestId('message-body').textContent).toHaveLength(300_000);
    expect(screen.queryByTestId('message-body-partial')).toBeNull();
  });

  it('says why a compressed body is shown as stored', () => {
    renderWithApp(
      <MessageDetail m={{ ...view, bodyText: null, bodyError: 'zlib body expands past 16 MiB: not decompressed (shown as stored)' }} />,
    );
    expect(screen.getByTestId('message-body-error')).toHaveTextContent('expands past 16 MiB');
  });
});

describe('ScanPanel', () => {
  it('streams matches with scanned X of Y, says truncated, continues from the cursor, cancels', async () => {
    const requests: ScanRequest[] = [];
    let channel: Channel<JobEvent<ScanItem, ScanSummary>> | null = null;
    const cancelled: string[] = [];
    const send = (e: JobEvent<ScanItem, ScanSummary>) => (channel as unknown as { onmessage: (e: JobEvent<ScanItem, ScanSummary>) => void }).onmessage(e);
    mockIPC((cmd, args) => {
      const a = args as { request: ScanRequest; channel: Channel<JobEvent<ScanItem, ScanSummary>>; jobId: string };
      if (cmd === 'topic_list') return { fetchedAt: Date.now(), elapsedMs: 1, topics: [], failedBrokers: [] };
      if (cmd === 'message_scan') {
        requests.push(a.request);
        channel = a.channel;
        return `job-${requests.length}`;
      }
      if (cmd === 'job_cancel') {
        cancelled.push(a.jobId);
        return true;
      }
      throw new Error(cmd);
    });
    renderWithApp(<MessagesScreen connection={profile()} />);
    await userEvent.click(screen.getByText('By time range'));
    await userEvent.type(await screen.findByTestId('scan-topic'), 'Orders');
    await userEvent.type(screen.getByTestId('scan-regex'), '^order-\\d+$');
    await userEvent.click(screen.getByTestId('scan-start'));
    await waitFor(() => expect(channel).not.toBeNull());
    expect(requests[0]).toMatchObject({ topic: 'Orders', limit: 1000, cursor: null, filter: { bodyRegex: '^order-\\d+$', tags: null } });
    send({ kind: 'started', jobId: 'job-1', title: 'Scan Orders' });
    send({ kind: 'progress', done: 0, total: 5000, note: '8 queue(s)' });
    send({ kind: 'batch', items: [{ kind: 'matches', rows: [row(1), row(2)] }] });
    send({ kind: 'progress', done: 2500, total: 5000, note: '2 matched' });
    expect(await screen.findByTestId('scan-progress-text')).toHaveTextContent('scanned 2,500 of 5,000 messages (2 matched)');
    expect(screen.getByTestId('scan-cancel')).toBeInTheDocument();
    const queue = { brokerName: 'broker-a', queueId: 0, from: '0', to: '5000', scanned: 2500, matched: 2, done: false, error: null };
    send({ kind: 'batch', items: [{ kind: 'queue', queue }] });
    const summary: ScanSummary = {
      scanned: 2500,
      total: 5000,
      matched: 2,
      truncated: true,
      cursor: [{ brokerName: 'broker-a', queueId: 0, nextOffset: '2500' }],
      queues: [queue],
      failedQueues: 0,
      elapsedMs: 120,
      messagesPerSec: 20833,
    };
    send({ kind: 'finished', outcome: { status: 'completed', summary } });
    expect(await screen.findByTestId('scan-state')).toHaveTextContent('truncated');
    expect(screen.getByTestId('scan-queues')).toHaveTextContent('stopped at the cap');
    await userEvent.click(screen.getByTestId('scan-continue'));
    await waitFor(() => expect(requests).toHaveLength(2));
    expect(requests[1]?.cursor).toEqual(summary.cursor);
    send({ kind: 'started', jobId: 'job-2', title: 'Scan Orders' });
    send({ kind: 'batch', items: [{ kind: 'matches', rows: [row(3)] }] });
    send({ kind: 'progress', done: 100, total: 2500, note: null });
    expect(await screen.findByTestId('scan-progress-text')).toHaveTextContent('(3 matched)');
    await userEvent.click(screen.getByTestId('scan-cancel'));
    expect(cancelled).toEqual(['job-2']);
    send({ kind: 'finished', outcome: { status: 'cancelled', done: 100 } });
    expect(await screen.findByTestId('scan-outcome')).toHaveTextContent('cancelled');
    expect(screen.getByTestId('scan-results')).toHaveTextContent('body 3');
  });
});
