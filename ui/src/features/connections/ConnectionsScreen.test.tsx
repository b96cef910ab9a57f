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
});
