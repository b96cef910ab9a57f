// Query keys and options of message lookups, scoped per connection: ["conn", id, "messages", ...].
// A lookup runs once asked (a null request skips it); searches keep their answer, since stored
// messages do not change.
import { queryOptions, skipToken } from '@tanstack/react-query';
import { commands, type BrowseRequest, type ConnectionId, type IdQuery, type KeyQuery } from '../../bindings';

export const messageKeys = {
  all: (id: ConnectionId) => ['conn', id, 'messages'] as const,
  byKey: (id: ConnectionId, query: KeyQuery | null) => [...messageKeys.all(id), 'byKey', query] as const,
  byId: (id: ConnectionId, query: IdQuery | null) => [...messageKeys.all(id), 'byId', query] as const,
  byOffsetId: (id: ConnectionId, offsetMsgId: string | null) => [...messageKeys.all(id), 'byOffsetId', offsetMsgId] as const,
  browse: (id: ConnectionId, request: BrowseRequest | null) => [...messageKeys.all(id), 'browse', request] as const,
  track: (id: ConnectionId, offsetMsgId: string) => [...messageKeys.all(id), 'track', offsetMsgId] as const,
};

export const messageByKeyQuery = (id: ConnectionId, query: KeyQuery | null) =>
  queryOptions({
    queryKey: messageKeys.byKey(id, query),
    queryFn: query ? () => commands.messageByKey(id, query) : skipToken,
    retry: false,
    staleTime: Infinity,
  });

export const messageByIdQuery = (id: ConnectionId, query: IdQuery | null) =>
  queryOptions({
    queryKey: messageKeys.byId(id, query),
    queryFn: query ? () => commands.messageById(id, query) : skipToken,
    retry: false,
    staleTime: Infinity,
  });

export const messageByOffsetIdQuery = (id: ConnectionId, offsetMsgId: string | null) =>
  queryOptions({
    queryKey: messageKeys.byOffsetId(id, offsetMsgId),
    queryFn: offsetMsgId ? () => commands.messageByOffsetId(id, offsetMsgId) : skipToken,
  });

/** One page of a queue. */
export const messageBrowseQuery = (id: ConnectionId, request: BrowseRequest | null) =>
  queryOptions({
    queryKey: messageKeys.browse(id, request),
    queryFn: request ? () => commands.messageBrowse(id, request) : skipToken,
    retry: false,
    staleTime: Infinity,
  });

/** Which consumer groups consumed a message: asked for on demand, read fresh each time. */
export const messageTrackQuery = (id: ConnectionId, offsetMsgId: string) =>
  queryOptions({
    queryKey: messageKeys.track(id, offsetMsgId),
    queryFn: () => commands.messageTrack(id, offsetMsgId),
    retry: false,
  });
