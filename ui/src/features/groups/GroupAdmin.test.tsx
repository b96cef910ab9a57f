import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Channel } from '@tauri-apps/api/core';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  BulkGroupResult,
  BulkResetPlan,
  BulkResetRequest,
  GroupDeleteSpec,
  GroupDetail,
  GroupListing,
  GroupRow,
  GroupSpec,
  BulkSummary,
  JobEvent,
  OffsetSnapshot,
} from '../../bindings';
import { broker, overview, profile } from '../../test/fixtures';
import { entry, plan } from '../../test/plans';
import { renderWithApp } from '../../test/render';
import { expectAllowed, expectRefused } from '../../test/writeGuard';
import { GroupsScreen } from './routes/GroupsScreen';

afterEach(() => clearMocks());

const row = (group: string): GroupRow => ({
  group,
  system: false,
  brokers: ['broker-a'],
  config: { consumeEnable: true, retryMaxTimes: 16, retryQueueNums: 1 },
  configDiffers: false,
  lag: '5',
  lagNote: null,
  consumeTps: 0,
  topics: ['Orders'],
  lastConsume: null,
  onlineClients: 0,
  consumeType: null,
  messageModel: null,
  clientVersions: [],
  clientsNote: null,
});

const listing: GroupListing = { fetchedAt: Date.now(), elapsedMs: 5, failedBrokers: [], perGroupFallback: [], brokerWide: [], groups: ['g-a', 'g-b', 'g-c'].map(row) };

const detail: GroupDetail = {
  group: 'g-a',
  fetchedAt: Date.now(),
  configs: [['broker-a', { consumeEnable: true, retryMaxTimes: 16, retryQueueNums: 1, brokerId: 0 }]],
  lag: '5',
  lagNote: null,
  consumeTps: 0,
  topics: [],
  queues: [],
  subscriptions: [],
  clients: [],
  consumeType: null,
  messageModel: null,
  consumeFromWhere: null,
  retry: { topic: '%RETRY%g-a', exists: true, messages: '3', lastUpdate: null },
  dlq: { topic: '%DLQ%g-a', exists: true, messages: '2', lastUpdate: null },
  notes: [],
  failedBrokers: [],
};

const bulkPlan = (request: BulkResetRequest): BulkResetPlan => ({
  plan: plan({ action: 'group.reset_offset.bulk', title: 'Reset 2 groups to the earliest offset', target: '2 groups', changes: [], mqadmin: ['mqadmin resetOffsetByTime -g g-a -t Orders -s 0 -f true'] }),
  request,
  groups: request.groups.map((g) => ({ group: g, path: 'offline', onlineClients: 0, topics: ['Orders'], queues: 4, changing: 4, reread: '8', skipped: '0', failedBrokers: [], error: null })),
  reread: '16',
  skipped: '0',
  elapsedMs: 30,
});

describe('consumer group administration', () => {
  it('creates a group through the preview with the chosen settings', async () => {
    const sent: GroupSpec[] = [];
    mockIPC((cmd, args) => {
      const a = args as { spec: GroupSpec };
      switch (cmd) {
        case 'group_list':
          return listing;
        case 'cluster_overview':
          return overview([broker()]);
        case 'group_plan_upsert':
          return plan({ action: 'group.create', title: `Create consumer group ${a.spec.group}`, target: a.spec.group, changes: [{ scope: 'broker-a', field: 'retryMaxTimes', before: null, after: String(a.spec.config.retryMaxTimes) }], mqadmin: ['mqadmin updateSubGroup -c DefaultCluster -g g-new -r 3'] });
        case 'group_upsert':
          sent.push(a.spec);
          return entry({ action: 'group.create', target: a.spec.group });
        default:
          throw new Error(cmd);
      }
    });
    renderWithApp(<GroupsScreen connection={profile()} />);
    await userEvent.click(await screen.findByTestId('groups-create'));
    await userEvent.type(await screen.findByTestId('group-form-name'), 'g new');
    expect(await screen.findByText(/' ' is not allowed/)).toBeInTheDocument();
    expect(screen.getByTestId('group-form-preview')).toBeDisabled();
    await userEvent.clear(screen.getByTestId('group-form-name'));
    await userEvent.type(screen.getByTestId('group-form-name'), 'g-new');
    const retry = screen.getByTestId('group-form-retry-max');
    await userEvent.clear(retry);
    await userEvent.type(retry, '3');
    await userEvent.click(screen.getByTestId('group-form-consumeBroadcastEnable'));
    await waitFor(() => expect(screen.getByTestId('group-form-preview')).toBeEnabled());
    await userEvent.click(screen.getByTestId('group-form-preview'));
    expect(await screen.findByTestId('preview-changes')).toHaveTextContent('retryMaxTimes');
    expect(screen.getByTestId('preview-mqadmin')).toHaveTextContent('updateSubGroup');
    await userEvent.click(screen.getByTestId('preview-apply'));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ group: 'g-new', clusters: ['DefaultCluster'], config: { retryMaxTimes: 3, consumeBroadcastEnable: false, consumeEnable: true } });
  });

  it('resets selected groups as a job with progress, per-group results and Cancel', async () => {
    let channel: Channel<JobEvent<BulkGroupResult, BulkSummary>> | null = null;
    const cancelled: string[] = [];
    const send = (e: JobEvent<BulkGroupResult, BulkSummary>) => (channel as unknown as { onmessage: (e: JobEvent<BulkGroupResult, BulkSummary>) => void }).onmessage(e);
    mockIPC((cmd, args) => {
      const a = args as { request: BulkResetRequest; channel: Channel<JobEvent<BulkGroupResult, BulkSummary>>; jobId: string };
      switch (cmd) {
        case 'group_list':
          return listing;
        case 'offset_plan_bulk':
          return bulkPlan(a.request);
        case 'offset_reset_bulk':
          channel = a.channel;
          return 'job-1';
        case 'job_cancel':
          cancelled.push(a.jobId);
          return true;
        default:
          throw new Error(cmd);
      }
    });
    renderWithApp(<GroupsScreen connection={profile()} />);
    await waitFor(() => expect(screen.getAllByTestId('group-select')).toHaveLength(3));
    expect(screen.getByTestId('groups-bulk-reset')).toBeDisabled();
    const boxes = screen.getAllByTestId('group-select');
    await userEvent.click(boxes[0] as HTMLElement);
    await userEvent.click(boxes[1] as HTMLElement);
    // Ticking a box selects; it does not open the group's detail.
    expect(screen.queryByTestId('group-detail')).toBeNull();
    expect(screen.getByTestId('groups-bulk-reset')).toHaveTextContent('Reset 2 selected');
    await userEvent.click(screen.getByTestId('groups-bulk-reset'));
    await userEvent.click(await screen.findByTestId('bulk-preview'));
    const table = await screen.findByTestId('bulk-plan');
    expect(within(table).getAllByTestId('bulk-plan-row')).toHaveLength(2);
    expect(within(table).getByTestId('bulk-reread')).toHaveTextContent('16');
    await userEvent.click(screen.getByTestId('preview-apply'));
    await waitFor(() => expect(channel).not.toBeNull());
    const result = (group: string, over: Partial<BulkGroupResult> = {}): BulkGroupResult => ({
      group,
      outcome: 'ok',
      snapshotId: 7,
      auditId: 11,
      queuesChanged: 4,
      queuesFailed: 0,
      error: null,
      ...over,
    });
    send({ kind: 'started', jobId: 'job-1', title: 'Reset 2 groups' });
    send({ kind: 'progress', done: 0, total: 2, note: null });
    send({ kind: 'batch', items: [result('g-a')] });
    send({ kind: 'progress', done: 1, total: 2, note: 'g-a: ok' });
    expect(await screen.findByTestId('bulk-progress-text')).toHaveTextContent('1 of 2 groups · g-a: ok');
    expect(screen.getAllByTestId('bulk-result-row')).toHaveLength(1);
    expect(screen.getByTestId('bulk-close')).toBeDisabled();
    await userEvent.click(screen.getByTestId('bulk-cancel'));
    expect(cancelled).toEqual(['job-1']);
    send({ kind: 'batch', items: [result('g-b', { outcome: null, snapshotId: null, auditId: null, queuesChanged: 0, error: 'cancelled before it started' })] });
    send({ kind: 'progress', done: 2, total: 2, note: 'g-b: not run' });
    send({ kind: 'finished', outcome: { status: 'cancelled', done: 2 } });
    expect(await screen.findByTestId('bulk-outcome')).toHaveTextContent('cancelled');
    const rows = screen.getAllByTestId('bulk-result-row');
    expect(rows[0]).toHaveTextContent('ok');
    expect(rows[1]).toHaveTextContent('not run');
    expect(rows[1]).toHaveTextContent('cancelled before it started');
    expect(screen.getByTestId('bulk-cancel')).toBeDisabled();
    expect(screen.getByTestId('bulk-close')).toBeEnabled();
  });

  it('deletes a group with the topics it names, typing its name to confirm', async () => {
    const sent: GroupDeleteSpec[] = [];
    mockIPC((cmd, args) => {
      const a = args as { spec: GroupDeleteSpec; confirmation: { typed: string | null } };
      switch (cmd) {
        case 'group_list':
          return listing;
        case 'group_detail':
          return detail;
        case 'offset_snapshots':
          return [];
        case 'group_plan_delete':
          return plan({
            action: 'group.delete',
            title: 'Delete consumer group g-a',
            target: 'g-a',
            destructive: true,
            confirmText: 'g-a',
            changes: [
              { scope: 'broker-a', field: 'subscription group', before: 'consume on', after: null },
              { scope: 'topic', field: '%DLQ%g-a', before: '2 message(s)', after: null },
            ],
            warnings: ['2 dead letter(s) in %DLQ%g-a are deleted with it and cannot be replayed.'],
          });
        case 'group_delete':
          if (a.confirmation.typed !== 'g-a') throw new Error('not typed');
          sent.push(a.spec);
          return entry({ action: 'group.delete', target: 'g-a' });
        default:
          throw new Error(cmd);
      }
    });
    renderWithApp(<GroupsScreen connection={profile()} />);
    await userEvent.click(await screen.findByText('g-a'));
    await userEvent.click(await screen.findByTestId('group-delete'));
    expect(screen.getByTestId('group-delete-retry')).toBeChecked();
    expect(screen.getByTestId('group-delete-dlq')).not.toBeChecked();
    await userEvent.click(screen.getByTestId('group-delete-dlq'));
    await userEvent.click(screen.getByTestId('group-delete-preview'));
    expect(await screen.findByTestId('preview-changes')).toHaveTextContent('%DLQ%g-a');
    expect(screen.getByTestId('preview-warnings')).toHaveTextContent('cannot be replayed');
    expect(screen.getByTestId('preview-apply')).toBeDisabled();
    await userEvent.type(screen.getByTestId('preview-typed'), 'g-a');
    await userEvent.click(screen.getByTestId('preview-apply'));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({ group: 'g-a', brokers: [], removeOffsets: true, deleteRetryTopic: true, deleteDlqTopic: true });
  });
});

describe('consumer groups on a read-only connection', () => {
  const snapshot: OffsetSnapshot = { id: 4, connectionId: 'c-1', group: 'g-a', at: 1_764_000_000_000, reason: 'earliest', offsets: [], restoredAt: null };
  const mockGroups = () =>
    mockIPC((cmd) => {
      if (cmd === 'group_list') return listing;
      if (cmd === 'group_detail') return detail;
      if (cmd === 'offset_snapshots') return [snapshot];
      throw new Error(cmd);
    });
  const writes = ['groups-create', 'groups-bulk-reset', 'group-reset', 'group-edit', 'group-delete', 'group-undo'];

  it('shows create, bulk reset, reset, edit, delete and undo disabled with the reason', async () => {
    mockGroups();
    renderWithApp(<GroupsScreen connection={profile({ readOnly: true })} />, { readOnly: true });
    await userEvent.click((await screen.findAllByTestId('group-select'))[0] as HTMLElement);
    await userEvent.click(screen.getByText('g-a'));
    await screen.findByTestId('group-undo');
    expectRefused(...writes);
  });

  it('leaves them enabled on a writable connection', async () => {
    mockGroups();
    renderWithApp(<GroupsScreen connection={profile()} />);
    await userEvent.click((await screen.findAllByTestId('group-select'))[0] as HTMLElement);
    await userEvent.click(screen.getByText('g-a'));
    await screen.findByTestId('group-undo');
    expectAllowed(...writes);
  });
});
