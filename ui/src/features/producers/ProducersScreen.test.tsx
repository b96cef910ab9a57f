import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProducerListing, ProducerQuery } from '../../bindings';
import { profile } from '../../test/fixtures';
import { renderWithApp } from '../../test/render';
import { ProducersScreen } from './routes/ProducersScreen';

afterEach(() => clearMocks());

const client = (clientId: string) => ({ clientId, addr: '10.0.0.1:5000', language: 'JAVA', version: 475, brokers: ['broker-a'], lastHeartbeat: null });

describe('ProducersScreen', () => {
  it('lists discovered groups without system ones, and looks a named group up', async () => {
    const queries: ProducerQuery[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'producer_list') throw new Error(cmd);
      const q = (args as { query: ProducerQuery }).query;
      queries.push(q);
      const listing: ProducerListing = {
        fetchedAt: Date.now(),
        discoverySupported: q.group !== null,
        failedBrokers: [],
        groups: q.group ? [{ group: q.group, system: false, clients: [client('c-9')] }] : [],
      };
      return listing;
    });
    renderWithApp(<ProducersScreen connection={profile()} />);
    expect(await screen.findByTestId('producers-no-discovery')).toHaveTextContent('enter a producer group');
    await userEvent.type(screen.getByTestId('producers-group'), 'pg-orders');
    await waitFor(() => expect(screen.getAllByTestId('producer-group').map((n) => n.textContent)).toEqual(['pg-orders']));
    expect(queries.at(-1)).toEqual({ topic: null, group: 'pg-orders' });
    expect(screen.getByTestId('producers-table')).toHaveTextContent('c-9');
  });
});
