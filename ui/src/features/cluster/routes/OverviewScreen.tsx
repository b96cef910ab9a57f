// Overview: every cluster, broker and name server of the active connection, refreshed in the
// background. A broker that stopped answering or vanished from the route is shown as down.
import { Alert, Badge, Card, Group, Stack, Text, Tooltip } from '@mantine/core';
import { IconServer2 } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { BrokerRow, ConnectionProfile } from '../../../bindings';
import { useWorkspace } from '../../../app/workspace';
import { ScreenHeader } from '../../../components/ScreenHeader';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { toIpcError } from '../../../ipc/errors';
import { overviewQuery } from '../api';
import { BrokerDetailDrawer } from '../components/BrokerDetailDrawer';
import { BrokerTable } from '../components/BrokerTable';

export function OverviewScreen({ connection }: { connection: ConnectionProfile }) {
  const q = useQuery(overviewQuery(connection.id));
  const ws = useWorkspace();
  const [picked, setPicked] = useState<string | null>(null);
  const data = q.data;
  const all = useMemo(() => data?.clusters.flatMap((c) => c.brokers) ?? [], [data]);
  const down = all.filter((b) => b.status !== 'up');
  // A broker picked here or in the Ctrl+K palette opens in the drawer.
  const selectedAddr = picked ?? ws.focusBroker;
  const selected = selectedAddr ? (all.find((x) => x.addr === selectedAddr) ?? null) : null;
  const closeDetail = () => {
    setPicked(null);
    ws.focus(null);
  };
  const err = q.error ? toIpcError(q.error) : null;
  return (
    <Stack gap="sm" data-testid="overview-screen">
      <ScreenHeader
        title="Overview"
        connection={connection}
        elapsedMs={data?.elapsedMs}
        fetchedAt={data?.fetchedAt ?? null}
        fetching={q.isFetching}
        onRefresh={() => void q.refetch()}
      />

      {err ? (
        <ErrorAlert error={err} testId="overview-error">
          {data ? (
            <Text size="xs" mt={4}>
              Showing the last data that arrived; retrying every 10 s.
            </Text>
          ) : null}
        </ErrorAlert>
      ) : null}

      {down.length > 0 ? (
        <Alert color="red" variant="light" title={`${down.length} broker${down.length > 1 ? 's' : ''} down`}>
          {down.map((b) => `${b.brokerName} (${b.addr})`).join(', ')}
        </Alert>
      ) : null}

      {data ? (
        <Card withBorder padding="xs">
          <Group gap="xs">
            <Text size="xs" fw={600}>
              Name servers
            </Text>
            {data.nameServers.map((n) => (
              <Tooltip key={n.addr} label={n.error ?? `Round trip ${n.rttMs?.toFixed(1)} ms`}>
                <Badge
                  size="sm"
                  variant="light"
                  color={n.reachable ? 'green' : 'red'}
                  leftSection={<IconServer2 size={12} />}
                  data-testid="namesrv-badge"
                >
                  {n.addr} · {n.reachable ? `${n.rttMs?.toFixed(1)} ms` : 'unreachable'}
                </Badge>
              </Tooltip>
            ))}
          </Group>
        </Card>
      ) : null}

      {data?.clusters.map((c) => (
        <Card key={c.name} withBorder padding="xs">
          <Group justify="space-between" mb={6}>
            <Group gap="xs">
              <Text fw={600} size="sm">
                {c.name}
              </Text>
              <Badge size="xs" variant="default">
                {c.brokers.length} broker{c.brokers.length === 1 ? '' : 's'}
              </Badge>
            </Group>
            <Text size="xs" c="dimmed">
              Click a broker for its runtime stats and config
            </Text>
          </Group>
          <BrokerTable brokers={c.brokers} onOpen={(b: BrokerRow) => setPicked(b.addr)} />
        </Card>
      ))}
      {data && data.clusters.length === 0 ? (
        <Alert color="yellow" title="No broker registered">
          The name servers answered, but no broker is registered with them.
        </Alert>
      ) : null}

      <BrokerDetailDrawer
        connectionId={connection.id}
        addr={selected?.addr ?? null}
        title={selected ? `${selected.brokerName} · ${selected.addr}` : ''}
        onClose={closeDetail}
      />
    </Stack>
  );
}
