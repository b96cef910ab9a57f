import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { DlqOverview, DlqRow } from '../../bindings';
import { profile } from '../../test/fixtures';
import { renderWithApp } from '../../test/render';
import { DlqScreen, growthOf, sortDlq } from './routes/DlqScreen';

afterEach(() => clearMocks());

const row = (group: string, messages: string, over: Partial<DlqRow> = {}): DlqRow => ({
  group,
  dlqTopic: `%DLQ%${group}`,
  messages,
  oldest: 1_764_000_000_000,
  newest: 1_764_000_100_000,
  perm: 'RW',
  readable: true,
  brokers: ['broker-a'],
  retryBacklog: '0',
  retryNote: null,
  error: null,
  ...over,
});

const overview = (rows: DlqRow[]): DlqOverview => ({ fetchedAt: Date.now(), elapsedMs: 3, rows, failedBrokers: [] });

describe('DlqScreen', () => {
  it('lists groups with dead letters, flags an unreadable DLQ with its fix, and shows growth after a refresh', async () => {
    let round = 0;
    mockIPC((cmd) => {
      if (cmd === 'dlq_overview') {
        round += 1;
        return overview([row('billing', round === 1 ? '5' : '9'), row('legacy', '9007199254740993', { perm: 'W', readable: false, retryBacklog: null, retryNote: 'broker-a: down' })]);
      }
      if (cmd === 'topic_list') return { fetchedAt: Date.now(), elapsedMs: 1, topics: [], failedBrokers: [] };
      if (cmd === 'dlq_replays') return [];
      return null;
    });
    renderWithApp(<DlqScreen connection={profile()} />);
    await waitFor(() => expect(screen.getByTestId('dlq-summary').textContent).toContain('2 group(s)'));
    expect(screen.getByTestId('dlq-summary').textContent).toContain('9,007,199,254,740,998');
    expect(screen.getByTestId('dlq-unreadable-alert')).toBeTruthy();
    expect(screen.getByTestId('dlq-unreadable').textContent).toContain('cannot be read (W)');
    expect(screen.getByTestId('dlq-fix-perm')).toBeTruthy();
    expect(screen.queryAllByTestId('dlq-growth')).toHaveLength(0);
    await userEvent.click(screen.getByText('Refresh'));
    await waitFor(() => expect(screen.getAllByTestId('dlq-growth').map((e) => e.textContent)).toContain('+4'));
    const table = screen.getByTestId('dlq-table');
    expect(within(table).getAllByRole('row')[1]?.textContent).toContain('legacy');
  });

  it('sorts by any column, 64-bit counts exactly', () => {
    const rows = [row('a', '9007199254740993'), row('b', '9007199254740992'), row('c', '1', { retryBacklog: null })];
    const g = growthOf(null, overview(rows));
    expect(sortDlq(rows, g, 'messages', true).map((r) => r.group)).toEqual(['a', 'b', 'c']);
    expect(sortDlq(rows, g, 'group', false).map((r) => r.group)).toEqual(['a', 'b', 'c']);
    expect(sortDlq(rows, g, 'retry', false).map((r) => r.group)).toEqual(['c', 'a', 'b']);
    const later = growthOf(overview(rows), overview([row('a', '9007199254740995'), row('b', '9007199254740992')]));
    expect(later.get('%DLQ%a')).toBe(2n);
    expect(later.get('%DLQ%b')).toBe(0n);
  });
});
