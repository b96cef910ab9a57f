// Ctrl+K: reach every screen, every open connection and every broker by name.
import { Spotlight, type SpotlightActionData } from '@mantine/spotlight';
import { IconBroadcast, IconMail, IconUsersGroup, IconDatabase, IconHistory, IconLayoutDashboard, IconListDetails, IconPlug, IconSearch, IconServer } from '@tabler/icons-react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { overviewQuery } from '../features/cluster/api';
import { connectionListQuery } from '../features/connections/api';
import { useWorkspace } from './workspace';

export function Palette() {
  const ws = useWorkspace();
  const conns = useQuery(connectionListQuery());
  const byId = new Map((conns.data ?? []).map((c) => [c.id, c]));
  // Tabs remembered from an earlier run may name connections deleted since: skip those.
  const openIds = ws.openIds.filter((id) => byId.has(id));
  const overviews = useQueries({
    queries: openIds.map((id) => ({ ...overviewQuery(id), refetchInterval: false as const })),
  });
  const actions: SpotlightActionData[] = [
    {
      id: 'screen:connections',
      label: 'Connections',
      description: 'Saved connections: create, test, import, export',
      leftSection: <IconPlug size={16} />,
      onClick: () => ws.show('connections'),
    },
    {
      id: 'screen:audit',
      label: 'Audit journal',
      description: 'Every change made through the console, with before/after; export JSON or CSV',
      leftSection: <IconHistory size={16} />,
      onClick: () => ws.show('audit'),
    },
  ];
  if (ws.activeId) {
    actions.push({
      id: 'screen:overview',
      label: 'Overview',
      description: `Clusters, brokers and name servers of ${byId.get(ws.activeId)?.name ?? ''}`,
      leftSection: <IconLayoutDashboard size={16} />,
      onClick: () => ws.show('overview'),
    });
    actions.push({
      id: 'screen:topics',
      label: 'Topics',
      description: `Topics of ${byId.get(ws.activeId)?.name ?? ''}: type, queues, brokers`,
      leftSection: <IconListDetails size={16} />,
      onClick: () => ws.show('topics'),
    });
    actions.push({
      id: 'screen:groups',
      label: 'Consumer groups',
      description: `Consumer groups of ${byId.get(ws.activeId)?.name ?? ''}: lag, clients, offset reset`,
      leftSection: <IconUsersGroup size={16} />,
      onClick: () => ws.show('groups'),
    });
    actions.push({
      id: 'screen:messages',
      label: 'Messages',
      description: `Find messages on ${byId.get(ws.activeId)?.name ?? ''} by id or by key`,
      leftSection: <IconMail size={16} />,
      onClick: () => ws.show('messages'),
    });
    actions.push({
      id: 'screen:producers',
      label: 'Producers',
      description: `Producer groups and their online clients on ${byId.get(ws.activeId)?.name ?? ''}`,
      leftSection: <IconBroadcast size={16} />,
      onClick: () => ws.show('producers'),
    });
  }
  for (const c of conns.data ?? []) {
    actions.push({
      id: `conn:${c.id}`,
      label: c.name,
      description: `Open connection · ${c.namesrvAddrs.join('; ')}`,
      leftSection: <IconDatabase size={16} />,
      onClick: () => ws.open(c.id),
    });
  }
  openIds.forEach((id, i) => {
    const data = overviews[i]?.data;
    for (const cl of data?.clusters ?? []) {
      for (const b of cl.brokers) {
        actions.push({
          id: `broker:${id}:${b.addr}`,
          label: `${b.brokerName} (${b.role})`,
          description: `Broker ${b.addr} · ${cl.name} · ${byId.get(id)?.name ?? ''}`,
          leftSection: <IconServer size={16} />,
          onClick: () => {
            ws.open(id, 'overview');
            ws.focus(b.addr);
          },
        });
      }
    }
  });
  return (
    <Spotlight
      actions={actions}
      shortcut={['mod + K']}
      nothingFound="Nothing found"
      highlightQuery
      limit={50}
      searchProps={{ leftSection: <IconSearch size={16} />, placeholder: 'Screens, connections, brokers…' }}
    />
  );
}
