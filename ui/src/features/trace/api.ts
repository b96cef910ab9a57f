// Query keys and options of message traces, scoped per connection: ["conn", id, "trace", query].
// A lookup runs once asked (a null query skips it) and is read fresh when asked again: records of
// a message still being consumed keep arriving.
import { queryOptions, skipToken } from '@tanstack/react-query';
import { commands, type ConnectionId, type TraceQuery } from '../../bindings';

export const traceKeys = {
  all: (id: ConnectionId) => ['conn', id, 'trace'] as const,
  lookup: (id: ConnectionId, query: TraceQuery | null) => [...traceKeys.all(id), 'lookup', query] as const,
};

export const messageTraceQuery = (id: ConnectionId, query: TraceQuery | null) =>
  queryOptions({
    queryKey: traceKeys.lookup(id, query),
    queryFn: query ? () => commands.messageTrace(id, query) : skipToken,
    retry: false,
  });
