// The backend says what is stale: ResourceInvalidated { connectionId, scope } invalidates exactly
// the ["conn", connectionId, ...scope] subtree; ConnectionsChanged invalidates the connection list.
import type { QueryClient } from '@tanstack/react-query';
import { events } from '../bindings';
import { connectionKeys } from '../features/connections/api';

export async function listenForInvalidation(client: QueryClient): Promise<() => void> {
  const unlisten = await Promise.all([
    events.resourceInvalidated.listen((e) => {
      const { connectionId, scope } = e.payload;
      void client.invalidateQueries({ queryKey: ['conn', connectionId, ...scope] });
    }),
    events.connectionsChanged.listen(() => {
      void client.invalidateQueries({ queryKey: connectionKeys.all });
    }),
  ]);
  return () => unlisten.forEach((u) => u());
}
