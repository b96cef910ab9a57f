// Re-publish copies of messages to a chosen topic, keeping keys, tag and user properties: choose
// the topic, preview (the first messages listed, warnings acknowledged), then a job with progress,
// Cancel and one outcome line per message.
import { Autocomplete, Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { IconCopy } from '@tabler/icons-react';
import { useState } from 'react';
import { commands, type ConnectionId, type RepublishItem, type RepublishRequest, type RepublishSummary } from '../../../bindings';
import type { Column } from '../../../components/columns';
import { JobBar } from '../../../components/JobBar';
import { SmallTable } from '../../../components/SmallTable';
import { jobStarted, useJobRunner } from '../../../ipc/jobs';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';

const COLUMNS: Column<RepublishItem>[] = [
  { key: 'id', header: 'Message', mono: true, render: (i) => i.offsetMsgId },
  {
    key: 'outcome',
    header: 'Outcome',
    render: (i) => (
      <Badge size="xs" variant="light" color={i.ok ? 'green' : 'red'}>
        {i.ok ? 'copied' : 'failed'}
      </Badge>
    ),
  },
  {
    key: 'copy',
    header: 'Copy',
    mono: true,
    render: (i) => (
      <Text span inherit c={i.ok ? undefined : 'red'}>
        {i.ok ? `→ ${i.sent?.brokerName} #${i.sent?.queueId} · ${i.sent?.offsetMsgId}` : i.error}
      </Text>
    ),
  },
];

export function RepublishModal({ connectionId, ids, topics, onClose }: { connectionId: ConnectionId; ids: string[] | null; topics: string[]; onClose: () => void }) {
  const [target, setTarget] = useState('');
  const [request, setRequest] = useState<RepublishRequest | null>(null);
  const job = useJobRunner<RepublishItem, RepublishSummary>();
  const s = job.state;
  const summary = s.outcome?.status === 'completed' ? s.outcome.summary : null;
  const close = () => {
    setRequest(null);
    job.reset();
    onClose();
  };
  return (
    <>
      <Modal opened={ids !== null && request === null} onClose={close} size="lg" title={<Text fw={700}>Re-publish {ids?.length ?? 0} message(s)</Text>}>
        <Stack gap="sm" data-testid="republish-modal">
          {!jobStarted(s) ? (
            <>
              <Text size="sm">Copies go to the topic you choose as new messages, with the same keys, tag, user properties and body.</Text>
              <Autocomplete label="Target topic" data={topics} value={target} onChange={setTarget} limit={50} data-testid="republish-topic" />
              <Group justify="flex-end">
                <Button variant="default" onClick={close}>
                  Cancel
                </Button>
                <WriteButton leftSection={<IconCopy size={14} />} disabled={!target.trim() || !ids?.length} onClick={() => ids && setRequest({ offsetMsgIds: ids, targetTopic: target.trim() })} data-testid="republish-preview">
                  Preview
                </WriteButton>
              </Group>
            </>
          ) : (
            <>
              <JobBar state={s} unit="messages" onCancel={() => void job.cancel()} testId="republish" />
              {summary ? (
                <Text size="sm" data-testid="republish-summary">
                  {summary.ok} copied to {summary.targetTopic}
                  {summary.failed ? `, ${summary.failed} failed` : ''}
                  {summary.notRun ? `, ${summary.notRun} not run` : ''} · journal entry #{summary.auditId}
                </Text>
              ) : null}
              <SmallTable rows={s.items} columns={COLUMNS} rowKey={(i) => i.offsetMsgId} empty="No message copied yet" testId="republish-results" />
              <Group justify="flex-end">
                <Button variant="default" onClick={close} data-testid="republish-close">
                  Close
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </Modal>
      <PreviewDialog<unknown>
        planKey={request ? previewKeys.plan('republish', connectionId, request) : null}
        loadPlan={() => commands.messagePlanRepublish(connectionId, request as RepublishRequest)}
        apply={(confirmation) => job.start((channel) => commands.messageRepublish(connectionId, request as RepublishRequest, confirmation, channel))}
        applyLabel="Re-publish"
        onClose={() => setRequest(null)}
        onApplied={() => setRequest(null)}
      />
    </>
  );
}
