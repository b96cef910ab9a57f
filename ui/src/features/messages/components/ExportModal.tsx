// Export messages to a JSON or CSV file as a job: either every match of a scan (the scan runs again
// and each match is written in full) or chosen messages by id. The file goes to the downloads folder
// by default; an existing file is replaced only when asked; the job shows its progress and can be
// cancelled (no half-written file is left).
import { Alert, Button, Checkbox, Group, Modal, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { commands, type ConnectionId, type ExportFormat, type ExportSource, type ExportSummary, type ScanItem } from '../../../bindings';
import { JobBar } from '../../../components/JobBar';
import { showError } from '../../../ipc/errors';
import { useJobRunner } from '../../../ipc/jobs';

export interface ExportTarget {
  source: ExportSource;
  /** What the file is named after (a topic). */
  stem: string;
  /** How many messages, when known (ids). */
  count: number | null;
}

export function ExportModal({ connectionId, target, onClose }: { connectionId: ConnectionId; target: ExportTarget | null; onClose: () => void }) {
  const [format, setFormat] = useState<ExportFormat>('json');
  const [path, setPath] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const job = useJobRunner<ScanItem, ExportSummary>();
  const s = job.state;
  const { reset } = job;
  useEffect(() => {
    if (!target) return;
    reset();
    commands.messageExportPath(target.stem, format).then(setPath, showError);
  }, [target, format, reset]);
  const summary = s.outcome?.status === 'completed' ? s.outcome.summary : null;
  const start = () => {
    if (!target) return;
    job.start((channel) => commands.messageExport(connectionId, { source: target.source, format, path: path.trim(), overwrite }, channel)).catch(showError);
  };
  return (
    <Modal opened={target !== null} onClose={onClose} size="lg" title={<Text fw={700}>Export messages</Text>}>
      {target ? (
        <Stack gap="sm" data-testid="export-modal">
          <Text size="sm">
            {target.source.kind === 'scan'
              ? `Every message the scan of ${target.source.request.topic} matches (up to its cap of ${(target.source.request.limit ?? 1000).toLocaleString('en-US')}), in full.`
              : `${target.count ?? 0} chosen message(s), in full.`}
          </Text>
          <SegmentedControl
            w={200}
            value={format}
            onChange={(v) => setFormat(v as ExportFormat)}
            disabled={s.running}
            data={[
              { value: 'json', label: 'JSON' },
              { value: 'csv', label: 'CSV' },
            ]}
            data-testid="export-format"
          />
          <Text size="xs" c="dimmed">
            {format === 'json'
              ? 'An array of messages: every property, bodyBase64 always and bodyText when the body is UTF-8.'
              : 'One row per message; the body as base64, properties as JSON; cells a spreadsheet would run as formulas are defused.'}
          </Text>
          <TextInput label="File" value={path} onChange={(e) => setPath(e.currentTarget.value)} data-testid="export-path" />
          <Checkbox
            size="xs"
            label="Replace the file if it exists"
            checked={overwrite}
            onChange={(e) => setOverwrite(e.currentTarget.checked)}
            disabled={s.running}
            data-testid="export-overwrite"
          />
          <JobBar state={s} unit="messages" onCancel={() => void job.cancel()} testId="export" />
          {summary ? (
            <Alert color={summary.failed.length ? 'orange' : 'green'} variant="light" data-testid="export-done">
              Wrote {summary.written.toLocaleString('en-US')} message(s), {summary.bytes.toLocaleString('en-US')} bytes, to <Text span ff="monospace" size="xs">{summary.path}</Text>
              {summary.scan?.truncated ? ' — the scan stopped at its cap.' : ''}
              {summary.failed.length ? ` ${summary.failed.length} could not be read: ${summary.failed.slice(0, 3).join('; ')}` : ''}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            <Button leftSection={<IconDownload size={14} />} disabled={!path.trim() || s.running} onClick={start} data-testid="export-start">
              Export
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
