import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionProfile } from '../bindings';
import { broker, overview, profile } from '../test/fixtures';
import { renderWithApp } from '../test/render';
import { expectAllowed, expectRefused } from '../test/writeGuard';
import { App } from './App';
import { SCREENS } from './screens';

afterEach(() => {
  clearMocks();
  localStorage.clear();
});

function openApp(p: ConnectionProfile) {
  localStorage.setItem('rmq-console.workspace', JSON.stringify({ openIds: [p.id], activeId: p.id }));
  mockIPC((cmd) => {
    if (cmd === 'connection_list') return [p];
    if (cmd === 'cluster_overview') return overview([broker()]);
    if (cmd === 'topic_list') return { fetchedAt: Date.now(), elapsedMs: 1, topics: [], failedBrokers: [] };
    if (cmd === 'topic_stats') return [];
    throw new Error(cmd);
  });
  renderWithApp(<App />);
}

describe('App', () => {
  it('offers every declared screen in the navigation and shows the one picked', async () => {
    openApp(profile());
    expect(await screen.findByTestId('overview-screen')).toBeInTheDocument();
    for (const s of SCREENS) expect(screen.getByTestId(`nav-${s.id}`)).toHaveTextContent(s.label);
    await userEvent.click(screen.getByTestId('nav-topics'));
    expect(await screen.findByTestId('topics-screen')).toBeInTheDocument();
  });

  it('turns write controls off on a read-only connection', async () => {
    openApp(profile({ readOnly: true }));
    await userEvent.click(await screen.findByTestId('nav-topics'));
    await waitFor(() => expectRefused('topic-create'));
  });

  it('leaves write controls on for a writable connection', async () => {
    openApp(profile());
    await userEvent.click(await screen.findByTestId('nav-topics'));
    await waitFor(() => expectAllowed('topic-create'));
  });
});
