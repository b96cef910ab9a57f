// The trace of one message, opened from its detail: looked up by its unique key (its topic given,
// so the store hop is read even when the producer did not trace), refreshable while it is consumed.
import { Button, Group, Loader, Modal, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { ConnectionId } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { toIpcError } from '../../../ipc/errors';
import { messageTraceQuery } from '../api';
import { TraceResult } from './TraceTimeline';

export function TraceModal({ connectionId, msgId, topic, onClose }: { connectionId: ConnectionId; msgId: string | null; topic: string; onClose: () => void }) {
  const q = useQuery(messageTraceQuery(connectionId, msgId ? { msgId, key: null, topic, begin: null, end: null, traceTopic: null } : null));
  return (
    <Modal opened={msgId !== null} onClose={onClose} size="xl" title={<Text fw={700}>Trace of {msgId}</Text>}>
      <Group justify="flex-end" mb="xs">
        <Button size="compact-xs" variant="subtle" leftSection={<IconRefresh size={12} />} loading={q.isFetching} onClick={() => void q.refetch()} data-testid="trace-refresh">
          Refresh
        </Button>
      </Group>
      {q.isLoading ? <Loader size="sm" /> : q.error ? <ErrorAlert error={toIpcError(q.error)} /> : q.data ? <TraceResult r={q.data} /> : null}
    </Modal>
  );
}
