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
import { IconExternalLink, IconMoon, IconSearch, IconSun } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { commands, type ConnectionProfile } from '../bindings';
import { connectionListQuery } from '../features/connections/api';
import { WriteGuardProvider } from '../features/safety/WriteGuard';
import { showError } from '../ipc/errors';
import { Palette } from './Palette';
import { type Screen, screenToShow, SCREENS } from './screens';
import { useWorkspace } from './workspace';

function openInWindow(p: ConnectionProfile) {
  commands.windowOpenConnection(p.id).catch((e: unknown) => showError(e, 'Open window'));
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

function ScreenLink({ def, active }: { def: Screen; active: boolean }) {
  const ws = useWorkspace();
  return <NavLink label={def.label} leftSection={<def.icon size={16} />} active={active} onClick={() => ws.show(def.id)} data-testid={`nav-${def.id}`} />;
}

/** A connection screen shows the active connection, with write controls off when it is read-only. */
function ScreenView({ def, connection }: { def: Screen; connection: ConnectionProfile | undefined }) {
  if (!def.needsConnection) return <def.component />;
  if (!connection) return null;
  return (
    <WriteGuardProvider readOnly={connection.readOnly}>
      <def.component key={connection.id} connection={connection} />
    </WriteGuardProvider>
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
  const shown = screenToShow(ws.screen, active !== undefined);
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
            {SCREENS.filter((d) => d.needsConnection).map((d) => (
              <ScreenLink key={d.id} def={d} active={d.id === shown.id} />
            ))}
          </Box>
        ) : null}
        {!ws.pinned ? (
          <>
            <Text size="10px" tt="uppercase" c="dimmed" fw={700} mb={2}>
              Console
            </Text>
            {SCREENS.filter((d) => !d.needsConnection).map((d) => (
              <ScreenLink key={d.id} def={d} active={d.id === shown.id} />
            ))}
          </>
        ) : null}
      </AppShell.Navbar>
      <AppShell.Main>
        <ScreenView def={shown} connection={active} />
      </AppShell.Main>
      <Palette />
    </AppShell>
  );
}
