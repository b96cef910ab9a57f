// The columns every list of found messages shares.
import { Text } from '@mantine/core';
import type { MessageRow } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { formatOffset, formatTime } from '../../../lib/format';

export const MESSAGE_COLUMNS: Column<MessageRow>[] = [
  { key: 'time', header: 'Stored', width: 150, render: (m) => formatTime(m.storeTimestamp) },
  { key: 'tag', header: 'Tag', width: 90, render: (m) => m.tags ?? '—' },
  { key: 'keys', header: 'Keys', width: 150, render: (m) => <Text size="xs" span truncate>{m.keys.join(' ')}</Text> },
  { key: 'where', header: 'Broker · queue · offset', width: 170, render: (m) => `${m.brokerName} · ${m.queueId} · ${formatOffset(m.queueOffset)}` },
  { key: 'size', header: 'Size', width: 70, align: 'right', render: (m) => m.bodySize.toLocaleString('en-US') },
  { key: 'body', header: 'Body', render: (m) => <Text size="xs" span c={m.bodyPreview === null ? 'dimmed' : undefined} truncate>{m.bodyPreview ?? '(binary)'}</Text> },
];
