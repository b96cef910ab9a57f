// Query keys and query options of saved connections.
import { queryOptions } from '@tanstack/react-query';
import { commands } from '../../bindings';

export const connectionKeys = {
  all: ['connections'] as const,
  list: () => [...connectionKeys.all, 'list'] as const,
  appInfo: ['app', 'info'] as const,
};

export const connectionListQuery = () =>
  queryOptions({
    queryKey: connectionKeys.list(),
    queryFn: () => commands.connectionList(),
    staleTime: 30_000,
  });

export const appInfoQuery = () =>
  queryOptions({
    queryKey: connectionKeys.appInfo,
    queryFn: () => commands.appInfo(),
    staleTime: Infinity,
  });
