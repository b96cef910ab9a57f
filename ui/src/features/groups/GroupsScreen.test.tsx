import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { GroupDetail, GroupListing, GroupRow, OffsetPlan, ResetRequest, ResetResult } from '../../bindings';
import { profile } from '../../test/fixtures';
import { plan } from '../../test/plans';
import { renderWithApp } from '../../test/render';
import { GroupsScreen, sortGroups } from './routes/GroupsScreen';

afterEach(() => clearMocks());

const row = (over: Partial<GroupRow> = {}): GroupRow => ({
  group: 'g-orders',
  system: false,
  brokers: ['broker-a'],
  config: { consumeEnable: true, retryMaxTimes: 16, retryQueueNums: 1 },
  configDiffers: false,
  lag: '0',
  lagNote: null,
  consumeTps: 0,
  topics: ['Orders'],
  lastConsume: null,
  onlineClients: 1,
  consumeType: 'CONSUME_PASSIVELY',
  messageModel: 'CLUSTERING',
  clientVersions: ['V5_3_0'],
  clientsNote: null,
  ...over,
});

const listing: GroupListing = {
  fetchedAt: Date.now(),
  elapsedMs: 12,
  failedBrokers: [],
  perGroupFallback: [],
  brokerWide: [],
  groups: [
    row({ group: 'g-small', lag: '7' }),
    // Beyond 2^53: must sort above and print exactly.
    row({ group: 'g-huge', lag: '9007199254740993' }),
    row({ group: 'g-pop', lag: null, lagNote: 'POP consumers: the broker does not count popped messages', consumeType: 'CONSUME_POP' }),
    row({ group: 'TOOLS_CONSUMER', system: true }),
    row({ group: 'g-orders', onlineClients: 0, consumeType: null, messageModel: null, clientVersions: [] }),
  ],
};

const detail: GroupDetail = {
  group: 'g-orders',
  fetchedAt: Date.now(),
  configs: [['broker-a', { consumeEnable: true, retryMaxTimes: 16, retryQueueNums: 1, brokerId: 0 }]],
  lag: '0',
  lagNote: null,
  consumeTps: 0,
  topics: [{ topic: 'Orders', queues: 2, lag: '0', lagNote: null, lastConsume: null }],
  queues: [0, 1].map((q) => ({ topic: 'Orders', brokerName: 'broker-a', queueId: q, brokerOffset: '10', consumerOffset: '10', lag: '0', client: null, lastConsume: null })),
  subscriptions: [],
  clients: [],
  consumeType: null,
  messageModel: null,
  consumeFromWhere: null,
  retry: { topic: '%RETRY%g-orders', exists: true, messages: '0', lastUpdate: null },
  dlq: { topic: '%DLQ%g-orders', exists: false, messages: '0', lastUpdate: null },
  notes: [],
  failedBrokers: [],
};

const offsetPlan = (request: ResetRequest): OffsetPlan => ({
  plan: plan({ action: 'group.reset_offset', title: 'Reset group g-orders to the earliest offset', target: 'g-orders', changes: [], mqadmin: ['mqadmin resetOffsetByTime -g g-orders -t Orders -s 0 -f true'] }),
  request,
  topics: ['Orders'],
  path: 'offline',
  onlineClients: 0,
  queues: [0, 1].map((q) => ({
    topic: 'Orders',
    brokerName: 'broker-a',
    queueId: q,
    minOffset: '0',
    maxOffset: '10',
    current: '10',
    target: '0',
    reread: '10',
    skipped: '0',
    currentTime: 1_764_000_600_000,
    targetTime: 1_764_000_000_000,
    note: null,
  })),
  reread: '20',
  skipped: '0',
  failedBrokers: [],
});

describe('GroupsScreen', () => {
  it('sorts lag as exact integers, unknown last', () => {
    const sorted = sortGroups(listing.groups, 'lag', true).map((g) => g.group);
    expect(sorted).toEqual(['g-huge', 'g-small', 'TOOLS_CONSUMER', 'g-orders', 'g-pop']);
  });

  it('lists groups without system ones, shows unknown lag with its reason, and resets through the preview', async () => {
    const requests: ResetRequest[] = [];
    const options: unknown[] = [];
    mockIPC((cmd, args) => {
      const a = args as { request: ResetRequest; options: { activity: boolean } | null };
      switch (cmd) {
        case 'group_list':
          options.push(a.options);
          // The activity read carries TPS; the first read has none.
          return a.options?.activity
            ? { ...listing, groups: listing.groups.map((g) => ({ ...g, consumeTps: g.group === 'g-small' ? 12.5 : 0 })) }
            : { ...listing, groups: listing.groups.map((g) => ({ ...g, consumeTps: null })) };
        case 'group_detail':
          return detail;
        case 'offset_snapshots':
          return [];
        case 'offset_plan':
          return offsetPlan(a.request);
        case 'offset_reset': {
          requests.push(a.request);
          const r: ResetResult = {
            outcome: 'ok',
            path: 'offline',
            snapshotId: 3,
            auditId: 9,
            elapsedMs: 40,
            failedBrokers: [],
            queues: [0, 1].map((q) => ({ topic: 'Orders', brokerName: 'broker-a', queueId: q, before: '10', target: '0', after: '0', took: true, error: null })),
          };
          return r;
        }
        default:
          throw new Error(cmd);
      }
    });
    renderWithApp(<GroupsScreen connection={profile()} />);
    await waitFor(() => expect(screen.getAllByTestId('group-name').map((n) => n.textContent)).toEqual(['g-huge', 'g-small', 'g-orders', 'g-pop']));
    expect(screen.getByTestId('groups-table')).toHaveTextContent('9,007,199,254,740,993');
    expect(screen.getAllByTestId('group-lag-unknown')).toHaveLength(1);
    expect(screen.getByTestId('groups-table')).toHaveTextContent('offline');
    // TPS from the second read, merged into the rows.
    await waitFor(() => expect(screen.getAllByTestId('group-tps').map((n) => n.textContent)).toEqual(['0', '12.5', '0', '0']));
    expect(options).toContainEqual(null);
    expect(options).toContainEqual({ clients: false, stats: 'offsetTable', activity: true });

    await userEvent.click(screen.getByText('g-orders'));
    await userEvent.click(await screen.findByTestId('group-reset'));
    await userEvent.click(await screen.findByTestId('reset-preview'));
    const queues = await screen.findByTestId('reset-queues');
    expect(within(queues).getByTestId('reset-reread')).toHaveTextContent('20');
    expect(within(queues).getByTestId('reset-path')).toHaveTextContent('offline');
    expect(queues).toHaveTextContent('10m');
    expect(screen.getByTestId('preview-mqadmin')).toHaveTextContent('resetOffsetByTime');
    await userEvent.click(screen.getByTestId('preview-apply'));
    expect(await screen.findByTestId('reset-outcome')).toHaveTextContent('Every queue took');
    expect(requests).toEqual([{ group: 'g-orders', topic: 'Orders', mode: { kind: 'earliest' } }]);
    expect(screen.getByTestId('reset-result-undo')).toBeInTheDocument();
  });
});
