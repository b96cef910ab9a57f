// The header of a per-connection screen: title, connection name, environment and read-only badges,
// how long the last load took, its age, and a Refresh button.
import { Button, Group, Text, Title } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import type { ConnectionProfile } from '../bindings';
import { DataAge } from './DataAge';
import { EnvBadge } from './EnvBadge';

interface Props {
  title: string;
  connection: ConnectionProfile;
  elapsedMs?: number | null;
  fetchedAt?: number | null;
  fetching?: boolean;
  /** Absent: the screen has nothing to refresh (no age or Refresh button shown). */
  onRefresh?: () => void;
}

export function ScreenHeader({ title, connection, elapsedMs, fetchedAt, fetching, onRefresh }: Props) {
  return (
    <Group justify="space-between">
      <Group gap="xs">
        <Title order={4}>{title}</Title>
        <Text c="dimmed" size="sm">
          {connection.name}
        </Text>
        <EnvBadge label={connection.envLabel} color={connection.envColor} readOnly={connection.readOnly} />
      </Group>
      <Group gap="xs">
        {elapsedMs !== null && elapsedMs !== undefined ? (
          <Text size="xs" c="dimmed">
            {elapsedMs.toFixed(0)} ms
          </Text>
        ) : null}
        {onRefresh ? (
          <>
            <DataAge fetchedAt={fetchedAt ?? null} fetching={fetching ?? false} />
            <Button size="xs" variant="default" leftSection={<IconRefresh size={14} />} onClick={onRefresh}>
              Refresh
            </Button>
          </>
        ) : null}
      </Group>
    </Group>
  );
}
