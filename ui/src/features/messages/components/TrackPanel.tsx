// Which consumer groups of the topic have consumed a message: each group's committed offset on the
// message's queue against the message's offset, its subscription (a tag it does not take is
// "consumed but filtered") and whether it is online.
import { Badge, Button, Group, Loader, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type ConnectionId, type TrackStatus } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { toIpcError } from '../../../ipc/errors';
import { formatOffset } from '../../../lib/format';

const STATUS: Record<TrackStatus, [string, string]> = {
  consumed: ['consumed', 'green'],
  consumedButFiltered: ['consumed, filtered out', 'teal'],
  notConsumedYet: ['not consumed yet', 'orange'],
  unknown: ['unknown', 'gray'],
};

export function TrackPanel({ connectionId, offsetMsgId }: { connectionId: ConnectionId; offsetMsgId: string }) {
  const [asked, setAsked] = useState(false);
  const q = useQuery({
    queryKey: ['conn', connectionId, 'messages', 'track', offsetMsgId],
    queryFn: () => commands.messageTrack(connectionId, offsetMsgId),
    enabled: asked,
    retry: false,
  });
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
      <Table fz="xs" verticalSpacing={2} withTableBorder data-testid="track-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Group</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Online</Table.Th>
            <Table.Th ta="right">Group offset</Table.Th>
            <Table.Th>Subscription</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {t.rows.length === 0 ? (
            <Table.Tr>
              <Table.Td colSpan={5} c="dimmed">
                No consumer group has offsets on this topic or is online.
              </Table.Td>
            </Table.Tr>
          ) : null}
          {t.rows.map((r) => (
            <Table.Tr key={r.group} data-testid="track-row">
              <Table.Td ff="monospace">{r.group}</Table.Td>
              <Table.Td>
                <Badge size="xs" variant="light" color={STATUS[r.status][1]}>
                  {STATUS[r.status][0]}
                </Badge>
                {r.note ? <Text size="10px" c="dimmed">{r.note}</Text> : null}
              </Table.Td>
              <Table.Td>{r.online ? 'yes' : 'no'}</Table.Td>
              <Table.Td ta="right">{formatOffset(r.consumerOffset)}</Table.Td>
              <Table.Td ff="monospace">{r.subscription ?? '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}
