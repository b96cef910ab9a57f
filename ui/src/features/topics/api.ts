// Query keys and options of topics, scoped per connection: ["conn", id, "topics", ...].
import { queryOptions } from '@tanstack/react-query';
import { commands, type ConnectionId } from '../../bindings';

export const topicKeys = {
  all: (id: ConnectionId) => ['conn', id, 'topics'] as const,
  list: (id: ConnectionId) => [...topicKeys.all(id), 'list'] as const,
  /** Every stats request of the connection (a prefix); `statsOf` is one request. */
  stats: (id: ConnectionId) => [...topicKeys.all(id), 'stats'] as const,
  statsOf: (id: ConnectionId, names: string[]) => [...topicKeys.stats(id), names] as const,
  consumers: (id: ConnectionId, topic: string) => [...topicKeys.all(id), 'consumers', topic] as const,
  detail: (id: ConnectionId, topic: string) => [...topicKeys.all(id), 'detail', topic] as const,
};

export const topicListQuery = (id: ConnectionId) =>
  queryOptions({
    queryKey: topicKeys.list(id),
    queryFn: () => commands.topicList(id),
    staleTime: 15_000,
    refetchInterval: 60_000,
  });

/** Stored messages and last write of the rows a list shows, filled in lazily. */
export const topicStatsQuery = (id: ConnectionId, names: string[]) =>
  queryOptions({
    queryKey: topicKeys.statsOf(id, names),
    queryFn: () => commands.topicStats(id, names),
    enabled: names.length > 0,
    staleTime: 30_000,
  });

export const topicConsumersQuery = (id: ConnectionId, topic: string) =>
  queryOptions({
    queryKey: topicKeys.consumers(id, topic),
    queryFn: () => commands.topicConsumers(id, topic),
    staleTime: 5_000,
  });

export const topicDetailQuery = (id: ConnectionId, topic: string) =>
  queryOptions({
    queryKey: topicKeys.detail(id, topic),
    queryFn: () => commands.topicDetail(id, topic),
    staleTime: 5_000,
  });
