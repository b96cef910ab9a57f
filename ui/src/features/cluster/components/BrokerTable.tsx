// One cluster's brokers: status first, so a broker that is down is the first thing seen.
import { Badge, Group, Progress, Text, Tooltip } from '@mantine/core';
import type { BrokerRow, BrokerStatus } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { VirtualTable } from '../../../components/VirtualTable';
import {
  formatCount,
  formatDuration,
  formatRatio,
  formatTime,
  formatTps,
  formatVersion,
} from '../../../lib/format';

const STATUS: Record<BrokerStatus, { color: string; label: string }> = {
  up: { color: 'green', label: 'up' },
  unreachable: { color: 'red', label: 'down' },
  missing: { color: 'red', label: 'down · unregistered' },
};

export function BrokerStatusBadge({ row }: { row: BrokerRow }) {
  const s = STATUS[row.status];
  const badge = (
    <Badge size="xs" color={s.color} variant={row.status === 'up' ? 'light' : 'filled'} data-testid="broker-status">
      {s.label}
    </Badge>
  );
  if (row.status === 'up') return badge;
  return (
    <Tooltip
      multiline
      w={380}
      label={`${row.statusDetail ?? ''}${row.lastSeen ? ` Last seen ${formatTime(row.lastSeen)}.` : ''}`}
    >
      {badge}
    </Tooltip>
  );
}

function inOut(today: number | null, yesterday: number | null) {
  return (
    <Text size="xs" span>
      {formatCount(today)}
      <Text size="xs" c="dimmed" span>
        {' '}
        / {formatCount(yesterday)}
      </Text>
    </Text>
  );
}

const columns: Column<BrokerRow>[] = [
  { key: 'status', header: 'Status', width: 90, render: (r) => <BrokerStatusBadge row={r} /> },
  {
    key: 'name',
    header: 'Broker',
    render: (r) => (
      <Text size="xs" fw={600} span data-testid="broker-name">
        {r.brokerName}
      </Text>
    ),
  },
  {
    key: 'role',
    header: 'ID / role',
    render: (r) => (
      <Group gap={4} wrap="nowrap">
        <Text size="xs" span>
          {r.brokerId}
        </Text>
        <Badge size="xs" variant="outline" color={r.role === 'master' ? 'blue' : 'gray'}>
          {r.role}
        </Badge>
      </Group>
    ),
  },
  {
    key: 'addr',
    header: 'Address',
    render: (r) =>
      r.dialedAddr ? (
        <Tooltip label={`Advertised ${r.addr}; dialled ${r.dialedAddr} through the connection's address rewrite`}>
          <Text size="xs" ff="monospace" span data-testid="broker-dialed" style={{ whiteSpace: 'nowrap' }}>
            {r.addr}
            <Text span size="xs" ff="monospace" c="dimmed">
              {' → '}
              {r.dialedAddr}
            </Text>
          </Text>
        </Tooltip>
      ) : (
        <Text size="xs" ff="monospace" span>
          {r.addr}
        </Text>
      ),
  },
  {
    key: 'version',
    header: 'Version',
    render: (r) => (
      <Text size="xs" span data-testid="broker-version">
        {formatVersion(r.version)}
      </Text>
    ),
  },
  { key: 'put', header: 'Produce TPS', align: 'right', render: (r) => formatTps(r.putTps) },
  { key: 'get', header: 'Consume TPS', align: 'right', render: (r) => formatTps(r.getTps) },
  {
    key: 'in',
    header: <Tooltip label="Messages produced today / yesterday"><span>In today / yday</span></Tooltip>,
    align: 'right',
    render: (r) => inOut(r.msgPutToday, r.msgPutYesterday),
  },
  {
    key: 'out',
    header: <Tooltip label="Messages consumed today / yesterday"><span>Out today / yday</span></Tooltip>,
    align: 'right',
    render: (r) => inOut(r.msgGetToday, r.msgGetYesterday),
  },
  {
    key: 'disk',
    header: 'Commit-log disk',
    width: 130,
    render: (r) =>
      r.commitLogDiskRatio === null ? (
        '—'
      ) : (
        <Group gap={6} wrap="nowrap">
          <Progress
            w={60}
            size="sm"
            value={r.commitLogDiskRatio * 100}
            color={r.commitLogDiskRatio > 0.85 ? 'red' : r.commitLogDiskRatio > 0.7 ? 'yellow' : 'teal'}
          />
          <Text size="xs" span>
            {formatRatio(r.commitLogDiskRatio)}
          </Text>
        </Group>
      ),
  },
  { key: 'uptime', header: 'Uptime', align: 'right', render: (r) => formatDuration(r.uptimeMs) },
];

export function BrokerTable({ brokers, onOpen }: { brokers: BrokerRow[]; onOpen: (b: BrokerRow) => void }) {
  return (
    <VirtualTable
      testId="broker-table"
      rows={brokers}
      columns={columns}
      rowKey={(r) => `${r.brokerName}/${r.brokerId}`}
      onRowClick={onOpen}
      height={Math.min(44 + brokers.length * 30, 420)}
      empty="No broker is registered in this cluster."
    />
  );
}
