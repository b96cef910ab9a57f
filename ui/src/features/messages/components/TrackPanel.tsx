// Which consumer groups of the topic have consumed a message: each group's committed offset on the
// message's queue against the message's offset, its subscription (a tag it does not take is
// "consumed but filtered") and whether it is online.
import { Badge, Button, Group, Loader, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ConnectionId, TrackRow, TrackStatus } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { SmallTable } from '../../../components/SmallTable';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset } from '../../../lib/format';
import { messageTrackQuery } from '../api';

const STATUS: Record<TrackStatus, [string, string]> = {
  consumed: ['consumed', 'green'],
  consumedButFiltered: ['consumed, filtered out', 'teal'],
  notConsumedYet: ['not consumed yet', 'orange'],
  unknown: ['unknown', 'gray'],
};

const COLUMNS: Column<TrackRow>[] = [
  { key: 'group', header: 'Group', mono: true, render: (r) => r.group },
  {
    key: 'status',
    header: 'Status',
    render: (r) => (
      <>
        <Badge size="xs" variant="light" color={STATUS[r.status][1]}>
          {STATUS[r.status][0]}
        </Badge>
        {r.note ? <Text size="10px" c="dimmed">{r.note}</Text> : null}
      </>
    ),
  },
  { key: 'online', header: 'Online', render: (r) => (r.online ? 'yes' : 'no') },
  { key: 'offset', header: 'Group offset', numeric: true, render: (r) => formatOffset(r.consumerOffset) },
  { key: 'subscription', header: 'Subscription', mono: true, render: (r) => r.subscription ?? '—' },
];

export function TrackPanel({ connectionId, offsetMsgId }: { connectionId: ConnectionId; offsetMsgId: string }) {
  const [asked, setAsked] = useState(false);
  const q = useQuery({ ...messageTrackQuery(connectionId, offsetMsgId), enabled: asked });
  if (!asked) {
    return (
      <Group>
        <Button size="compact-xs" variant="light" onClick={() => setAsked(true)} data-testid="track-show">
          Which groups consumed it?
        </Button>
      </Group>
    );
  }
  if (q.isLoading) return <Loader size="xs" />;
  if (q.error) return <ErrorAlert error={toIpcError(q.error)} />;
  const t = q.data;
  if (!t) return null;
  return (
    <>
      <Group gap="xs">
        <Text size="xs" fw={700}>
          Consumed by
        </Text>
        <Text size="xs" c="dimmed">
          {t.brokerName} #{t.queueId} at offset {formatOffset(t.queueOffset)}
        </Text>
      </Group>
      <SmallTable
        rows={t.rows}
        columns={COLUMNS}
        rowKey={(r) => r.group}
        empty="No consumer group has offsets on this topic or is online."
        testId="track-table"
        rowTestId="track-row"
      />
    </>
  );
}
