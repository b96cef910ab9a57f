// Message trace: by message id (unique key or offset id) or by business key within a store-time
// window, in the connection's trace topic or another one typed here. Shows each message's timeline
// (send, store, transaction end, every consume attempt per group) or why no record was found.
import { Button, Group, SegmentedControl, Stack, TextInput } from '@mantine/core';
import { IconRoute } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ConnectionProfile, TraceQuery } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { ScreenHeader } from '../../../components/ScreenHeader';
import { toIpcError } from '../../../ipc/errors';
import { localInput } from '../../groups/components/ResetOffsetsModal';
import { messageTraceQuery } from '../api';
import { TraceResult } from '../components/TraceTimeline';

type Mode = 'id' | 'key';

export function TraceScreen({ connection }: { connection: ConnectionProfile }) {
  const [mode, setMode] = useState<Mode>('id');
  const [value, setValue] = useState('');
  const [from, setFrom] = useState(() => localInput(Date.now() - 3 * 24 * 3_600_000));
  const [traceTopic, setTraceTopic] = useState('');
  const [asked, setAsked] = useState<TraceQuery | null>(null);
  const q = useQuery(messageTraceQuery(connection.id, asked));
  const submit = () => {
    const v = value.trim();
    const begin = new Date(from).getTime();
    setAsked({
      msgId: mode === 'id' ? v : null,
      key: mode === 'key' ? v : null,
      topic: null,
      begin: mode === 'key' && !Number.isNaN(begin) ? begin : null,
      end: null,
      traceTopic: traceTopic.trim() || null,
    });
  };
  return (
    <Stack gap="sm" data-testid="trace-screen">
      <ScreenHeader title="Message trace" connection={connection} elapsedMs={q.data?.elapsedMs} fetching={q.isFetching} onRefresh={asked ? () => void q.refetch() : undefined} />
      <SegmentedControl
        w={320}
        value={mode}
        onChange={(v) => setMode(v as Mode)}
        data={[
          { value: 'id', label: 'By message id' },
          { value: 'key', label: 'By business key' },
        ]}
        data-testid="trace-mode"
      />
      <Group align="flex-end" gap="xs">
        <TextInput
          label={mode === 'id' ? 'Message id (unique key or offset id)' : 'Key'}
          w={380}
          value={value}
          onChange={(e) => setValue(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && value.trim() && submit()}
          data-testid="trace-input"
        />
        {mode === 'key' ? <TextInput label="Traced from" type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="trace-from" /> : null}
        <TextInput label="Trace topic" w={240} placeholder={connection.traceTopic} value={traceTopic} onChange={(e) => setTraceTopic(e.currentTarget.value)} data-testid="trace-topic" />
        <Button leftSection={<IconRoute size={14} />} disabled={!value.trim()} loading={q.isFetching} onClick={submit} data-testid="trace-search">
          Trace
        </Button>
      </Group>
      {q.error ? <ErrorAlert error={toIpcError(q.error)} /> : null}
      {q.data ? <TraceResult r={q.data} /> : null}
    </Stack>
  );
}
