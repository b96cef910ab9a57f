import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel } from '@tauri-apps/api/core';
import type {
  BrowsePage,
  BrowseRequest,
  ChangePlan,
  ExportRequest,
  ExportSummary,
  JobEvent,
  MessageRow,
  MessageTrack,
  MessageView,
  Nothing,
  RepublishItem,
  RepublishRequest,
  RepublishSummary,
  ResendRequest,
  ScanItem,
  TailBatch,
  TopicConsumers,
} from '../../bindings';
import { profile } from '../../test/fixtures';
import { renderWithApp } from '../../test/render';
import { expectAllowed, expectRefused } from '../../test/writeGuard';
import { applyTail, TAIL_BUFFER } from './components/TailPanel';
import { decodeBody, MessageDetail } from './components/MessageViewModal';
import { MessagesScreen } from './routes/MessagesScreen';

afterEach(() => clearMocks());

const row = (i: number, tag = 'created'): MessageRow => ({
  topic: 'Orders',
  msgId: `AC1100010000${String(i).padStart(20, '0')}`,
  offsetMsgId: `7F00000100002A9F${String(i).padStart(16, '0')}`,
  tags: tag,
  keys: [`order-${i}`],
  brokerName: 'broker-a',
  queueId: 0,
  queueOffset: String(i),
  storeTimestamp: 1_764_000_000_000 + i,
  bornTimestamp: 1_764_000_000_000 + i,
  bornHost: '127.0.0.1:50000',
  storeHost: '127.0.0.1:10911',
  reconsumeTimes: 0,
  bodySize: 8,
  bodyPreview: `body ${i}`,
});

const view: MessageView = {
  topic: 'Orders',
  msgId: 'AC11000100002A9F0000000000000001',
  offsetMsgId: '7F00000100002A9F0000000000000100',
  tags: 'created',
  keys: ['order-1'],
  properties: { KEYS: 'order-1', TAGS: 'created', color: 'red' },
  queueId: 1,
  queueOffset: '7',
  commitLogOffset: '256',
  bornTimestamp: 1_764_000_000_000,
  storeTimestamp: 1_764_000_000_001,
  bornHost: '127.0.0.1:50000',
  storeHost: '127.0.0.1:10911',
  reconsumeTimes: 0,
  sysFlag: 0,
  bodyCrc: 1,
  bodySize: 4,
  // "中文" in GBK: not valid UTF-8.
  bodyBase64: btoa(String.fromCharCode(0xd6, 0xd0, 0xce, 0xc4)),
  bodyText: null,
  bodyError: null,
};

const plan = (action: string, title: string): ChangePlan => ({
  action,
  title,
  target: 'x',
  connection: { id: 'c1', name: 'local', envLabel: 'dev', envColor: 'green', readOnly: false, production: false },
  changes: [{ scope: 'Orders', field: 'message', before: null, after: 'copy' }],
  warnings: ['be careful'],
  acknowledge: true,
  destructive: false,
  confirmText: null,
  mqadmin: ['mqadmin queryMsgById -i X -g G -d C'],
  refusal: null,
  noOp: false,
});

const topics = { fetchedAt: Date.now(), elapsedMs: 1, topics: [{ name: 'Orders' }, { name: 'OrdersCopy' }], failedBrokers: [] };

describe('MessageDetail actions', () => {
  it('decodes a body in a chosen charset', async () => {
    expect(decodeBody(view.bodyBase64, 'gbk')).toBe('中文');
    mockIPC(() => null);
    renderWithApp(<MessageDetail m={view} />);
    expect(screen.getByTestId('message-body')).toHaveTextContent('00000000 d6 d0 ce c4');
    await userEvent.click(within(screen.getByTestId('message-body-view')).getByText('Text'));
    expect(screen.getByTestId('message-body')).toHaveTextContent('not valid UTF-8');
    await userEvent.click(screen.getByTestId('message-charset'));
    await userEvent.click(await screen.findByText('gbk'));
    expect(screen.getByTestId('message-body')).toHaveTextContent('中文');
  });

  it('resends to an online group through the preview and shows the client result', async () => {
    const asked: ResendRequest[] = [];
    mockIPC((cmd, args) => {
      const a = args as { request: ResendRequest };
      if (cmd === 'topic_consumers') {
        const c: Partial<TopicConsumers> = {
          topic: 'Orders',
          groups: [
            { group: 'billing', lag: '0', lagNote: null, consumeTps: 0, lastConsume: null, clients: [{ clientId: '10.0.0.1@a', addr: '127.0.0.1:1', language: 'JAVA', version: 1 }], consumeType: 'PUSH', messageModel: 'CLUSTERING' },
            { group: 'offline', lag: '0', lagNote: null, consumeTps: 0, lastConsume: null, clients: [], consumeType: null, messageModel: null },
          ] as TopicConsumers['groups'],
          failedBrokers: [],
        };
        return c;
      }
      if (cmd === 'message_plan_resend') return { plan: plan('message.resend', 'Resend a message to billing'), clientId: '10.0.0.1@a', clients: ['10.0.0.1@a'] };
      if (cmd === 'message_resend') {
        asked.push(a.request);
        return { clientId: '10.0.0.1@a', consumeResult: 'CR_SUCCESS', remark: null, spentTimeMs: 3, order: false };
      }
      throw new Error(cmd);
    });
    renderWithApp(<MessageDetail m={view} connectionId="c1" />);
    await userEvent.click(screen.getByTestId('message-resend'));
    await userEvent.click(await screen.findByTestId('resend-group'));
    expect(screen.queryByText(/offline/)).not.toBeInTheDocument();
    await userEvent.click(await screen.findByText(/billing · 1 client/));
    await userEvent.click(screen.getByTestId('resend-preview'));
    expect(await screen.findByText('Resend a message to billing')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('checkbox', { name: /understand|acknowledge|warning/i }));
    await userEvent.click(screen.getByRole('button', { name: 'Resend' }));
    expect(await screen.findByTestId('resend-result')).toHaveTextContent('10.0.0.1@a');
    expect(screen.getByTestId('resend-result')).toHaveTextContent(/CR_SUCCESS/);
    expect(asked).toEqual([{ offsetMsgId: view.offsetMsgId, group: 'billing', clientId: null }]);
  });

  it('shows which groups consumed the message', async () => {
    mockIPC((cmd) => {
      if (cmd === 'message_track') {
        const t: MessageTrack = {
          offsetMsgId: view.offsetMsgId,
          topic: 'Orders',
          brokerName: 'broker-a',
          queueId: 1,
          queueOffset: '7',
          rows: [
            { group: 'billing', status: 'consumed', online: true, consumerOffset: '9', subscription: '*', note: null },
            { group: 'audit', status: 'notConsumedYet', online: false, consumerOffset: '3', subscription: null, note: null },
            { group: 'mail', status: 'consumedButFiltered', online: true, consumerOffset: '9', subscription: 'paid', note: null },
          ],
        };
        return t;
      }
      throw new Error(cmd);
    });
    renderWithApp(<MessageDetail m={view} connectionId="c1" />);
    await userEvent.click(screen.getByTestId('track-show'));
    const rows = await screen.findAllByTestId('track-row');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringMatching(/billing.*consumed.*yes.*9/),
      expect.stringMatching(/audit.*not consumed yet.*no.*3/),
      expect.stringMatching(/mail.*consumed, filtered out/),
    ]);
  });

  it('re-publishes copies as a job with per-message outcomes', async () => {
    const asked: RepublishRequest[] = [];
    let channel: Channel<JobEvent<RepublishItem, RepublishSummary>> | null = null;
    mockIPC((cmd, args) => {
      const a = args as { request: RepublishRequest; channel: Channel<JobEvent<RepublishItem, RepublishSummary>> };
      if (cmd === 'topic_list') return topics;
      if (cmd === 'message_plan_republish') return plan('message.republish', 'Re-publish 1 message(s) to OrdersCopy');
      if (cmd === 'message_republish') {
        asked.push(a.request);
        channel = a.channel;
        return 'job-r';
      }
      throw new Error(cmd);
    });
    renderWithApp(<MessageDetail m={view} connectionId="c1" />);
    await userEvent.click(screen.getByTestId('message-republish'));
    await userEvent.type(await screen.findByTestId('republish-topic'), 'OrdersCopy');
    await userEvent.click(screen.getByTestId('republish-preview'));
    expect(await screen.findByText('Re-publish 1 message(s) to OrdersCopy')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('checkbox', { name: /understand|acknowledge|warning/i }));
    await userEvent.click(screen.getByRole('button', { name: 'Re-publish' }));
    await waitFor(() => expect(channel).not.toBeNull());
    expect(asked).toEqual([{ offsetMsgIds: [view.offsetMsgId], targetTopic: 'OrdersCopy' }]);
    const send = (e: JobEvent<RepublishItem, RepublishSummary>) => act(() => (channel as unknown as { onmessage: (e: JobEvent<RepublishItem, RepublishSummary>) => void }).onmessage(e));
    send({ kind: 'started', jobId: 'job-r', title: 'Re-publish' });
    send({ kind: 'batch', items: [{ offsetMsgId: view.offsetMsgId, ok: true, sent: { status: 'SEND_OK', msgId: 'N', offsetMsgId: 'NEWID', brokerName: 'broker-b', brokerAddr: 'x', queueId: 1, queueOffset: '0', bodyBytes: 4 }, error: null }] });
    send({ kind: 'progress', done: 1, total: 1, note: null });
    send({ kind: 'finished', outcome: { status: 'completed', summary: { targetTopic: 'OrdersCopy', ok: 1, failed: 0, notRun: 0, auditId: 12 } } });
    expect(await screen.findByTestId('republish-summary')).toHaveTextContent('1 copied to OrdersCopy · journal entry #12');
    expect(screen.getByTestId('republish-results')).toHaveTextContent('→ broker-b #1 · NEWID');
  });
});

describe('Export', () => {
  it('exports the selected rows of a key search as CSV to the suggested path, with progress', async () => {
    const asked: ExportRequest[] = [];
    let channel: Channel<JobEvent<ScanItem, ExportSummary>> | null = null;
    mockIPC((cmd, args) => {
      const a = args as { request: ExportRequest; channel: Channel<JobEvent<ScanItem, ExportSummary>>; format: string };
      if (cmd === 'topic_list') return topics;
      if (cmd === 'message_by_key')
        return { rows: [row(1), row(2), row(3)], truncated: false, begin: 0, end: 1, requests: 1, splits: 0, collisions: 0, brokers: ['broker-a'], failedBrokers: [], notes: [], elapsedMs: 2 };
      if (cmd === 'message_export_path') return `/home/op/Downloads/Orders-k.${a.format}`;
      if (cmd === 'message_export') {
        asked.push(a.request);
        channel = a.channel;
        return 'job-e';
      }
      throw new Error(cmd);
    });
    renderWithApp(<MessagesScreen connection={profile()} />);
    await userEvent.type(screen.getByTestId('key-topic'), 'Orders');
    await userEvent.type(screen.getByTestId('key-key'), 'k');
    await userEvent.click(screen.getByTestId('key-search'));
    const picks = await screen.findAllByTestId('pick-row');
    await userEvent.click(picks[0] as HTMLElement);
    await userEvent.click(picks[2] as HTMLElement);
    expect(screen.getByTestId('result-actions')).toHaveTextContent('2 selected');
    await userEvent.click(screen.getByTestId('export-rows'));
    await userEvent.click(within(await screen.findByTestId('export-format')).getByText('CSV'));
    await waitFor(() => expect(screen.getByTestId('export-path')).toHaveValue('/home/op/Downloads/Orders-k.csv'));
    await userEvent.click(screen.getByTestId('export-start'));
    await waitFor(() => expect(channel).not.toBeNull());
    expect(asked[0]).toEqual({ source: { kind: 'messages', offsetMsgIds: [row(1).offsetMsgId, row(3).offsetMsgId] }, format: 'csv', path: '/home/op/Downloads/Orders-k.csv', overwrite: false });
    const send = (e: JobEvent<ScanItem, ExportSummary>) => act(() => (channel as unknown as { onmessage: (e: JobEvent<ScanItem, ExportSummary>) => void }).onmessage(e));
    send({ kind: 'started', jobId: 'job-e', title: 'Export' });
    send({ kind: 'progress', done: 1, total: 2, note: null });
    expect(await screen.findByTestId('export-progress-text')).toHaveTextContent('1 of 2 messages');
    send({ kind: 'finished', outcome: { status: 'completed', summary: { path: '/home/op/Downloads/Orders-k.csv', format: 'csv', written: 2, bytes: 900, failed: [], scan: null, elapsedMs: 5 } } });
    expect(await screen.findByTestId('export-done')).toHaveTextContent('Wrote 2 message(s), 900 bytes');
  });
});

describe('Queue browse', () => {
  it('pages a queue from the newest page to older ones', async () => {
    const asked: BrowseRequest[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'topic_list') return topics;
      if (cmd === 'topic_detail')
        return { name: 'Orders', fetchedAt: 1, route: [], queues: [{ brokerName: 'broker-a', queueId: 0, minOffset: '0', maxOffset: '100', lastUpdate: null }], totalMessages: '100', lastUpdate: null, config: [], failedBrokers: [] };
      if (cmd === 'message_browse') {
        const r = (args as { request: BrowseRequest }).request;
        asked.push(r);
        const end = r.from === null ? 100 : Number(r.from);
        const first = Math.max(0, end - (r.pageSize ?? 50));
        const page: BrowsePage = { topic: 'Orders', brokerName: 'broker-a', queueId: 0, minOffset: '0', maxOffset: '100', rows: Array.from({ length: end - first }, (_, i) => row(first + i)), first: String(first), end: String(end) };
        return page;
      }
      throw new Error(cmd);
    });
    renderWithApp(<MessagesScreen connection={profile()} />);
    await userEvent.click(screen.getByText('Queue browse'));
    await userEvent.type(await screen.findByTestId('browse-topic'), 'Orders');
    await userEvent.click(screen.getByTestId('browse-queue'));
    await userEvent.click(await screen.findByText(/broker-a #0/));
    await userEvent.click(screen.getByTestId('browse-newest'));
    expect(await screen.findByTestId('browse-range')).toHaveTextContent('offsets 50–100 of 0–100 · 50 message(s)');
    expect(screen.getByTestId('browse-newer')).toBeDisabled();
    await userEvent.click(screen.getByTestId('browse-older'));
    await waitFor(() => expect(screen.getByTestId('browse-range')).toHaveTextContent('offsets 0–50'));
    expect(asked.map((a) => [a.direction, a.from])).toEqual([
      ['backward', null],
      ['backward', '50'],
    ]);
    expect(screen.getByTestId('browse-older')).toBeDisabled();
  });
});

describe('Live tail', () => {
  it('keeps the newest rows first within the buffer and only counts while paused', () => {
    const b = (rows: MessageRow[], received: number): TailBatch => ({ rows, received, dropped: 0, ratePerSec: 10, queues: 4, failingQueues: 0 });
    let s = applyTail({ rows: [], received: 0, dropped: 0, hidden: 0, rate: 0, queues: 0, failing: 0 }, b([row(1), row(2)], 2), false);
    expect(s.rows.map((r) => r.queueOffset)).toEqual(['2', '1']);
    s = applyTail(s, b([row(3)], 3), true);
    expect([s.rows.length, s.hidden, s.received]).toEqual([2, 1, 3]);
    const many = Array.from({ length: TAIL_BUFFER + 10 }, (_, i) => row(i));
    s = applyTail(s, b(many, 3 + many.length), false);
    expect(s.rows).toHaveLength(TAIL_BUFFER);
    expect(s.rows[0]?.queueOffset).toBe(String(TAIL_BUFFER + 9));
  });

  it('tails a topic with a tag filter, shows the rate, pauses and stops', async () => {
    let channel: Channel<JobEvent<TailBatch, Nothing>> | null = null;
    const cancelled: string[] = [];
    mockIPC((cmd, args) => {
      const a = args as { request: { topic: string; tags: string | null }; channel: Channel<JobEvent<TailBatch, Nothing>>; jobId: string };
      if (cmd === 'topic_list') return topics;
      if (cmd === 'message_tail') {
        expect(a.request).toEqual({ topic: 'Orders', tags: 'paid' });
        channel = a.channel;
        return 'job-t';
      }
      if (cmd === 'job_cancel') {
        cancelled.push(a.jobId);
        return true;
      }
      throw new Error(cmd);
    });
    renderWithApp(<MessagesScreen connection={profile()} />);
    await userEvent.click(screen.getByText('Live tail'));
    await userEvent.type(await screen.findByTestId('tail-topic'), 'Orders');
    await userEvent.type(screen.getByTestId('tail-tags'), 'paid');
    await userEvent.click(screen.getByTestId('tail-start'));
    await waitFor(() => expect(channel).not.toBeNull());
    const send = (e: JobEvent<TailBatch, Nothing>) => act(() => (channel as unknown as { onmessage: (e: JobEvent<TailBatch, Nothing>) => void }).onmessage(e));
    send({ kind: 'batch', items: [{ rows: [row(1, 'paid'), row(2, 'paid')], received: 2, dropped: 0, ratePerSec: 8, queues: 4, failingQueues: 0 }] });
    expect(await screen.findByTestId('tail-rate')).toHaveTextContent('8 msg/s · 2 received · 4 queue(s)');
    expect(screen.getByTestId('tail-results')).toHaveTextContent('body 2');
    await userEvent.click(screen.getByTestId('tail-pause'));
    send({ kind: 'batch', items: [{ rows: [row(3, 'paid')], received: 3, dropped: 0, ratePerSec: 4, queues: 4, failingQueues: 0 }] });
    expect(await screen.findByText('1 arrived while paused')).toBeInTheDocument();
    expect(screen.getByTestId('tail-results')).not.toHaveTextContent('body 3');
    await userEvent.click(screen.getByTestId('tail-stop'));
    expect(cancelled).toEqual(['job-t']);
  });
});

describe('message actions on a read-only connection', () => {
  const mockSearch = () =>
    mockIPC((cmd) => {
      if (cmd === 'topic_list') return topics;
      if (cmd === 'message_by_key')
        return { rows: [row(1)], truncated: false, begin: 0, end: 1, requests: 1, splits: 0, collisions: 0, brokers: ['broker-a'], failedBrokers: [], notes: [], elapsedMs: 2 };
      if (cmd === 'message_by_offset_id') return view;
      throw new Error(cmd);
    });
  const search = async () => {
    await userEvent.type(screen.getByTestId('key-topic'), 'Orders');
    await userEvent.type(screen.getByTestId('key-key'), 'k');
    await userEvent.click(screen.getByTestId('key-search'));
    await screen.findByTestId('republish-rows');
  };

  it('shows re-publish and resend disabled with the reason; export stays', async () => {
    mockSearch();
    renderWithApp(<MessagesScreen connection={profile({ readOnly: true })} />, { readOnly: true });
    await search();
    expectRefused('republish-rows');
    expectAllowed('export-rows');
    await userEvent.click(screen.getByText('body 1'));
    await screen.findByTestId('message-detail');
    expectRefused('message-resend', 'message-republish');
    expectAllowed('message-export');
  });

  it('leaves them enabled on a writable connection', async () => {
    mockSearch();
    renderWithApp(<MessagesScreen connection={profile()} />);
    await search();
    await userEvent.click(screen.getByText('body 1'));
    await screen.findByTestId('message-detail');
    expectAllowed('republish-rows', 'export-rows', 'message-resend', 'message-republish', 'message-export');
  });
});
