import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditFilter } from '../../bindings';
import { profile } from '../../test/fixtures';
import { entry } from '../../test/plans';
import { renderWithApp } from '../../test/render';
import { AuditScreen } from './routes/AuditScreen';

afterEach(() => clearMocks());

describe('AuditScreen', () => {
  it('lists entries newest first, filters by outcome and opens before/after', async () => {
    const filters: AuditFilter[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'connection_list') return [profile()];
      if (cmd === 'audit_list') {
        const f = (args as { filter: AuditFilter }).filter;
        filters.push(f);
        const all = [
          entry({ id: 2, action: 'topic.delete', target: 'Old', outcome: 'refused', errorCode: 'ReadOnly', error: 'read-only' }),
          entry({ id: 1 }),
        ];
        return f.outcome ? all.filter((e) => e.outcome === f.outcome) : all;
      }
      throw new Error(cmd);
    });
    renderWithApp(<AuditScreen />);
    await waitFor(() => expect(screen.getAllByTestId('audit-row-action').map((n) => n.textContent)).toEqual(['topic.delete', 'topic.create']));
    await userEvent.click(screen.getByRole('radio', { name: 'Refused' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-row-action')).toHaveLength(1));
    expect(filters.at(-1)?.outcome).toBe('refused');
    await userEvent.click(screen.getByText('Old'));
    expect(await screen.findByTestId('audit-entry')).toHaveTextContent('ReadOnly: read-only');
  });
});
