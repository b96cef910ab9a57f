// Query keys and options of the Overview, scoped per connection: ["conn", id, "cluster", ...].
import { queryOptions } from '@tanstack/react-query';
import { commands, type ConnectionId } from '../../bindings';

/** Background refresh period of the Overview. */
export const OVERVIEW_REFRESH_MS = 10_000;

export const clusterKeys = {
  all: (id: ConnectionId) => ['conn', id, 'cluster'] as const,
  overview: (id: ConnectionId) => [...clusterKeys.all(id), 'overview'] as const,
  broker: (id: ConnectionId, addr: string) => [...clusterKeys.all(id), 'broker', addr] as const,
};

export const overviewQuery = (id: ConnectionId) =>
  queryOptions({
    queryKey: clusterKeys.overview(id),
    queryFn: () => commands.clusterOverview(id),
    refetchInterval: OVERVIEW_REFRESH_MS,
    refetchIntervalInBackground: true,
    staleTime: 5_000,
  });

export const brokerDetailQuery = (id: ConnectionId, addr: string) =>
  queryOptions({
    queryKey: clusterKeys.broker(id, addr),
    queryFn: () => commands.brokerDetail(id, addr),
    staleTime: 5_000,
  });
