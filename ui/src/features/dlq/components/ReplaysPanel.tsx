// The replay journal of a connection: every replay with its state and counts; a paused or
// interrupted one (or one whose app was killed: still "running" with no job) resumes from the
// journal through the preview, or is discarded; each has its per-message report, exportable.
import { Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type ConnectionId, type ReplayInfo, type ReplayItem, type ReplaySummary } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { JobBar } from '../../../components/JobBar';
import { SmallTable } from '../../../components/SmallTable';
import { showError, toIpcError } from '../../../ipc/errors';
import { jobStarted, useJobRunner } from '../../../ipc/jobs';
import { download } from '../../../lib/download';
import { formatTime } from '../../../lib/format';
import { WriteButton } from '../../safety/WriteGuard';
import { dlqKeys, dlqReplayReportQuery, dlqReplaysQuery } from '../api';
import { REPORT_COLUMNS, reportCsv } from './ReplayModal';

const STATE_COLOR: Record<ReplayInfo['state'], string> = {
  running: 'blue',
  paused: 'yellow',
  interrupted: 'orange',
  done: 'green',
  discarded: 'gray',
};

function Report({ connectionId, replay, onClose }: { connectionId: ConnectionId; replay: ReplayInfo | null; onClose: () => void }) {
  const q = useQuery(dlqReplayReportQuery(connectionId, replay?.id ?? null));
  return (
    <Modal opened={replay !== null} onClose={onClose} size="xl" title={<Text fw={700}>Replay report · {replay?.group}</Text>}>
      <Stack gap="xs" data-testid="replay-report">
        <SmallTable rows={(q.data ?? []).slice(0, 500)} columns={REPORT_COLUMNS} rowKey={(i) => String(i.seq)} empty={q.isLoading ? 'Loading…' : 'No message'} />
        {(q.data?.length ?? 0) > 500 ? <Text size="xs" c="dimmed">The first 500 of {q.data?.length} are shown; the export has them all.</Text> : null}
        <Group justify="flex-end">
          <Button variant="light" disabled={!q.data} onClick={() => replay && q.data && download(`replay-${replay.group}-${replay.id.slice(0, 8)}.csv`, reportCsv(q.data), 'text/csv')}>
            Export report (CSV)
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function ReplaysPanel({ connectionId }: { connectionId: ConnectionId }) {
  const qc = useQueryClient();
  const q = useQuery(dlqReplaysQuery(connectionId));
  const [report, setReport] = useState<ReplayInfo | null>(null);
  const [confirm, setConfirm] = useState<ReplayInfo | null>(null);
  const job = useJobRunner<ReplayItem, ReplaySummary>();
  const refresh = () => void qc.invalidateQueries({ queryKey: dlqKeys.all(connectionId) });
  const resume = (r: ReplayInfo) =>
    void job
      .start((channel) => commands.dlqReplayResume(connectionId, r.id, { typed: null, acknowledged: true }, channel))
      .catch((e: unknown) => showError(toIpcError(e)))
      .finally(refresh);
  const discard = (r: ReplayInfo) =>
    void commands
      .dlqReplayDiscard(connectionId, r.id)
      .catch((e: unknown) => showError(toIpcError(e)))
      .finally(refresh);
  const columns: Column<ReplayInfo>[] = [
    { key: 'at', header: 'Started', width: 150, render: (r) => formatTime(r.createdAt) },
    { key: 'group', header: 'Group', mono: true, render: (r) => r.group },
    { key: 'target', header: 'To', render: (r) => (r.target.kind === 'topic' ? r.target.topic : r.target.kind === 'original' ? 'original topics' : 'retry topic') },
    {
      key: 'state',
      header: 'State',
      render: (r) => (
        <Badge size="xs" variant="light" color={STATE_COLOR[r.state]} title={r.note ?? undefined}>
          {r.state}
        </Badge>
      ),
    },
    {
      key: 'counts',
      header: 'Sent / total',
      render: (r) => `${r.counts.sent} / ${r.counts.total}${r.counts.failed ? ` · ${r.counts.failed} failed` : ''}${r.counts.pending + r.counts.sending ? ` · ${r.counts.pending + r.counts.sending} left` : ''}`,
    },
    {
      key: 'actions',
      header: '',
      width: 230,
      render: (r) => (
        <Group gap={4} wrap="nowrap">
          {r.state !== 'done' && r.state !== 'discarded' ? (
            <>
              <WriteButton size="compact-xs" variant="light" disabled={job.state.running} onClick={() => setConfirm(r)} data-testid="replay-resume">
                Resume
              </WriteButton>
              <Button size="compact-xs" variant="subtle" color="gray" disabled={job.state.running} onClick={() => discard(r)}>
                Discard
              </Button>
            </>
          ) : null}
          <Button size="compact-xs" variant="subtle" onClick={() => setReport(r)} data-testid="replay-report-open">
            Report
          </Button>
        </Group>
      ),
    },
  ];
  const rows = q.data ?? [];
  if (rows.length === 0 && !jobStarted(job.state)) return null;
  return (
    <Stack gap="xs" data-testid="replays-panel">
      <Text size="sm" fw={700}>
        Replays
      </Text>
      <JobBar state={job.state} unit="messages" onCancel={() => void job.cancel()} cancelLabel="Pause" testId="replay-resume" />
      <SmallTable rows={rows.slice(0, 20)} columns={columns} rowKey={(r) => r.id} testId="replays" />
      <Report connectionId={connectionId} replay={report} onClose={() => setReport(null)} />
      <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title={<Text fw={700}>Resume replay of {confirm?.group}</Text>}>
        <Stack gap="sm" data-testid="replay-resume-confirm">
          <Text size="sm">
            {confirm ? confirm.counts.pending + confirm.counts.sending : 0} message(s) left of {confirm?.counts.total}; {confirm?.counts.sent} already sent are not sent again.
            {confirm?.counts.sending ? ` ${confirm.counts.sending} whose send may have gone out are first looked up in their target topic and counted as sent when found.` : ''}
          </Text>
          {confirm?.note ? <Text size="xs" c="dimmed">It stopped: {confirm.note}</Text> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(null)}>
              Cancel
            </Button>
            <WriteButton
              onClick={() => {
                if (confirm) resume(confirm);
                setConfirm(null);
              }}
              data-testid="replay-resume-apply"
            >
              Resume
            </WriteButton>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
