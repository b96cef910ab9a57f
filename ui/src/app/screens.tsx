// Every screen, declared once: the navigation, the screen shown and the Ctrl+K palette's entries
// are all read from SCREENS. A connection screen shows the active connection; a console screen
// (connections, audit journal) stands on its own and is hidden in a window opened for one connection.
import { IconBroadcast, IconHistory, IconSkull, IconLayoutDashboard, IconListDetails, IconMail, IconPlug, IconRoute, IconUsersGroup, type Icon } from '@tabler/icons-react';
import type { ComponentType } from 'react';
import type { ConnectionProfile } from '../bindings';
import { AuditScreen } from '../features/audit/routes/AuditScreen';
import { OverviewScreen } from '../features/cluster/routes/OverviewScreen';
import { ConnectionsScreen } from '../features/connections/routes/ConnectionsScreen';
import { DlqScreen } from '../features/dlq/routes/DlqScreen';
import { GroupsScreen } from '../features/groups/routes/GroupsScreen';
import { MessagesScreen } from '../features/messages/routes/MessagesScreen';
import { ProducersScreen } from '../features/producers/routes/ProducersScreen';
import { TopicsScreen } from '../features/topics/routes/TopicsScreen';
import { TraceScreen } from '../features/trace/routes/TraceScreen';

interface Common {
  id: string;
  label: string;
  icon: Icon;
  /** The palette's description (a connection screen's names the active connection). */
  describe: (connectionName: string) => string;
}

type ScreenDef =
  | (Common & { needsConnection: true; component: ComponentType<{ connection: ConnectionProfile }> })
  | (Common & { needsConnection: false; component: ComponentType });

/** Where the app starts, and what is shown when a connection screen has no connection open. */
const CONNECTIONS = {
  id: 'connections',
  label: 'Connections',
  icon: IconPlug,
  needsConnection: false,
  component: ConnectionsScreen,
  describe: () => 'Saved connections: create, test, import, export',
} as const satisfies ScreenDef;

export const SCREENS = [
  {
    id: 'overview',
    label: 'Overview',
    icon: IconLayoutDashboard,
    needsConnection: true,
    component: OverviewScreen,
    describe: (name) => `Clusters, brokers and name servers of ${name}`,
  },
  {
    id: 'topics',
    label: 'Topics',
    icon: IconListDetails,
    needsConnection: true,
    component: TopicsScreen,
    describe: (name) => `Topics of ${name}: type, queues, brokers`,
  },
  {
    id: 'groups',
    label: 'Consumer groups',
    icon: IconUsersGroup,
    needsConnection: true,
    component: GroupsScreen,
    describe: (name) => `Consumer groups of ${name}: lag, clients, offset reset`,
  },
  {
    id: 'messages',
    label: 'Messages',
    icon: IconMail,
    needsConnection: true,
    component: MessagesScreen,
    describe: (name) => `Find messages on ${name} by id or by key`,
  },
  {
    id: 'trace',
    label: 'Message trace',
    icon: IconRoute,
    needsConnection: true,
    component: TraceScreen,
    describe: (name) => `What happened to a message on ${name}: send, store, every consume attempt`,
  },
  {
    id: 'dlq',
    label: 'Dead letters',
    icon: IconSkull,
    needsConnection: true,
    component: DlqScreen,
    describe: (name) => `Groups with dead letters on ${name}: counts, growth, retry backlog, unreadable DLQ topics`,
  },
  {
    id: 'producers',
    label: 'Producers',
    icon: IconBroadcast,
    needsConnection: true,
    component: ProducersScreen,
    describe: (name) => `Producer groups and their online clients on ${name}`,
  },
  CONNECTIONS,
  {
    id: 'audit',
    label: 'Audit journal',
    icon: IconHistory,
    needsConnection: false,
    component: AuditScreen,
    describe: () => 'Every change made through the console, with before/after; export JSON or CSV',
  },
] as const satisfies readonly ScreenDef[];

export type Screen = (typeof SCREENS)[number];
export type ScreenId = Screen['id'];

/** The screen asked for, or Connections when it needs a connection and none is open. */
export function screenToShow(id: ScreenId, connected: boolean): Screen {
  return SCREENS.find((d) => d.id === id && (connected || !d.needsConnection)) ?? CONNECTIONS;
}
