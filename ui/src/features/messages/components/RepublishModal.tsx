// Re-publish copies of messages to a chosen topic, keeping keys, tag and user properties: choose
// the topic, preview (the first messages listed, warnings acknowledged), then a job with progress,
// Cancel and one outcome line per message.
import { Autocomplete, Badge, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { IconCopy } from '@tabler/icons-react';
import { useState } from 'react';
import { commands, type ConnectionId, type RepublishItem, type RepublishRequest, type RepublishSummary } from '../../../bindings';
import { JobBar } from '../../../components/JobBar';
import { useJobRunner } from '../../../ipc/jobs';
import { PreviewDialog } from '../../safety/PreviewDialog';

export function RepublishModal({ connectionId, ids, topics, onClose }: { connectionId: ConnectionId; ids: string[] | null; topics: string[]; onClose: () => void }) {
  const [target, setTarget] = useState('');
  const [request, setRequest] = useState<RepublishRequest | null>(null);
  const job = useJobRunner<RepublishItem>();
  const s = job.state;
  const summary = s.outcome?.status === 'completed' ? (s.outcome.summary as RepublishSummary) : null;
  const started = s.jobId !== null || s.running || s.outcome !== null;
  const close = () => {
    setRequest(null);
    job.reset();
    onClose();
  };
  return (
    <>
      <Modal opened={ids !== null && request === null} onClose={close} size="lg" title={<Text fw={700}>Re-publish {ids?.length ?? 0} message(s)</Text>}>
        <Stack gap="sm" data-testid="republish-modal">
          {!started ? (
            <>
              <Text size="sm">Copies go to the topic you choose as new messages, with the same keys, tag, user properties and body.</Text>
              <Autocomplete label="Target topic" data={topics} value={target} onChange={setTarget} limit={50} data-testid="republish-topic" />
              <Group justify="flex-end">
                <Button variant="default" onClick={close}>
                  Cancel
                </Button>
                <Button leftSection={<IconCopy size={14} />} disabled={!target.trim() || !ids?.length} onClick={() => ids && setRequest({ offsetMsgIds: ids, targetTopic: target.trim() })} data-testid="republish-preview">
                  Preview
                </Button>
              </Group>
            </>
          ) : (
            <>
              <JobBar state={s} unit="messages" onCancel={() => void job.cancel()} testId="republish-job" />
              {summary ? (
                <Text size="sm" data-testid="republish-summary">
                  {summary.ok} copied to {summary.targetTopic}
                  {summary.failed ? `, ${summary.failed} failed` : ''}
                  {summary.notRun ? `, ${summary.notRun} not run` : ''} · journal entry #{summary.auditId}
                </Text>
              ) : null}
              <Table fz="xs" verticalSpacing={2} withTableBorder striped data-testid="republish-results">
                <Table.Tbody>
                  {s.items.map((i) => (
                    <Table.Tr key={i.offsetMsgId}>
                      <Table.Td ff="monospace">{i.offsetMsgId}</Table.Td>
                      <Table.Td>
                        <Badge size="xs" variant="light" color={i.ok ? 'green' : 'red'}>
                          {i.ok ? 'copied' : 'failed'}
                        </Badge>
                      </Table.Td>
                      <Table.Td ff="monospace" c={i.ok ? undefined : 'red'}>
                        {i.ok ? `→ ${i.sent?.brokerName} #${i.sent?.queueId} · ${i.sent?.offsetMsgId}` : i.error}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
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
        planKey={request ? ['republish', connectionId, JSON.stringify(request)] : null}
        loadPlan={() => commands.messagePlanRepublish(connectionId, request as RepublishRequest)}
        apply={(confirmation) => job.start((channel) => commands.messageRepublish(connectionId, request as RepublishRequest, confirmation, channel))}
        applyLabel="Re-publish"
        onClose={() => setRequest(null)}
        onApplied={() => setRequest(null)}
      />
    </>
  );
}
