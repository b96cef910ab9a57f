// Query keys and options of consumer groups, scoped per connection: ["conn", id, "groups", ...].
import { queryOptions, skipToken } from '@tanstack/react-query';
import { commands, type ConnectionId } from '../../bindings';

export const groupKeys = {
  all: (id: ConnectionId) => ['conn', id, 'groups'] as const,
  list: (id: ConnectionId) => [...groupKeys.all(id), 'list'] as const,
  activity: (id: ConnectionId) => [...groupKeys.all(id), 'activity'] as const,
  detail: (id: ConnectionId, group: string) => [...groupKeys.all(id), 'detail', group] as const,
  snapshots: (id: ConnectionId, group: string) => [...groupKeys.all(id), 'snapshots', group] as const,
  client: (id: ConnectionId, group: string, clientId: string, jstack: boolean) => [...groupKeys.all(id), 'client', group, clientId, jstack] as const,
};

/** Fresh on every refresh: lag is only worth something when it is current. */
export const groupListQuery = (id: ConnectionId) =>
  queryOptions({
    queryKey: groupKeys.list(id),
    queryFn: () => commands.groupList(id, null),
    staleTime: 5_000,
    refetchInterval: 30_000,
  });

/**
 * The same list with each group's consume TPS and last consume time: one consume-stats call per
 * group and topic on the brokers, so it comes after the lag and fills those two columns.
 */
export const groupActivityQuery = (id: ConnectionId) =>
  queryOptions({
    queryKey: groupKeys.activity(id),
    queryFn: () => commands.groupList(id, { clients: false, stats: 'offsetTable', activity: true }),
    staleTime: 5_000,
    refetchInterval: 30_000,
  });

export const groupDetailQuery = (id: ConnectionId, group: string) =>
  queryOptions({
    queryKey: groupKeys.detail(id, group),
    queryFn: () => commands.groupDetail(id, group),
    staleTime: 3_000,
    refetchInterval: 15_000,
  });

export const groupSnapshotsQuery = (id: ConnectionId, group: string) =>
  queryOptions({
    queryKey: groupKeys.snapshots(id, group),
    queryFn: () => commands.offsetSnapshots(id, group),
    staleTime: 0,
  });

/** A client's running info (or thread dump), asked through its broker: read fresh each time. */
export const groupClientInfoQuery = (id: ConnectionId, group: string, client: { id: string; jstack: boolean } | null) =>
  queryOptions({
    queryKey: groupKeys.client(id, group, client?.id ?? '', client?.jstack ?? false),
    queryFn: client ? () => commands.groupClientInfo(id, group, client.id, client.jstack) : skipToken,
    gcTime: 0,
    retry: false,
  });
