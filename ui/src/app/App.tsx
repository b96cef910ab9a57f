// The app shell: connection tabs (environment colour, read-only badge), navigation, theme toggle,
// Ctrl+K palette, and the active screen.
import {
  ActionIcon,
  AppShell,
  Box,
  CloseButton,
  Group,
  Kbd,
  NavLink,
  ScrollArea,
  Text,
  Tooltip,
  UnstyledButton,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { spotlight } from '@mantine/spotlight';
import { IconBroadcast, IconMail, IconUsersGroup, IconExternalLink, IconHistory, IconLayoutDashboard, IconListDetails, IconMoon, IconPlug, IconSearch, IconSun } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { WebviewWindow } from '@tauri-apps/api/webviewWindow';
import type { ConnectionProfile } from '../bindings';
import { AuditScreen } from '../features/audit/routes/AuditScreen';
import { OverviewScreen } from '../features/cluster/routes/OverviewScreen';
import { connectionListQuery } from '../features/connections/api';
import { ConnectionsScreen } from '../features/connections/routes/ConnectionsScreen';
import { GroupsScreen } from '../features/groups/routes/GroupsScreen';
import { MessagesScreen } from '../features/messages/routes/MessagesScreen';
import { ProducersScreen } from '../features/producers/routes/ProducersScreen';
import { TopicsScreen } from '../features/topics/routes/TopicsScreen';
import { showError } from '../ipc/errors';
import { Palette } from './Palette';
import { useWorkspace } from './workspace';

function openInWindow(p: ConnectionProfile) {
  const w = new WebviewWindow(`conn-${p.id.replace(/[^a-zA-Z0-9]/g, '')}`, {
    url: `index.html#conn=${encodeURIComponent(p.id)}`,
    title: `${p.name} — RocketMQ Console`,
    width: 1400,
    height: 880,
  });
  void w.once('tauri://error', (e) => showError(e.payload, 'Open window'));
}

function Tab({ p, active }: { p: ConnectionProfile; active: boolean }) {
  const ws = useWorkspace();
  return (
    <Group
      gap={4}
      wrap="nowrap"
      px={8}
      py={4}
      data-testid="conn-tab"
      style={{
        borderTop: `3px solid ${p.envColor}`,
        borderRadius: 4,
        background: active ? 'var(--mantine-color-default-hover)' : undefined,
      }}
    >
      <UnstyledButton onClick={() => ws.activate(p.id)}>
        <Group gap={4} wrap="nowrap">
          <Text size="xs" fw={active ? 700 : 500}>
            {p.name}
          </Text>
          {p.envLabel ? (
            <Text size="10px" fw={700} px={4} c="white" style={{ background: p.envColor, borderRadius: 3 }}>
              {p.envLabel}
            </Text>
          ) : null}
          {p.readOnly ? (
            <Text size="10px" c="dimmed" style={{ border: '1px solid', borderRadius: 3 }} px={3}>
              RO
            </Text>
          ) : null}
          {p.tls?.verify.kind === 'acceptAny' ? (
            <Tooltip label="TLS without checking the server's certificate (accept any): for test clusters only">
              <Text size="10px" fw={700} c="orange.8" style={{ border: '1px solid', borderRadius: 3 }} px={3} data-testid="tls-unverified">
                TLS unverified
              </Text>
            </Tooltip>
          ) : p.tls ? (
            <Text size="10px" c="dimmed" style={{ border: '1px solid', borderRadius: 3 }} px={3}>
              TLS
            </Text>
          ) : null}
        </Group>
      </UnstyledButton>
      {!ws.pinned ? (
        <>
          <Tooltip label="Open in a new window">
            <ActionIcon size="xs" variant="subtle" onClick={() => openInWindow(p)} aria-label="Open in new window">
              <IconExternalLink size={12} />
            </ActionIcon>
          </Tooltip>
          <CloseButton size="xs" onClick={() => ws.close(p.id)} aria-label={`Close ${p.name}`} />
        </>
      ) : null}
    </Group>
  );
}

export function App() {
  const ws = useWorkspace();
  const conns = useQuery(connectionListQuery());
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  const byId = new Map((conns.data ?? []).map((c) => [c.id, c]));
  const open = ws.openIds.map((id) => byId.get(id)).filter((p): p is ConnectionProfile => p !== undefined);
  const active = ws.activeId ? byId.get(ws.activeId) : undefined;
  return (
    <AppShell header={{ height: 44 }} navbar={{ width: 180, breakpoint: 0 }} padding="sm">
      <AppShell.Header>
        <Group h="100%" px="sm" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
            <Text fw={800} size="sm" c="orange" style={{ whiteSpace: 'nowrap' }}>
              RocketMQ Console
            </Text>
            <ScrollArea type="never" style={{ minWidth: 0 }}>
              <Group gap={4} wrap="nowrap">
                {open.map((p) => (
                  <Tab key={p.id} p={p} active={p.id === ws.activeId} />
                ))}
              </Group>
            </ScrollArea>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <UnstyledButton onClick={() => spotlight.open()} aria-label="Open command palette">
              <Group gap={4} px={8} py={2} style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }}>
                <IconSearch size={14} />
                <Text size="xs" c="dimmed">
                  Search
                </Text>
                <Kbd size="xs">Ctrl K</Kbd>
              </Group>
            </UnstyledButton>
            <Tooltip label={scheme === 'dark' ? 'Light theme' : 'Dark theme'}>
              <ActionIcon
                variant="default"
                size="md"
                onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')}
                aria-label="Toggle theme"
                data-testid="theme-toggle"
              >
                {scheme === 'dark' ? <IconSun size={16} /> : <IconMoon size={16} />}
              </ActionIcon>
            </Tooltip>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {active ? (
          <Box mb="xs">
            <Text size="10px" tt="uppercase" c="dimmed" fw={700} mb={2}>
              {active.name}
            </Text>
            <NavLink
              label="Overview"
              leftSection={<IconLayoutDashboard size={16} />}
              active={ws.screen === 'overview'}
              onClick={() => ws.show('overview')}
              data-testid="nav-overview"
            />
            <NavLink
              label="Topics"
              leftSection={<IconListDetails size={16} />}
              active={ws.screen === 'topics'}
              onClick={() => ws.show('topics')}
              data-testid="nav-topics"
            />
            <NavLink
              label="Consumer groups"
              leftSection={<IconUsersGroup size={16} />}
              active={ws.screen === 'groups'}
              onClick={() => ws.show('groups')}
              data-testid="nav-groups"
            />
            <NavLink
              label="Messages"
              leftSection={<IconMail size={16} />}
              active={ws.screen === 'messages'}
              onClick={() => ws.show('messages')}
              data-testid="nav-messages"
            />
            <NavLink
              label="Producers"
              leftSection={<IconBroadcast size={16} />}
              active={ws.screen === 'producers'}
              onClick={() => ws.show('producers')}
              data-testid="nav-producers"
            />
          </Box>
        ) : null}
        {!ws.pinned ? (
          <>
            <Text size="10px" tt="uppercase" c="dimmed" fw={700} mb={2}>
              Console
            </Text>
            <NavLink
              label="Connections"
              leftSection={<IconPlug size={16} />}
              active={ws.screen === 'connections' || !active}
              onClick={() => ws.show('connections')}
              data-testid="nav-connections"
            />
            <NavLink
              label="Audit journal"
              leftSection={<IconHistory size={16} />}
              active={ws.screen === 'audit'}
              onClick={() => ws.show('audit')}
              data-testid="nav-audit"
            />
          </>
        ) : null}
      </AppShell.Navbar>
      <AppShell.Main>
        {ws.screen === 'overview' && active ? (
          <OverviewScreen key={active.id} connection={active} />
        ) : ws.screen === 'topics' && active ? (
          <TopicsScreen key={active.id} connection={active} />
        ) : ws.screen === 'groups' && active ? (
          <GroupsScreen key={active.id} connection={active} />
        ) : ws.screen === 'messages' && active ? (
          <MessagesScreen key={active.id} connection={active} />
        ) : ws.screen === 'producers' && active ? (
          <ProducersScreen key={active.id} connection={active} />
        ) : ws.screen === 'audit' ? (
          <AuditScreen />
        ) : (
          <ConnectionsScreen />
        )}
      </AppShell.Main>
      <Palette />
    </AppShell>
  );
}
