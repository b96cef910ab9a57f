// Producers: the producer groups connected to the cluster's brokers (discovered on 5.x) or the
// online clients of one named group (any version), optionally narrowed to a topic's brokers.
import { Alert, Group, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ConnectionProfile } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { ScreenHeader } from '../../../components/ScreenHeader';
import { toIpcError } from '../../../ipc/errors';
import { producerListQuery } from '../api';
import { ProducerGroupsTable } from '../components/ProducerGroupsTable';


export function ProducersScreen({ connection }: { connection: ConnectionProfile }) {
  const [topic, setTopic] = useState('');
  const [group, setGroup] = useState('');
  const [showSystem, setShowSystem] = useState(false);
  const [t] = useDebouncedValue(topic.trim(), 300);
  const [g] = useDebouncedValue(group.trim(), 300);
  const q = useMemo(() => ({ topic: t || null, group: g || null }), [t, g]);
  const list = useQuery(producerListQuery(connection.id, q));
  const err = list.error ? toIpcError(list.error) : null;
  const groups = (list.data?.groups ?? []).filter((g) => showSystem || q.group !== null || !g.system);
  return (
    <Stack gap="sm" data-testid="producers-screen">
      <ScreenHeader
        title="Producers"
        connection={connection}
        elapsedMs={null}
        fetchedAt={list.data?.fetchedAt ?? null}
        fetching={list.isFetching}
        onRefresh={() => void list.refetch()}
      />
      <Group gap="sm">
        <TextInput size="xs" w={260} label="Topic (optional)" placeholder="only the brokers hosting it" value={topic} onChange={(e) => setTopic(e.currentTarget.value)} data-testid="producers-topic" />
        <TextInput size="xs" w={260} label="Producer group (optional)" placeholder="look up one group" value={group} onChange={(e) => setGroup(e.currentTarget.value)} data-testid="producers-group" />
        <Switch size="xs" mt={18} label="System groups" checked={showSystem} onChange={(e) => setShowSystem(e.currentTarget.checked)} />
      </Group>
      {err ? <ErrorAlert error={err} /> : null}
      {list.data && !list.data.discoverySupported ? (
        <Alert color="blue" variant="light" data-testid="producers-no-discovery">
          These brokers do not list their producer groups (RocketMQ older than 4.9): enter a producer group to see its online clients.
        </Alert>
      ) : null}
      {list.data && list.data.failedBrokers.length > 0 ? (
        <Alert color="orange" variant="light" title="Some brokers did not answer">
          {list.data.failedBrokers.map((f) => `${f.brokerName} (${f.addr}): ${f.error}`).join('; ')}
        </Alert>
      ) : null}
      <ProducerGroupsTable groups={groups} testId="producers-table" />
      <Text size="xs" c="dimmed">
        Brokers do not record which topics a producer writes to: with a topic, the list shows the groups connected to the brokers that host it.
      </Text>
    </Stack>
  );
}
