// Query keys of change previews: ["preview", action, connectionId, input]. A preview reads the
// cluster's current state for one change; another input is another plan.
import type { ConnectionId } from '../../bindings';

export const previewKeys = {
  all: () => ['preview'] as const,
  plan: (action: string, id: ConnectionId, input: unknown) => [...previewKeys.all(), action, id, JSON.stringify(input)] as const,
};
