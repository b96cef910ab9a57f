// A broker's runtime stats and config (read-only here), searchable.
import { Drawer, Group, Tabs, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ConnectionId, KeyValue } from '../../../bindings';
import { DataAge } from '../../../components/DataAge';
import { VirtualTable } from '../../../components/VirtualTable';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { toIpcError } from '../../../ipc/errors';
import { brokerDetailQuery } from '../api';

function KvTable({ rows, filter }: { rows: KeyValue[]; filter: string }) {
  const f = filter.trim().toLowerCase();
  const shown = useMemo(
    () => (f ? rows.filter((r) => r.key.toLowerCase().includes(f) || r.value.toLowerCase().includes(f)) : rows),
    [rows, f],
  );
  return (
    <VirtualTable
      rows={shown}
      rowKey={(r) => r.key}
      height="calc(100vh - 190px)"
      columns={[
        { key: 'k', header: 'Key', width: '45%', render: (r) => <Text size="xs" ff="monospace" span>{r.key}</Text> },
        {
          key: 'v',
          header: 'Value',
          render: (r) => (
            <Text size="xs" ff="monospace" span style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
              {r.value}
            </Text>
          ),
        },
      ]}
      empty={f ? `No key or value matches "${filter}".` : 'Empty.'}
    />
  );
}

export function BrokerDetailDrawer({
  connectionId,
  addr,
  title,
  onClose,
}: {
  connectionId: ConnectionId;
  addr: string | null;
  title: string;
  onClose: () => void;
}) {
  const [filter, setFilter] = useState('');
  const q = useQuery({ ...brokerDetailQuery(connectionId, addr ?? ''), enabled: addr !== null });
  const err = q.error ? toIpcError(q.error) : null;
  return (
    <Drawer opened={addr !== null} onClose={onClose} position="right" size="xl" title={<Text fw={600}>{title}</Text>}>
      <Group justify="space-between" mb="xs">
        <TextInput
          size="xs"
          placeholder="Filter keys and values"
          leftSection={<IconSearch size={14} />}
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
          w={280}
        />
        <DataAge fetchedAt={q.data?.fetchedAt ?? null} fetching={q.isFetching} />
      </Group>
      {err ? <ErrorAlert error={err} /> : null}
      {q.data ? (
        <Tabs defaultValue="runtime" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="runtime">Runtime stats ({q.data.runtime.length})</Tabs.Tab>
            <Tabs.Tab value="config">Config ({q.data.config.length})</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="runtime" pt="xs">
            <KvTable rows={q.data.runtime} filter={filter} />
          </Tabs.Panel>
          <Tabs.Panel value="config" pt="xs">
            <KvTable rows={q.data.config} filter={filter} />
          </Tabs.Panel>
        </Tabs>
      ) : null}
    </Drawer>
  );
}
