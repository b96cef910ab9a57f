import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { TopicListing, TopicRow } from '../../bindings';
import { profile } from '../../test/fixtures';
import { renderWithApp } from '../../test/render';
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
          failedBrokers: [],
        };
      throw new Error(cmd);
    });
    renderWithApp(<TopicsScreen connection={profile()} />);
    await userEvent.click(await screen.findByText('Orders'));
    expect(await screen.findByTestId('topic-total')).toHaveTextContent('9,007,199,254,740,993');
    expect(screen.getAllByText('127.0.0.1:10911').length).toBeGreaterThan(0);
  });

  it('filters 10,000 topics by type and query', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => topic(`topic-${String(i).padStart(5, '0')}`, i % 10 === 0 ? 'system' : 'normal'));
    const kept = filterTopics(many, ['normal'], '00999');
    expect(kept[0]?.name).toBe('topic-00999');
    expect(kept.every((t) => t.topicType === 'normal')).toBe(true);
  });
});
