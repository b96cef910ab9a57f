// "Updated 12 s ago" that keeps ticking, with a spinner while a background refresh runs.
import { Group, Loader, Text, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { formatAge, formatTime } from '../lib/format';

export function DataAge({ fetchedAt, fetching }: { fetchedAt: number | null; fetching: boolean }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <Group gap={6} wrap="nowrap" data-testid="data-age">
      {fetching ? <Loader size={10} /> : null}
      <Tooltip label={fetchedAt ? `Fetched ${formatTime(fetchedAt)}` : 'Not fetched yet'}>
        <Text size="xs" c="dimmed">
          {fetchedAt ? `Updated ${formatAge(fetchedAt, now)}` : 'Loading…'}
        </Text>
      </Tooltip>
    </Group>
  );
}
