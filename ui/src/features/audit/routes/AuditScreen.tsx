// The audit journal: every mutation attempted through the console (applied, partial, failed or
// refused), newest first, with filters; a row opens its parameters, before/after and the mqadmin
// equivalent. Export as JSON or CSV.
import { Badge, Button, Code, Drawer, Group, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconDownload, IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type AuditEntry, type AuditFilter, type AuditFormat, type AuditOutcome } from '../../../bindings';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { VirtualTable } from '../../../components/VirtualTable';
import { showError, toIpcError } from '../../../ipc/errors';
import { download } from '../../../lib/download';
import { formatTime } from '../../../lib/format';
import { connectionListQuery } from '../../connections/api';
import { auditListQuery } from '../api';

const OUTCOME_COLOR: Record<AuditOutcome, string> = { ok: 'green', partial: 'orange', failed: 'red', refused: 'gray' };
const ACTIONS = ['topic.', 'topic.create', 'topic.update', 'topic.delete', 'message.send'];

function Json({ label, value }: { label: string; value: string | null }) {
  return (
    <Stack gap={2}>
      <Text size="xs" fw={700}>
        {label}
      </Text>
      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {value ?? '—'}
      </Code>
    </Stack>
  );
}

export function AuditScreen() {
  const conns = useQuery(connectionListQuery());
  const [filter, setFilter] = useState<AuditFilter>({ connectionId: null, action: null, outcome: null, text: null, since: null, until: null, limit: 5000 });
  const q = useQuery(auditListQuery(filter));
  const [open, setOpen] = useState<AuditEntry | null>(null);
  const set = (patch: Partial<AuditFilter>) => setFilter((f) => ({ ...f, ...patch }));
  const rows = q.data ?? [];
  const exportAs = async (format: AuditFormat) => {
    try {
      const text = await commands.auditExport(filter, format);
      download(`rmq-console-audit.${format}`, text, format === 'csv' ? 'text/csv' : 'application/json');
    } catch (e) {
      showError(e, 'Export');
    }
  };
  return (
    <Stack gap="sm" data-testid="audit-screen">
      <Group justify="space-between">
        <Title order={4}>Audit journal</Title>
        <Group gap="xs">
          <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => void exportAs('json')} data-testid="audit-export-json">
            JSON
          </Button>
          <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => void exportAs('csv')} data-testid="audit-export-csv">
            CSV
          </Button>
        </Group>
      </Group>
      <Group gap="sm">
        <Select
          size="xs"
          w={200}
          placeholder="All connections"
          clearable
          data={(conns.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={filter.connectionId}
          onChange={(v) => set({ connectionId: v })}
        />
        <Select size="xs" w={160} placeholder="All actions" clearable data={ACTIONS} value={filter.action} onChange={(v) => set({ action: v })} data-testid="audit-action" />
        <SegmentedControl
          size="xs"
          value={filter.outcome ?? 'any'}
          onChange={(v) => set({ outcome: v === 'any' ? null : (v as AuditOutcome) })}
          data={[
            { value: 'any', label: 'Any outcome' },
            { value: 'ok', label: 'OK' },
            { value: 'partial', label: 'Partial' },
            { value: 'failed', label: 'Failed' },
            { value: 'refused', label: 'Refused' },
          ]}
          data-testid="audit-outcome"
        />
        <TextInput
          size="xs"
          w={240}
          leftSection={<IconSearch size={14} />}
          placeholder="Target or connection"
          value={filter.text ?? ''}
          onChange={(e) => set({ text: e.currentTarget.value || null })}
          data-testid="audit-text"
        />
      </Group>
      {q.error ? <ErrorAlert error={toIpcError(q.error)} /> : null}
      <VirtualTable<AuditEntry>
        testId="audit-table"
        rows={rows}
        rowKey={(e) => String(e.id)}
        onRowClick={setOpen}
        height="calc(100vh - 190px)"
        rowHeight={28}
        empty={q.isLoading ? 'Loading…' : 'No journal entry matches.'}
        columns={[
          { key: 'at', header: 'Time', width: 150, render: (e) => formatTime(e.at) },
          { key: 'conn', header: 'Connection', width: 160, render: (e) => e.connectionName },
          { key: 'action', header: 'Action', width: 120, render: (e) => <Text size="xs" ff="monospace" span data-testid="audit-row-action">{e.action}</Text> },
          { key: 'target', header: 'Target', render: (e) => <Text size="xs" ff="monospace" span>{e.target}</Text> },
          {
            key: 'outcome',
            header: 'Outcome',
            width: 90,
            render: (e) => (
              <Badge size="xs" variant="light" color={OUTCOME_COLOR[e.outcome]} data-testid="audit-row-outcome">
                {e.outcome}
              </Badge>
            ),
          },
          { key: 'error', header: 'Error', render: (e) => <Text size="xs" c="dimmed" span truncate>{e.errorCode ? `${e.errorCode}: ${e.error ?? ''}` : ''}</Text> },
        ]}
      />
      <Text size="xs" c="dimmed" data-testid="audit-count">
        {rows.length.toLocaleString('en-US')} entries
      </Text>
      <Drawer opened={open !== null} onClose={() => setOpen(null)} position="right" size="lg" title={<Text fw={700}>{open ? `${open.action} ${open.target}` : ''}</Text>}>
        {open ? (
          <Stack gap="sm" data-testid="audit-entry">
            <SimpleGrid cols={2} spacing={4}>
              <Text size="xs">Time</Text>
              <Text size="xs">{formatTime(open.at)}</Text>
              <Text size="xs">Connection</Text>
              <Text size="xs">
                {open.connectionName} {open.envLabel ? `(${open.envLabel})` : ''}
              </Text>
              <Text size="xs">Outcome</Text>
              <Badge size="xs" variant="light" color={OUTCOME_COLOR[open.outcome]}>
                {open.outcome}
              </Badge>
              {open.error ? (
                <>
                  <Text size="xs">Error</Text>
                  <Text size="xs">{`${open.errorCode ?? ''}: ${open.error}`}</Text>
                </>
              ) : null}
            </SimpleGrid>
            <Json label="Parameters" value={open.params} />
            <Json label="Before" value={open.before} />
            <Json label="After" value={open.after} />
            {open.mqadmin ? <Json label="Equivalent mqadmin" value={open.mqadmin} /> : null}
          </Stack>
        ) : null}
      </Drawer>
    </Stack>
  );
}
