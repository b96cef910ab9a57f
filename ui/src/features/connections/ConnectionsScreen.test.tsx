import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionDraft } from '../../bindings';
import { profile } from '../../test/fixtures';
import { renderWithApp } from '../../test/render';
import { ConnectionsScreen } from './routes/ConnectionsScreen';

afterEach(() => clearMocks());

const appInfo = { version: '0.1.0', dataDir: '/d', logDir: '/l', keychain: { available: true, detail: null } };

describe('ConnectionsScreen', () => {
  it('lists saved connections with their ACL state', async () => {
    mockIPC((cmd) => {
      if (cmd === 'connection_list') return [profile(), profile({ id: 'c-2', name: 'prod', readOnly: true, accessKey: 'ak', secretState: 'keychain' })];
      if (cmd === 'app_info') return appInfo;
      throw new Error(cmd);
    });
    renderWithApp(<ConnectionsScreen />);
    const rows = await screen.findAllByTestId('conn-row-name');
    expect(rows.map((r) => r.textContent)).toEqual(['Local sandbox', 'prod']);
    expect(screen.getByText('ACL · keychain')).toBeInTheDocument();
    expect(screen.getByText('read-only')).toBeInTheDocument();
  });

  it('exports profiles for copying or saving, without secrets', async () => {
    const json = '{"format":"rmq-console-connections","version":1,"connections":[{"name":"prod","accessKey":"ak"}]}';
    mockIPC((cmd, args) => {
      if (cmd === 'connection_list') return [profile()];
      if (cmd === 'app_info') return appInfo;
      if (cmd === 'connection_export') {
        expect((args as { ids: string[] }).ids).toEqual([]);
        return json;
      }
      throw new Error(cmd);
    });
    renderWithApp(<ConnectionsScreen />);
    await userEvent.click(await screen.findByTestId('conn-export-all'));
    expect(await screen.findByTestId('export-json')).toHaveValue(json);
    expect(screen.getByText(/secret keys are never exported/)).toBeInTheDocument();
  });

  it('saves a new connection with what was typed, and shows a validation error with its code', async () => {
    const created: ConnectionDraft[] = [];
    let fail = true;
    mockIPC((cmd, args) => {
      if (cmd === 'connection_list') return [];
      if (cmd === 'app_info') return appInfo;
      if (cmd === 'connection_create') {
        const draft = (args as { draft: ConnectionDraft }).draft;
        if (fail) {
          fail = false;
          throw { code: 'Validation', message: "'localhost' is not a name-server address", detail: null, retryable: false };
        }
        created.push(draft);
        return profile({ name: draft.name });
      }
      throw new Error(cmd);
    });
    renderWithApp(<ConnectionsScreen />);
    await userEvent.click(await screen.findByTestId('conn-new'));
    await userEvent.type(await screen.findByTestId('conn-name'), 'staging');
    await userEvent.type(screen.getByTestId('conn-namesrv'), 'localhost');
    await userEvent.click(screen.getByTestId('conn-save'));
    expect(await screen.findByText(/Invalid input \[Validation\]/)).toBeInTheDocument();
    await userEvent.clear(screen.getByTestId('conn-namesrv'));
    await userEvent.type(screen.getByTestId('conn-namesrv'), '10.0.0.1:9876;10.0.0.2:9876');
    await userEvent.click(screen.getByTestId('conn-save'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({ name: 'staging', namesrvAddrs: '10.0.0.1:9876;10.0.0.2:9876', readOnly: false });
  });

  it('sets TLS and address rewrites, warns on accept-any, and shows the TLS session and the rewrites applied', async () => {
    const tested: ConnectionDraft[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'connection_list') return [];
      if (cmd === 'app_info') return appInfo;
      if (cmd === 'connection_test') {
        tested.push((args as { draft: ConnectionDraft }).draft);
        return {
          rttMs: 3,
          clusters: ['c'],
          brokerCount: 1,
          brokers: [{ brokerName: 'broker-a', addr: 'broker-a.invalid:10911', version: 'V5_5_0', error: null }],
          nameServers: [],
          tls: [
            {
              addr: '127.0.0.1:9876',
              protocol: 'TLSv1_3',
              cipherSuite: 'TLS13_AES_256_GCM_SHA384',
              subject: 'CN=localhost',
              issuer: 'CN=rmq-console test CA',
              notAfter: 2_000_000_000_000,
              unverified: true,
            },
          ],
          rewrites: [{ from: 'broker-a.invalid:10911', to: '127.0.0.1:10911' }],
        };
      }
      throw new Error(cmd);
    });
    renderWithApp(<ConnectionsScreen />);
    await userEvent.click(await screen.findByTestId('conn-new'));
    await userEvent.type(await screen.findByTestId('conn-namesrv'), '127.0.0.1:9876');
    await userEvent.click(screen.getByText('TLS'));
    await userEvent.click(screen.getByTestId('conn-tls-verify'));
    await userEvent.click(await screen.findByText('Accept any certificate (insecure)'));
    expect(await screen.findByTestId('conn-tls-insecure')).toHaveTextContent('will not be checked');
    await userEvent.click(screen.getByTestId('conn-rewrite-add'));
    await userEvent.type(screen.getByTestId('conn-rewrite-from-0'), 'broker-a.invalid');
    await userEvent.type(screen.getByTestId('conn-rewrite-to-0'), '127.0.0.1');
    await userEvent.click(screen.getByTestId('conn-test'));
    expect(await screen.findByTestId('test-tls')).toHaveTextContent('TLSv1_3');
    expect(screen.getByTestId('test-tls')).toHaveTextContent('not verified');
    expect(screen.getByTestId('test-rewrites')).toHaveTextContent('broker-a.invalid:10911 → 127.0.0.1:10911');
    expect(tested[0]).toMatchObject({
      tls: { verify: { kind: 'acceptAny' }, clientCert: null, clientKey: null },
      rewrites: [{ from: 'broker-a.invalid', to: '127.0.0.1' }],
    });
  });
});
