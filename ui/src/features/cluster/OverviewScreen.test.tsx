import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { broker, overview, profile } from '../../test/fixtures';
import { renderWithApp } from '../../test/render';
import { OverviewScreen } from './routes/OverviewScreen';

afterEach(() => clearMocks());

describe('OverviewScreen', () => {
  it('lists every broker with its version and shows a dead one as down', async () => {
    mockIPC((cmd) => {
      if (cmd === 'cluster_overview') {
        return overview([
          broker(),
          broker({
            brokerName: 'broker-b',
            addr: '127.0.0.1:10921',
            status: 'missing',
            statusDetail: 'No longer registered with any name server (stopped or crashed).',
            version: null,
            putTps: null,
          }),
        ]);
      }
      throw new Error(`unexpected ${cmd}`);
    });
    renderWithApp(<OverviewScreen connection={profile()} />);
    const names = await screen.findAllByTestId('broker-name');
    expect(names.map((n) => n.textContent)).toEqual(['broker-a', 'broker-b']);
    expect(screen.getAllByTestId('broker-version')[0]).toHaveTextContent('5.5.0');
    const statuses = screen.getAllByTestId('broker-status').map((s) => s.textContent);
    expect(statuses).toEqual(['up', 'down · unregistered']);
    expect(screen.getByText('1 broker down')).toBeInTheDocument();
    expect(screen.getByTestId('namesrv-badge')).toHaveTextContent('127.0.0.1:9876');
  });

  it('shows the error code, message and detail when the cluster cannot be reached', async () => {
    mockIPC(() => {
      throw { code: 'Unreachable', message: 'cannot reach 127.0.0.1:1', detail: 'connect refused', retryable: true };
    });
    renderWithApp(<OverviewScreen connection={profile()} />);
    const alert = await screen.findByTestId('overview-error');
    expect(alert).toHaveTextContent('[Unreachable]');
    expect(alert).toHaveTextContent('cannot reach 127.0.0.1:1');
    expect(alert).toHaveTextContent('connect refused');
  });

  it('opens a broker’s runtime stats and config', async () => {
    mockIPC((cmd, args) => {
      if (cmd === 'cluster_overview') return overview([broker()]);
      if (cmd === 'broker_detail') {
        expect((args as { addr: string }).addr).toBe('127.0.0.1:10911');
        return {
          addr: '127.0.0.1:10911',
          fetchedAt: Date.now(),
          runtime: [{ key: 'brokerVersionDesc', value: 'V5_5_0' }],
          config: [
            { key: 'brokerName', value: 'broker-a' },
            { key: 'listenPort', value: '10911' },
          ],
        };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    renderWithApp(<OverviewScreen connection={profile()} />);
    await userEvent.click(await screen.findByText('broker-a'));
    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByText('brokerVersionDesc')).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('tab', { name: /Config/ }));
    await waitFor(() => expect(within(dialog).getByText('listenPort')).toBeInTheDocument());
  });
});
