import { QueryCache, QueryClient } from '@tanstack/react-query';
import { toIpcError } from '../ipc/errors';

// Server state lives here. Reads retry once for transient codes only; screens show their own
// errors inline, so the cache does not toast on every background refresh.
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache(),
    defaultOptions: {
      queries: {
        retry: (failures, e) => failures < 1 && toIpcError(e).retryable,
        refetchOnWindowFocus: false,
      },
    },
  });
}
