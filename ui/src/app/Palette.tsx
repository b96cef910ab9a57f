// Ctrl+K: reach every screen, every open connection and every broker by name.
import { Spotlight, type SpotlightActionData } from '@mantine/spotlight';
import { IconDatabase, IconSearch, IconServer } from '@tabler/icons-react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { overviewQuery } from '../features/cluster/api';
import { connectionListQuery } from '../features/connections/api';
import { SCREENS } from './screens';
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
  const activeName = ws.activeId ? (byId.get(ws.activeId)?.name ?? '') : '';
  const actions: SpotlightActionData[] = SCREENS.filter((d) => !d.needsConnection || ws.activeId !== null).map((d) => ({
    id: `screen:${d.id}`,
    label: d.label,
    description: d.describe(activeName),
    leftSection: <d.icon size={16} />,
    onClick: () => ws.show(d.id),
  }));
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
