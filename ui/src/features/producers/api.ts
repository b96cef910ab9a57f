// Query keys and options of producers, scoped per connection: ["conn", id, "producers", ...].
import { queryOptions } from '@tanstack/react-query';
import { commands, type ConnectionId, type ProducerQuery } from '../../bindings';

export const producerKeys = {
  all: (id: ConnectionId) => ['conn', id, 'producers'] as const,
  list: (id: ConnectionId, q: ProducerQuery) => [...producerKeys.all(id), 'list', q] as const,
};

export const producerListQuery = (id: ConnectionId, q: ProducerQuery) =>
  queryOptions({
    queryKey: producerKeys.list(id, q),
    queryFn: () => commands.producerList(id, q),
    staleTime: 5_000,
    refetchInterval: 30_000,
  });
