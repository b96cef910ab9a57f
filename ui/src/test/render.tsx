// Renders a component inside the app's providers with a fresh query client, for Vitest.
import { render } from '@testing-library/react';
import { QueryClient } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import { Providers } from '../app/providers';

export function renderWithApp(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return { client, ...render(<Providers client={client}>{ui}</Providers>) };
}
