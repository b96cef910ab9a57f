// Renders a component inside the app's providers with a fresh query client, for Vitest.
import { render } from '@testing-library/react';
import { QueryClient } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import { Providers } from '../app/providers';
import { WriteGuardProvider } from '../features/safety/WriteGuard';

/** `readOnly`: as the app shows a read-only connection's screens (every write control off). */
export function renderWithApp(ui: ReactElement, { readOnly = false }: { readOnly?: boolean } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return {
    client,
    ...render(
      <Providers client={client}>
        <WriteGuardProvider readOnly={readOnly}>{ui}</WriteGuardProvider>
      </Providers>,
    ),
  };
}
