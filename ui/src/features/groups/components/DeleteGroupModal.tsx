// Delete a consumer group: choose whether its committed offsets and its %RETRY% and %DLQ% topics go
// too, then the preview names every broker, the offsets and each topic with its message count; the
// group's name must be typed to confirm.
import { Alert, Button, Checkbox, Group, Modal, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type AuditEntry, type ConnectionProfile, type GroupDeleteSpec, type GroupDetail } from '../../../bindings';
import { formatOffset } from '../../../lib/format';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
import { notifyApplied } from '../../safety/notify';
import { groupKeys } from '../api';

export function DeleteGroupModal({ connection, detail, onClose, onDeleted }: { connection: ConnectionProfile; detail: GroupDetail | null; onClose: () => void; onDeleted: () => void }) {
  const qc = useQueryClient();
  const [spec, setSpec] = useState<GroupDeleteSpec | null>(null);
  const [removeOffsets, setRemoveOffsets] = useState(true);
  const [retry, setRetry] = useState(true);
  const [dlq, setDlq] = useState(false);
  if (!detail) return null;
  const group = detail.group;
  return (
    <>
      <Modal opened={spec === null} onClose={onClose} title={<Text fw={700}>Delete consumer group {group}</Text>} size="md">
        <Stack gap="sm" data-testid="group-delete-form">
          {detail.clients.length > 0 ? (
            <Alert color="orange" variant="light">
              {detail.clients.length} client(s) are online: brokers that auto-create groups create it again at their next heartbeat. Stop them first.
            </Alert>
          ) : null}
          <Checkbox label="Remove its committed offsets" checked={removeOffsets} onChange={(e) => setRemoveOffsets(e.currentTarget.checked)} data-testid="group-delete-offsets" />
          <Checkbox
            label={`Delete ${detail.retry.topic}${detail.retry.exists ? ` (${formatOffset(detail.retry.messages)} messages)` : ' (does not exist)'}`}
            checked={retry}
            disabled={!detail.retry.exists}
            onChange={(e) => setRetry(e.currentTarget.checked)}
            data-testid="group-delete-retry"
          />
          <Checkbox
            label={`Delete ${detail.dlq.topic}${detail.dlq.exists ? ` (${formatOffset(detail.dlq.messages)} dead letters, lost for replay)` : ' (does not exist)'}`}
            checked={dlq}
            disabled={!detail.dlq.exists}
            onChange={(e) => setDlq(e.currentTarget.checked)}
            data-testid="group-delete-dlq"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <WriteButton
              color="red"
              onClick={() => setSpec({ group, brokers: [], removeOffsets, deleteRetryTopic: retry && detail.retry.exists, deleteDlqTopic: dlq && detail.dlq.exists })}
              data-testid="group-delete-preview"
            >
              Preview delete
            </WriteButton>
          </Group>
        </Stack>
      </Modal>
      <PreviewDialog<AuditEntry>
        planKey={spec ? previewKeys.plan('group-delete', connection.id, spec) : null}
        loadPlan={() => commands.groupPlanDelete(connection.id, spec as GroupDeleteSpec)}
        apply={(confirmation) => commands.groupDelete(connection.id, spec as GroupDeleteSpec, confirmation)}
        applyLabel="Delete group"
        onClose={() => setSpec(null)}
        onApplied={(e) => {
          notifyApplied(e);
          setSpec(null);
          // Close the group's detail first: refreshing it would only find the group gone.
          onDeleted();
          void qc.invalidateQueries({ queryKey: groupKeys.all(connection.id) });
        }}
      />
    </>
  );
}
