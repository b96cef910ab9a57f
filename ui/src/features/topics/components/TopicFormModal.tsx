// Create or update a topic: target clusters or brokers, queue counts, permission, message type
// (5.x) and order flag. "Preview" shows the exact change through the PreviewDialog; nothing is
// sent before the user applies it there.
import { Alert, Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type AuditEntry, type ConnectionProfile, type TopicMessageType, type TopicSpec } from '../../../bindings';
import { TargetPicker, useMasterTargets, withDefaultCluster } from '../../cluster/components/TargetPicker';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
import { notifyApplied } from '../../safety/notify';
import { topicKeys } from '../api';

/** Client-side name check mirroring the core's (the core checks again and has the last word). */
export function topicNameProblem(name: string): string | null {
  if (!name.trim()) return 'Enter a topic name.';
  if (name.length > 127) return `${name.length} characters: RocketMQ allows at most 127.`;
  const bad = [...name].find((ch) => !/[A-Za-z0-9_\-%|]/.test(ch));
  if (bad !== undefined) return `'${bad}' is not allowed: only letters, digits, '_', '-', '%' and '|'.`;
  for (const p of ['%RETRY%', '%DLQ%', '%SYS%', 'rmq_sys_', 'RMQ_SYS_']) if (name.startsWith(p)) return `The prefix '${p}' is reserved.`;
  return null;
}

const PERMS = [
  { value: '6', label: 'Read / write (6)' },
  { value: '4', label: 'Read only (4)' },
  { value: '2', label: 'Write only (2)' },
];
const MESSAGE_TYPES: { value: TopicMessageType | 'unset'; label: string }[] = [
  { value: 'unset', label: 'Not set (4.x, or keep as is)' },
  { value: 'normal', label: 'Normal' },
  { value: 'fifo', label: 'FIFO' },
  { value: 'delay', label: 'Delay' },
  { value: 'transaction', label: 'Transaction' },
];

export interface TopicFormInitial {
  spec: TopicSpec;
  /** Editing an existing topic: the name is fixed. */
  existing: boolean;
}

export function TopicFormModal({
  connection,
  initial,
  onClose,
}: {
  connection: ConnectionProfile;
  initial: TopicFormInitial | null;
  onClose: () => void;
}) {
  return (
    <Modal opened={initial !== null} onClose={onClose} title={<Text fw={700}>{initial?.existing ? `Edit topic ${initial.spec.name}` : 'Create topic'}</Text>} size="lg">
      {initial ? <TopicForm key={initial.spec.name} connection={connection} initial={initial} onDone={onClose} /> : null}
    </Modal>
  );
}

function TopicForm({ connection, initial, onDone }: { connection: ConnectionProfile; initial: TopicFormInitial; onDone: () => void }) {
  const qc = useQueryClient();
  const { clusters, masters } = useMasterTargets(connection.id);
  const [draft, setSpec] = useState<TopicSpec>(initial.spec);
  const [touchedTargets, setTouchedTargets] = useState(false);
  const [previewKey, setPreviewKey] = useState<readonly unknown[] | null>(null);
  const set = (patch: Partial<TopicSpec>) => setSpec((s) => ({ ...s, ...patch }));
  const spec = withDefaultCluster(draft, clusters, !initial.existing && !touchedTargets);
  const nameProblem = initial.existing ? null : topicNameProblem(spec.name);
  const noTarget = !spec.clusters?.length && !spec.brokers?.length;
  const shrink = initial.existing && (spec.readQueues < initial.spec.readQueues || spec.writeQueues < initial.spec.writeQueues);
  return (
    <Stack gap="sm" data-testid="topic-form">
      <TextInput
        label="Name"
        value={spec.name}
        disabled={initial.existing}
        onChange={(e) => set({ name: e.currentTarget.value })}
        error={spec.name && nameProblem}
        data-testid="topic-form-name"
        autoComplete="off"
      />
      <TargetPicker
        clusters={clusters}
        masters={masters}
        value={spec}
        onChange={(t) => {
          setTouchedTargets(true);
          set(t);
        }}
        testIdPrefix="topic-form"
      />
      <Group grow>
        <NumberInput label="Read queues" min={1} max={1024} value={spec.readQueues} onChange={(v) => set({ readQueues: Number(v) || 1 })} data-testid="topic-form-read" />
        <NumberInput label="Write queues" min={1} max={1024} value={spec.writeQueues} onChange={(v) => set({ writeQueues: Number(v) || 1 })} data-testid="topic-form-write" />
        <Select label="Permission" data={PERMS} value={String(spec.perm)} onChange={(v) => set({ perm: Number(v ?? 6) })} allowDeselect={false} />
      </Group>
      <Group grow align="flex-end">
        <Select
          label="Message type (5.x)"
          data={MESSAGE_TYPES}
          value={spec.messageType ?? 'unset'}
          onChange={(v) => set({ messageType: v === 'unset' || v === null ? null : (v as TopicMessageType) })}
          allowDeselect={false}
          data-testid="topic-form-type"
        />
        <Checkbox label="Ordered (FIFO on 4.x: the name server's order config)" checked={spec.order} onChange={(e) => set({ order: e.currentTarget.checked })} mb={8} />
      </Group>
      {shrink ? (
        <Alert color="orange" variant="light" data-testid="topic-form-shrink">
          Fewer queues than now: messages in the removed queues are no longer consumed. The preview asks you to acknowledge it.
        </Alert>
      ) : null}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <WriteButton disabled={nameProblem !== null || noTarget} onClick={() => setPreviewKey(previewKeys.plan('topic-upsert', connection.id, spec))} data-testid="topic-form-preview">
          Preview
        </WriteButton>
      </Group>
      <PreviewDialog<AuditEntry>
        planKey={previewKey}
        loadPlan={() => commands.topicPlanUpsert(connection.id, spec)}
        apply={(c) => commands.topicUpsert(connection.id, spec, c)}
        applyLabel={initial.existing ? 'Update topic' : 'Create topic'}
        onClose={() => setPreviewKey(null)}
        onApplied={(e) => {
          notifyApplied(e);
          void qc.invalidateQueries({ queryKey: topicKeys.all(connection.id) });
          setPreviewKey(null);
          onDone();
        }}
      />
    </Stack>
  );
}
