// What a list of found messages offers: tick rows (or none, meaning all shown), then export them
// or re-publish copies; a scan's list can also export every match of the scan, past what is shown.
import { Button, Checkbox, Group, Text } from '@mantine/core';
import { IconCopy, IconDownload } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ConnectionId, MessageRow, ScanRequest } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { topicListQuery } from '../../topics/api';
import { WriteButton } from '../../safety/WriteGuard';
import { type ExportTarget, ExportModal } from './ExportModal';
import { RepublishModal } from './RepublishModal';

/** Row selection by offset id, with the checkbox column for a VirtualTable. */
export function useRowSelection(rows: MessageRow[]) {
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const ids = useMemo(() => rows.map((r) => r.offsetMsgId), [rows]);
  const selected = useMemo(() => ids.filter((i) => picked.has(i)), [ids, picked]);
  const toggle = (id: string) =>
    setPicked((p) => {
      const n = new Set(p);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const all = selected.length > 0 && selected.length === ids.length;
  const column: Column<MessageRow> = {
    key: 'pick',
    header: <Checkbox size="xs" aria-label="Select all" checked={all} indeterminate={selected.length > 0 && !all} onChange={() => setPicked(all ? new Set() : new Set(ids))} data-testid="pick-all" />,
    width: 34,
    render: (m) => (
      <Checkbox size="xs" aria-label={`Select ${m.offsetMsgId}`} checked={picked.has(m.offsetMsgId)} onClick={(e) => e.stopPropagation()} onChange={() => toggle(m.offsetMsgId)} data-testid="pick-row" />
    ),
  };
  return { column, selected, ids };
}

export function ResultActions({ connectionId, stem, selected, ids, scan }: { connectionId: ConnectionId; stem: string; selected: string[]; ids: string[]; scan?: ScanRequest | null }) {
  const [exporting, setExporting] = useState<ExportTarget | null>(null);
  const [republish, setRepublish] = useState<string[] | null>(null);
  const topics = useQuery({ ...topicListQuery(connectionId), enabled: republish !== null });
  const chosen = selected.length ? selected : ids;
  const what = selected.length ? `${selected.length} selected` : `${ids.length} shown`;
  return (
    <Group gap="xs" data-testid="result-actions">
      <Text size="xs" c="dimmed">
        {what}:
      </Text>
      <Button size="compact-xs" variant="light" leftSection={<IconDownload size={12} />} disabled={!chosen.length} onClick={() => setExporting({ source: { kind: 'messages', offsetMsgIds: chosen }, stem, count: chosen.length })} data-testid="export-rows">
        Export…
      </Button>
      <WriteButton size="compact-xs" variant="light" leftSection={<IconCopy size={12} />} disabled={!chosen.length} onClick={() => setRepublish(chosen)} data-testid="republish-rows">
        Re-publish copies…
      </WriteButton>
      {scan ? (
        <Button size="compact-xs" variant="subtle" leftSection={<IconDownload size={12} />} onClick={() => setExporting({ source: { kind: 'scan', request: { ...scan, cursor: null } }, stem, count: null })} data-testid="export-scan">
          Export every match…
        </Button>
      ) : null}
      <ExportModal connectionId={connectionId} target={exporting} onClose={() => setExporting(null)} />
      <RepublishModal connectionId={connectionId} ids={republish} topics={(topics.data?.topics ?? []).map((t) => t.name)} onClose={() => setRepublish(null)} />
    </Group>
  );
}
