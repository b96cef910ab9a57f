// Create or update a consumer group: target clusters or brokers and every subscription-group
// setting (consume enabled, broadcast, orderly, retry queues and max times, the broker consumers
// read from). "Preview" shows the exact change per broker through the PreviewDialog; nothing is sent
// before the user applies it there.
import { Button, Checkbox, Group, Modal, NumberInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { commands, type AuditEntry, type ConnectionProfile, type GroupConfig, type GroupSpec } from '../../../bindings';
import { TargetPicker, useMasterTargets, withDefaultCluster } from '../../cluster/components/TargetPicker';
import { previewKeys } from '../../safety/api';
import { PreviewDialog } from '../../safety/PreviewDialog';
import { WriteButton } from '../../safety/WriteGuard';
import { notifyApplied } from '../../safety/notify';
import { groupKeys } from '../api';

/** Client-side name check mirroring the core's (the core checks again and has the last word). */
export function groupNameProblem(name: string): string | null {
  if (!name.trim()) return 'Enter a group name.';
  if (name.length > 120) return `${name.length} characters: RocketMQ allows at most 120.`;
  const bad = [...name].find((ch) => !/[A-Za-z0-9_\-%|]/.test(ch));
  if (bad !== undefined) return `'${bad}' is not allowed: only letters, digits, '_', '-', '%' and '|'.`;
  for (const p of ['%RETRY%', '%DLQ%']) if (name.startsWith(p)) return `The prefix '${p}' is reserved for the group's topics.`;
  return null;
}

export const DEFAULT_GROUP_CONFIG: GroupConfig = {
  consumeEnable: true,
  consumeFromMinEnable: true,
  consumeBroadcastEnable: true,
  consumeMessageOrderly: false,
  retryQueueNums: 1,
  retryMaxTimes: 16,
  brokerId: 0,
  whichBrokerWhenConsumeSlowly: 1,
  notifyConsumerIdsChangedEnable: true,
};

export interface GroupFormInitial {
  spec: GroupSpec;
  /** Editing an existing group: the name is fixed. */
  existing: boolean;
}

export function GroupFormModal({ connection, initial, onClose }: { connection: ConnectionProfile; initial: GroupFormInitial | null; onClose: () => void }) {
  return (
    <Modal opened={initial !== null} onClose={onClose} title={<Text fw={700}>{initial?.existing ? `Edit group ${initial.spec.group}` : 'Create consumer group'}</Text>} size="lg">
      {initial ? <GroupForm key={initial.spec.group} connection={connection} initial={initial} onDone={onClose} /> : null}
    </Modal>
  );
}

function GroupForm({ connection, initial, onDone }: { connection: ConnectionProfile; initial: GroupFormInitial; onDone: () => void }) {
  const qc = useQueryClient();
  const { clusters, masters } = useMasterTargets(connection.id);
  const [draft, setDraft] = useState<GroupSpec>(initial.spec);
  const [touchedTargets, setTouchedTargets] = useState(false);
  const [previewKey, setPreviewKey] = useState<readonly unknown[] | null>(null);
  const spec = withDefaultCluster(draft, clusters, !initial.existing && !touchedTargets);
  const set = (patch: Partial<GroupConfig>) => setDraft((s) => ({ ...s, config: { ...s.config, ...patch } }));
  const c = spec.config;
  const nameProblem = initial.existing ? null : groupNameProblem(spec.group);
  const noTarget = !spec.clusters?.length && !spec.brokers?.length;
  const flag = (label: string, key: keyof GroupConfig, hint: string) => (
    <Checkbox
      label={label}
      description={hint}
      checked={Boolean(c[key])}
      onChange={(e) => set({ [key]: e.currentTarget.checked } as Partial<GroupConfig>)}
      data-testid={`group-form-${key}`}
    />
  );
  return (
    <Stack gap="sm" data-testid="group-form">
      <TextInput
        label="Group name"
        value={spec.group}
        disabled={initial.existing}
        onChange={(e) => {
          const group = e.currentTarget.value;
          setDraft((s) => ({ ...s, group }));
        }}
        error={spec.group && nameProblem}
        data-testid="group-form-name"
        autoComplete="off"
      />
      <TargetPicker
        clusters={clusters}
        masters={masters}
        value={spec}
        onChange={(t) => {
          setTouchedTargets(true);
          setDraft((s) => ({ ...s, ...t }));
        }}
        testIdPrefix="group-form"
      />
      <SimpleGrid cols={2} spacing="sm">
        {flag('Consume enabled', 'consumeEnable', 'Off: brokers refuse the group’s pulls.')}
        {flag('Broadcast allowed', 'consumeBroadcastEnable', 'Clients may consume in BROADCASTING mode.')}
        {flag('Orderly (5.x)', 'consumeMessageOrderly', 'POP consumers get each queue in order.')}
        {flag('Consume from min allowed', 'consumeFromMinEnable', 'A new group may start from the first offset.')}
        {flag('Notify clients of membership changes', 'notifyConsumerIdsChangedEnable', 'Triggers a rebalance when clients come and go.')}
      </SimpleGrid>
      <Group grow>
        <NumberInput label="Retry max times" description="-1: the client decides" min={-1} max={1000} value={c.retryMaxTimes} onChange={(v) => set({ retryMaxTimes: Number(v) })} data-testid="group-form-retry-max" />
        <NumberInput label="Retry queues" description="0: failed messages are dropped" min={0} max={64} value={c.retryQueueNums} onChange={(v) => set({ retryQueueNums: Number(v) })} data-testid="group-form-retry-queues" />
        <NumberInput label="Read from broker id" description="0: the master" min={0} value={c.brokerId} onChange={(v) => set({ brokerId: Number(v) })} />
        <NumberInput label="When slow, broker id" min={0} value={c.whichBrokerWhenConsumeSlowly} onChange={(v) => set({ whichBrokerWhenConsumeSlowly: Number(v) })} />
      </Group>
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <WriteButton disabled={nameProblem !== null || noTarget} onClick={() => setPreviewKey(previewKeys.plan('group-upsert', connection.id, spec))} data-testid="group-form-preview">
          Preview
        </WriteButton>
      </Group>
      <PreviewDialog<AuditEntry>
        planKey={previewKey}
        loadPlan={() => commands.groupPlanUpsert(connection.id, spec)}
        apply={(confirmation) => commands.groupUpsert(connection.id, spec, confirmation)}
        applyLabel={initial.existing ? 'Update group' : 'Create group'}
        onClose={() => setPreviewKey(null)}
        onApplied={(e) => {
          notifyApplied(e);
          void qc.invalidateQueries({ queryKey: groupKeys.all(connection.id) });
          setPreviewKey(null);
          onDone();
        }}
      />
    </Stack>
  );
}
