import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { Providers } from './app/providers';
import { makeQueryClient } from './app/queryClient';
import { listenForInvalidation } from './ipc/invalidation';

const client = makeQueryClient();
void listenForInvalidation(client);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Providers client={client}>
        <App />
      </Providers>
    </StrictMode>,
  );
}
