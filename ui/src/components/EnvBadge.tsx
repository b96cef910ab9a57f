// The environment label in its colour, and a read-only badge: on every tab and screen header so
// nobody mistakes production for staging.
import { Badge, Group } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';

export function EnvBadge({ label, color, readOnly }: { label: string; color: string; readOnly: boolean }) {
  return (
    <Group gap={4} wrap="nowrap">
      {label ? (
        <Badge size="xs" radius="sm" variant="filled" style={{ backgroundColor: color }}>
          {label}
        </Badge>
      ) : null}
      {readOnly ? (
        <Badge size="xs" radius="sm" variant="outline" color="gray" leftSection={<IconLock size={10} />}>
          read-only
        </Badge>
      ) : null}
    </Group>
  );
}
