import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { TopicListing, TopicRow } from '../../bindings';
import { broker, overview, profile } from '../../test/fixtures';
import { entry, plan } from '../../test/plans';
import { renderWithApp } from '../../test/render';
import { expectAllowed, expectRefused } from '../../test/writeGuard';
import { topicNameProblem } from './components/TopicFormModal';
import { filterTopics, TopicsScreen } from './routes/TopicsScreen';

afterEach(() => clearMocks());

const topic = (name: string, topicType: TopicRow['topicType'], over: Partial<TopicRow> = {}): TopicRow => ({
  name,
  topicType,
  readQueues: 8,
  writeQueues: 8,
  perm: 'RW',
  brokers: ['broker-a', 'broker-b'],
  warning: null,
  ...over,
});

const listing = (topics: TopicRow[], failed = false): TopicListing => ({
  fetchedAt: Date.now(),
  elapsedMs: 9,
  topics,
  failedBrokers: failed ? [{ brokerName: 'broker-b', addr: '127.0.0.1:10921', error: 'Unreachable: connect refused' }] : [],
});

const names = () => screen.getAllByTestId('topic-name').map((n) => n.textContent);

describe('TopicsScreen', () => {
  it('hides system, retry and DLQ topics by default and shows them on demand', async () => {
    mockIPC(() =>
      listing([topic('Orders', 'normal'), topic('%RETRY%billing', 'retry'), topic('RMQ_SYS_TRACE_TOPIC', 'system'), topic('Pay', 'fifo')]),
    );
    renderWithApp(<TopicsScreen connection={profile()} />);
    await waitFor(() => expect(names()).toEqual(['Orders', 'Pay']));
    expect(screen.getByTestId('topic-count')).toHaveTextContent('Showing 2 of 4 topics');
    await userEvent.click(screen.getByTestId('type-system'));
    await waitFor(() => expect(names()).toEqual(['Orders', 'Pay', 'RMQ_SYS_TRACE_TOPIC']));
  });

  it('fuzzy-searches names, best match first', async () => {
    mockIPC(() => listing([topic('SandboxOrders', 'normal'), topic('SandboxPayments', 'normal'), topic('OrderAudit', 'normal')]));
    renderWithApp(<TopicsScreen connection={profile()} />);
    await screen.findAllByTestId('topic-name');
    await userEvent.type(screen.getByTestId('topic-search'), 'order');
    await waitFor(() => expect(names()).toEqual(['OrderAudit', 'SandboxOrders']));
  });

  it('keeps the topics of a broker that did not answer, flagged', async () => {
    mockIPC(() => listing([topic('OnlyOnB', 'normal', { brokers: [], perm: '?', warning: 'Config unavailable: broker-b did not answer.' })], true));
    renderWithApp(<TopicsScreen connection={profile()} />);
    expect(await screen.findByTestId('topics-failed-brokers')).toHaveTextContent('broker-b');
    expect(names()).toEqual(['OnlyOnB']);
    expect(screen.getByTestId('topic-warning')).toBeInTheDocument();
  });

  it('opens a topic’s route and queues, offsets as exact strings', async () => {
    mockIPC((cmd) => {
      if (cmd === 'topic_list') return listing([topic('Orders', 'normal')]);
      if (cmd === 'topic_detail')
        return {
          name: 'Orders',
          fetchedAt: Date.now(),
          route: [{ brokerName: 'broker-a', addr: '127.0.0.1:10911', readQueues: 1, writeQueues: 1, perm: 'RW' }],
          queues: [
            { brokerName: 'broker-a', queueId: 0, minOffset: '0', maxOffset: '9007199254740993', messages: '9007199254740993', lastUpdate: 1_764_000_000_000 },
          ],
          totalMessages: '9007199254740993',
          lastUpdate: 1_764_000_000_000,
          config: [{ brokerName: 'broker-a', addr: '127.0.0.1:10911', readQueues: 1, writeQueues: 1, perm: 6, topicSysFlag: 0, order: false, attributes: { 'message.type': 'NORMAL' } }],
          failedBrokers: [],
        };
      if (cmd === 'topic_consumers')
        return {
          topic: 'Orders',
          fetchedAt: Date.now(),
          groups: [
            { group: 'billing', lag: '9007199254740993', lagNote: null, consumeTps: 2, lastConsume: null, clients: [], consumeType: null, messageModel: null },
            { group: 'pop-group', lag: null, lagNote: 'no committed offset', consumeTps: 0, lastConsume: null, clients: [], consumeType: null, messageModel: null },
          ],
          failedBrokers: [],
        };
      if (cmd === 'producer_list') return { fetchedAt: Date.now(), groups: [{ group: 'pg-orders', system: false, clients: [{ clientId: '10.0.0.1@1', addr: '10.0.0.1:5000', language: 'JAVA', version: 475, brokers: ['broker-a'], lastHeartbeat: null }] }], discoverySupported: true, failedBrokers: [] };
      if (cmd === 'topic_stats') return [];
      throw new Error(cmd);
    });
    renderWithApp(<TopicsScreen connection={profile()} />);
    await userEvent.click(await screen.findByText('Orders'));
    expect(await screen.findByTestId('topic-total')).toHaveTextContent('9,007,199,254,740,993');
    expect(screen.getAllByText('127.0.0.1:10911').length).toBeGreaterThan(0);
    expect(screen.getByTestId('topic-config')).toHaveTextContent('message.type=NORMAL');
    const consumers = await screen.findByTestId('topic-consumers');
    expect(consumers).toHaveTextContent('9,007,199,254,740,993');
    expect(consumers).toHaveTextContent('unknown');
    expect(await screen.findByTestId('topic-producers')).toHaveTextContent('pg-orders');
  });

  it('filters 10,000 topics by type and query', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => topic(`topic-${String(i).padStart(5, '0')}`, i % 10 === 0 ? 'system' : 'normal'));
    const kept = filterTopics(many, ['normal'], '00999');
    expect(kept[0]?.name).toBe('topic-00999');
    expect(kept.every((t) => t.topicType === 'normal')).toBe(true);
  });

  it('creates a topic through the preview, on the connection’s only cluster by default', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'topic_list') return listing([topic('Orders', 'normal')]);
      if (cmd === 'cluster_overview') return overview([broker(), broker({ brokerName: 'broker-b', addr: '127.0.0.1:10921' })]);
      if (cmd === 'topic_plan_upsert') return plan({ title: 'Create topic Payments', target: 'Payments' });
      if (cmd === 'topic_upsert') return entry({ target: 'Payments' });
      throw new Error(cmd);
    });
    renderWithApp(<TopicsScreen connection={profile()} />);
    await userEvent.click(await screen.findByTestId('topic-create'));
    await userEvent.type(await screen.findByTestId('topic-form-name'), 'Pay ments');
    expect(await screen.findByText(/' ' is not allowed/)).toBeInTheDocument();
    expect(screen.getByTestId('topic-form-preview')).toBeDisabled();
    await userEvent.clear(screen.getByTestId('topic-form-name'));
    await userEvent.type(screen.getByTestId('topic-form-name'), 'Payments');
    await waitFor(() => expect(screen.getByTestId('topic-form-preview')).toBeEnabled());
    await userEvent.click(screen.getByTestId('topic-form-preview'));
    expect(await screen.findByTestId('preview-mqadmin')).toHaveTextContent('mqadmin updateTopic');
    await userEvent.click(screen.getByTestId('preview-apply'));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'topic_upsert')).toBe(true));
    const upsert = calls.find((c) => c.cmd === 'topic_upsert')?.args as { spec: { name: string; clusters: string[] }; confirmation: unknown };
    expect(upsert.spec.name).toBe('Payments');
    expect(upsert.spec.clusters).toEqual(['DefaultCluster']);
    expect(upsert.confirmation).toEqual({ typed: null, acknowledged: false });
  });

  it('checks topic names like RocketMQ', () => {
    expect(topicNameProblem('Orders_1')).toBeNull();
    expect(topicNameProblem('a.b')).toContain("'.'");
    expect(topicNameProblem('%DLQ%g')).toContain('reserved');
    expect(topicNameProblem('x'.repeat(128))).toContain('127');
  });

  it('fills in message counts for the rows in view', async () => {
    const asked: string[][] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'topic_list') return listing([topic('Orders', 'normal'), topic('Pay', 'normal')]);
      if (cmd === 'topic_stats') {
        const names = (args as { topics: string[] }).topics;
        asked.push(names);
        return names.map((name) => ({ name, totalMessages: name === 'Orders' ? '9007199254740993' : '0', lastUpdate: null, error: null }));
      }
      throw new Error(cmd);
    });
    renderWithApp(<TopicsScreen connection={profile()} />);
    await waitFor(() => expect(screen.getAllByTestId('topic-messages').map((n) => n.textContent)).toEqual(['9,007,199,254,740,993', '0']));
    expect(asked[0]).toEqual(['Orders', 'Pay']);
  });
});

describe('topics on a read-only connection', () => {
  const mockTopic = () =>
    mockIPC((cmd) => {
      if (cmd === 'topic_list') return listing([topic('Orders', 'normal')]);
      if (cmd === 'topic_detail')
        return { name: 'Orders', fetchedAt: Date.now(), route: [], queues: [], totalMessages: '0', lastUpdate: null, config: [], failedBrokers: [] };
      if (cmd === 'topic_consumers') return { topic: 'Orders', fetchedAt: Date.now(), groups: [], failedBrokers: [] };
      if (cmd === 'producer_list') return { fetchedAt: Date.now(), groups: [], discoverySupported: true, failedBrokers: [] };
      if (cmd === 'topic_stats') return [];
      throw new Error(cmd);
    });

  it('shows create, edit, send and delete disabled with the reason', async () => {
    mockTopic();
    renderWithApp(<TopicsScreen connection={profile({ readOnly: true })} />, { readOnly: true });
    await userEvent.click(await screen.findByText('Orders'));
    await screen.findByTestId('topic-total');
    expectRefused('topic-create', 'topic-edit', 'topic-send', 'topic-delete');
  });

  it('leaves them enabled on a writable connection', async () => {
    mockTopic();
    renderWithApp(<TopicsScreen connection={profile()} />);
    await userEvent.click(await screen.findByText('Orders'));
    await screen.findByTestId('topic-total');
    expectAllowed('topic-create', 'topic-edit', 'topic-send', 'topic-delete');
  });
});
