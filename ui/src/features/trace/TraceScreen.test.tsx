import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageTrace, TraceLookup, TraceQuery } from '../../bindings';
import { profile } from '../../test/fixtures';
import { renderWithApp } from '../../test/render';
import { formatLatency } from './components/TraceTimeline';
import { TraceScreen } from './routes/TraceScreen';

afterEach(() => clearMocks());

const ID = '7F0000010B5C18B4AAC21C5F3C2A0000';

const trace: MessageTrace = {
  msgId: ID,
  topic: 'Orders',
  keys: 'order-1',
  sends: [
    {
      record: {
        timestamp: 1_764_000_000_000,
        region: 'DefaultRegion',
        group: 'orders-pg',
        topic: 'Orders',
        msgId: ID,
        tags: 'TagA',
        keys: 'order-1',
        storeHost: '127.0.0.1:10911',
        bodyLength: 42,
        costMs: 3,
        msgType: 'normal',
        offsetMsgId: '7F00000100002A9F0000000000000100',
        success: true,
        clientHost: null,
      },
      client: '127.0.0.1:40001',
    },
  ],
  store: {
    topic: 'Orders',
    storeHost: '127.0.0.1:10911',
    offsetMsgId: '7F00000100002A9F0000000000000100',
    queueId: 1,
    queueOffset: '9007199254740993',
    bornTimestamp: 1_764_000_000_000,
    storeTimestamp: 1_764_000_000_002,
    latencyMs: 2,
  },
  groups: [
    {
      group: 'orders-cg',
      consumed: true,
      totalMs: 11_014,
      attempts: [
        { requestId: 'r1', client: '127.0.0.1:50002', retryTimes: 0, start: 1_764_000_000_010, end: 1_764_000_000_016, costMs: 6, outcome: 'failed', result: 'failed', waitedMs: 8 },
        { requestId: 'r2', client: '127.0.0.1:50002', retryTimes: 1, start: 1_764_000_011_010, end: 1_764_000_011_014, costMs: 4, outcome: 'success', result: 'success', waitedMs: 10_994 },
      ],
    },
  ],
  transactions: [],
  recalls: [],
  totalMs: 11_014,
  notes: [],
};

const lookup = (over: Partial<TraceLookup> = {}): TraceLookup => ({
  traceTopic: 'RMQ_SYS_TRACE_TOPIC',
  begin: 0,
  end: 1_764_000_100_000,
  traces: [trace],
  traceMessages: 3,
  records: 5,
  malformed: [],
  notes: [],
  failedBrokers: [],
  elapsedMs: 4,
  ...over,
});

describe('TraceScreen', () => {
  it('shows the send, the store and each attempt with its wait, cost and result', async () => {
    const asked: TraceQuery[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'message_trace') {
        asked.push((args as { query: TraceQuery }).query);
        return lookup();
      }
      return null;
    });
    renderWithApp(<TraceScreen connection={profile()} />);
    await userEvent.type(screen.getByTestId('trace-input'), ` ${ID} `);
    await userEvent.click(screen.getByTestId('trace-search'));
    await waitFor(() => expect(screen.getByTestId('trace-message')).toBeTruthy());
    expect(asked[0]).toMatchObject({ msgId: ID, key: null, traceTopic: null });
    expect(screen.getByTestId('trace-send').textContent).toContain('orders-pg');
    expect(screen.getByTestId('trace-send').textContent).toContain('127.0.0.1:40001');
    expect(screen.getByTestId('trace-store').textContent).toContain('9,007,199,254,740,993');
    const [first, retry] = screen.getAllByTestId('trace-attempt');
    expect(screen.getAllByTestId('trace-attempt')).toHaveLength(2);
    expect(within(first as HTMLElement).getByText('failed')).toBeTruthy();
    expect(retry?.textContent).toContain('retry 1');
    expect(retry?.textContent).toContain('11.0 s');
    expect(screen.getByTestId('trace-total').textContent).toContain('11.0 s');
    expect(screen.getByTestId('trace-stats').textContent).toContain('3 trace messages read from RMQ_SYS_TRACE_TOPIC');
  });

  it('explains a missing trace instead of showing an empty screen, and asks by key in another topic', async () => {
    const asked: TraceQuery[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'message_trace') {
        asked.push((args as { query: TraceQuery }).query);
        return lookup({ traces: [], traceMessages: 0, records: 0, notes: ["The trace topic 'MY_TRACE' does not exist on this cluster."] });
      }
      return null;
    });
    renderWithApp(<TraceScreen connection={profile()} />);
    await userEvent.click(screen.getByText('By business key'));
    await userEvent.type(screen.getByTestId('trace-input'), 'order-1');
    await userEvent.type(screen.getByTestId('trace-topic'), 'MY_TRACE');
    await userEvent.click(screen.getByTestId('trace-search'));
    await waitFor(() => expect(screen.getByTestId('trace-notes').textContent).toContain('does not exist'));
    expect(screen.getByText('No trace found')).toBeTruthy();
    expect(asked[0]).toMatchObject({ msgId: null, key: 'order-1', traceTopic: 'MY_TRACE' });
    expect(typeof asked[0]?.begin).toBe('number');
  });

  it('formats latencies for people', () => {
    expect(formatLatency(850)).toBe('850 ms');
    expect(formatLatency(1234)).toBe('1.23 s');
    expect(formatLatency(-20)).toBe('−20 ms');
    expect(formatLatency(125_000)).toBe('2 min 5 s');
    expect(formatLatency(null)).toBe('—');
  });
});
