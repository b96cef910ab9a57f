// Query keys and options of dead letters, scoped per connection: ["conn", id, "dlq", ...].
import { queryOptions, skipToken } from '@tanstack/react-query';
import { commands, type ConnectionId, type DlqBrowseRequest, type ReplayRequest } from '../../bindings';

export const dlqKeys = {
  all: (id: ConnectionId) => ['conn', id, 'dlq'] as const,
  overview: (id: ConnectionId) => [...dlqKeys.all(id), 'overview'] as const,
};

export const dlqOverviewQuery = (id: ConnectionId) =>
  queryOptions({
    queryKey: dlqKeys.overview(id),
    queryFn: () => commands.dlqOverview(id),
    staleTime: 10_000,
    refetchInterval: 30_000,
  });

export const dlqBrowseKeys = {
  browse: (id: ConnectionId, request: DlqBrowseRequest | null) => [...dlqKeys.all(id), 'browse', request] as const,
  replays: (id: ConnectionId) => [...dlqKeys.all(id), 'replays'] as const,
  report: (id: ConnectionId, replayId: string) => [...dlqKeys.all(id), 'report', replayId] as const,
  dryRun: (id: ConnectionId, request: ReplayRequest | null) => [...dlqKeys.all(id), 'dryRun', request] as const,
};

/** A group's dead letters: asked for on demand (a null request skips it). */
export const dlqBrowseQuery = (id: ConnectionId, request: DlqBrowseRequest | null) =>
  queryOptions({
    queryKey: dlqBrowseKeys.browse(id, request),
    queryFn: request ? () => commands.dlqBrowse(id, request) : skipToken,
    retry: false,
  });

/** The replays of a connection (the journal), refreshed while one may run. */
export const dlqReplaysQuery = (id: ConnectionId) =>
  queryOptions({
    queryKey: dlqBrowseKeys.replays(id),
    queryFn: () => commands.dlqReplays(id),
    refetchInterval: 5_000,
  });

export const dlqReplayReportQuery = (id: ConnectionId, replayId: string | null) =>
  queryOptions({
    queryKey: dlqBrowseKeys.report(id, replayId ?? ''),
    queryFn: replayId ? () => commands.dlqReplayReport(replayId) : skipToken,
  });

/** The dry run of a replay. */
export const dlqDryRunQuery = (id: ConnectionId, request: ReplayRequest | null) =>
  queryOptions({
    queryKey: dlqBrowseKeys.dryRun(id, request),
    queryFn: request ? () => commands.dlqPlanReplay(id, request) : skipToken,
    retry: false,
  });
