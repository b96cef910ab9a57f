// Resend one message to a consumer group: an online client of the group consumes it now
// (consume-directly) and its own answer is shown (CR_SUCCESS, CR_LATER, an exception…).
import { Alert, Button, Group, Modal, Select, Stack, Text } from '@mantine/core';
import { IconSend } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type ConnectionId, type ResendRequest, type ResendResult } from '../../../bindings';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
import { topicConsumersQuery } from '../../topics/api';

export function ResendModal({ connectionId, offsetMsgId, topic, onClose }: { connectionId: ConnectionId; offsetMsgId: string | null; topic: string; onClose: () => void }) {
  const [group, setGroup] = useState<string | null>(null);
  const [client, setClient] = useState<string | null>(null);
  const [request, setRequest] = useState<ResendRequest | null>(null);
  const [result, setResult] = useState<ResendResult | null>(null);
  const consumers = useQuery({ ...topicConsumersQuery(connectionId, topic), enabled: offsetMsgId !== null && topic !== '' });
  const groups = (consumers.data?.groups ?? []).filter((g) => g.clients.length > 0);
  const chosen = groups.find((g) => g.group === group);
  const close = () => {
    setRequest(null);
    setResult(null);
    onClose();
  };
  return (
    <>
      <Modal opened={offsetMsgId !== null && request === null} onClose={close} size="lg" title={<Text fw={700}>Resend to a consumer group</Text>}>
        <Stack gap="sm" data-testid="resend-modal">
          <Text size="sm">An online client of the group runs its listener on this message now, whatever the group's offset.</Text>
          <Select
            label="Consumer group (online)"
            data={groups.map((g) => ({ value: g.group, label: `${g.group} · ${g.clients.length} client(s)` }))}
            value={group}
            onChange={(v) => {
              setGroup(v);
              setClient(null);
            }}
            placeholder={consumers.isLoading ? 'Loading…' : groups.length ? 'Choose' : 'No group of this topic is online'}
            data-testid="resend-group"
          />
          <Select
            label="Client (blank: the first)"
            data={(chosen?.clients ?? []).map((c) => ({ value: c.clientId, label: `${c.clientId} · ${c.language} · ${c.addr}` }))}
            value={client}
            onChange={setClient}
            clearable
            disabled={!chosen}
            data-testid="resend-client"
          />
          {result ? (
            <Alert color={result.consumeResult === 'CR_SUCCESS' ? 'green' : 'orange'} variant="light" title={`The client answered ${result.consumeResult ?? 'nothing'}`} data-testid="resend-result">
              {result.clientId}
              {result.spentTimeMs !== null ? ` · ${result.spentTimeMs} ms` : ''}
              {result.remark ? ` · ${result.remark}` : ''}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Close
            </Button>
            <WriteButton leftSection={<IconSend size={14} />} disabled={!group || !offsetMsgId} onClick={() => offsetMsgId && group && setRequest({ offsetMsgId, group, clientId: client })} data-testid="resend-preview">
              Preview
            </WriteButton>
          </Group>
        </Stack>
      </Modal>
      <PreviewDialog<ResendResult>
        planKey={request ? previewKeys.plan('resend', connectionId, request) : null}
        loadPlan={async () => (await commands.messagePlanResend(connectionId, request as ResendRequest)).plan}
        apply={(confirmation) => commands.messageResend(connectionId, request as ResendRequest, confirmation)}
        applyLabel="Resend"
        onClose={() => setRequest(null)}
        onApplied={(r) => {
          setResult(r);
          setRequest(null);
        }}
      />
    </>
  );
}
