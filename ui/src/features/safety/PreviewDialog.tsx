// The preview every mutation goes through: the connection and its environment colour, the exact
// change (before → after per broker or name server), warnings to acknowledge, the equivalent
// mqadmin command line, and a typed confirmation for destructive or production changes. The core
// checks the same rules again (and refuses read-only connections): this dialog only explains them.
import { Alert, Badge, Box, Button, Checkbox, Code, CopyButton, Group, Loader, Modal, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy, IconLock } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import type { ChangePlan, Confirmation, FieldChange } from '../../bindings';
import type { Column } from '../../components/columns';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SmallTable } from '../../components/SmallTable';
import { toIpcError } from '../../ipc/errors';
import { previewKeys } from './api';
import { WriteButton } from './WriteGuard';

interface Props<T> {
  /** The change being previewed (`previewKeys.plan`); a new key loads a new plan. Null: closed. */
  planKey: readonly unknown[] | null;
  loadPlan: () => Promise<ChangePlan>;
  apply: (confirmation: Confirmation) => Promise<T>;
  onApplied: (result: T) => void;
  onClose: () => void;
  /** Label of the apply button, e.g. "Delete topic". */
  applyLabel?: string;
  /** Shown instead of the change table (e.g. an offset reset's richer per-queue preview). */
  extra?: ReactNode;
}

const CHANGE_COLUMNS: Column<FieldChange>[] = [
  { key: 'scope', header: 'Where', render: (ch) => ch.scope },
  { key: 'field', header: 'What', mono: true, render: (ch) => ch.field },
  {
    key: 'before',
    header: 'Before',
    render: (ch) => (
      <Text span inherit c={ch.before === null ? 'dimmed' : 'red'}>
        {ch.before ?? '—'}
      </Text>
    ),
  },
  {
    key: 'after',
    header: 'After',
    render: (ch) => (
      <Text span inherit c={ch.after === null ? 'dimmed' : 'green'} style={{ wordBreak: 'break-all' }}>
        {ch.after ?? (ch.before === null ? '—' : 'removed')}
      </Text>
    ),
  },
];

export function PreviewDialog<T>({ planKey, loadPlan, apply, onApplied, onClose, applyLabel, extra }: Props<T>) {
  const plan = useQuery({
    queryKey: planKey ?? previewKeys.all(),
    queryFn: loadPlan,
    enabled: planKey !== null,
    gcTime: 0,
    staleTime: 0,
    retry: false,
  });
  return (
    <Modal opened={planKey !== null} onClose={onClose} size="xl" title={<Text fw={700}>{plan.data?.title ?? 'Preview'}</Text>}>
      {plan.isLoading ? (
        <Group gap="xs">
          <Loader size="xs" />
          <Text size="sm">Reading the current state from the cluster…</Text>
        </Group>
      ) : plan.error ? (
        <ErrorAlert error={toIpcError(plan.error)} testId="preview-error" />
      ) : plan.data ? (
        // Keyed by the plan so the typed confirmation starts empty for every new plan.
        <PlanBody key={JSON.stringify(planKey)} plan={plan.data} apply={apply} onApplied={onApplied} onClose={onClose} applyLabel={applyLabel} extra={extra} />
      ) : null}
    </Modal>
  );
}

function PlanBody<T>({
  plan,
  apply,
  onApplied,
  onClose,
  applyLabel,
  extra,
}: {
  plan: ChangePlan;
  apply: (c: Confirmation) => Promise<T>;
  onApplied: (r: T) => void;
  onClose: () => void;
  applyLabel?: string;
  extra?: ReactNode;
}) {
  const [typed, setTyped] = useState('');
  const [acknowledged, setAcknowledged] = useState(false);
  const run = useMutation({ mutationFn: apply, onSuccess: onApplied });
  const c = plan.connection;
  const typedOk = plan.confirmText === null || typed.trim() === plan.confirmText;
  const ackOk = !plan.acknowledge || acknowledged;
  const blocked = plan.refusal !== null || plan.noOp;
  return (
    <Stack gap="sm" data-testid="preview-dialog">
      <Group gap="xs" p={6} style={{ borderLeft: `4px solid ${c.envColor}`, background: 'var(--mantine-color-default-hover)', borderRadius: 4 }}>
        <Text size="sm" fw={600} data-testid="preview-connection">
          {c.name}
        </Text>
        {c.envLabel ? (
          <Badge size="sm" radius="sm" style={{ backgroundColor: c.envColor }}>
            {c.envLabel}
          </Badge>
        ) : null}
        {c.production ? (
          <Badge size="sm" color="red" variant="outline">
            production
          </Badge>
        ) : null}
        {c.readOnly ? (
          <Badge size="sm" color="gray" variant="outline" leftSection={<IconLock size={10} />}>
            read-only
          </Badge>
        ) : null}
      </Group>
      {plan.refusal ? (
        <Alert color="gray" icon={<IconLock size={16} />} title="Refused" data-testid="preview-refusal">
          {plan.refusal}
        </Alert>
      ) : null}
      {extra ?? null}
      {extra ? null : plan.noOp ? (
        <Alert color="blue" data-testid="preview-noop">
          Nothing would change: the cluster already has these values.
        </Alert>
      ) : (
        <SmallTable rows={plan.changes} columns={CHANGE_COLUMNS} rowKey={(_, i) => String(i)} testId="preview-changes" />
      )}
      {plan.warnings.length > 0 ? (
        <Alert color="orange" icon={<IconAlertTriangle size={16} />} title="Before you apply" data-testid="preview-warnings">
          <Stack gap={4}>
            {plan.warnings.map((w) => (
              <Text key={w} size="sm">
                {w}
              </Text>
            ))}
            {plan.acknowledge ? (
              <Checkbox
                mt={4}
                label="I understand"
                checked={acknowledged}
                onChange={(e) => setAcknowledged(e.currentTarget.checked)}
                data-testid="preview-ack"
              />
            ) : null}
          </Stack>
        </Alert>
      ) : null}
      {plan.mqadmin.length > 0 ? (
        <Box>
          <Group justify="space-between" mb={2}>
            <Text size="xs" fw={700}>
              Equivalent mqadmin
            </Text>
            <CopyButton value={plan.mqadmin.join('\n')}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="subtle" onClick={copy} leftSection={copied ? <IconCheck size={12} /> : <IconCopy size={12} />}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Code block data-testid="preview-mqadmin" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            {plan.mqadmin.join('\n')}
          </Code>
        </Box>
      ) : null}
      {plan.confirmText !== null && !blocked ? (
        <TextInput
          size="sm"
          label={
            <Text size="sm" span>
              {plan.destructive ? 'This cannot be undone.' : 'This is a production connection.'} Type{' '}
              <Code>{plan.confirmText}</Code> to confirm
            </Text>
          }
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          data-testid="preview-typed"
          autoComplete="off"
        />
      ) : null}
      {run.error ? <ErrorAlert error={toIpcError(run.error)} testId="preview-apply-error" /> : null}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <WriteButton
          color={plan.destructive ? 'red' : undefined}
          disabled={blocked || !typedOk || !ackOk}
          loading={run.isPending}
          onClick={() => run.mutate({ typed: typed.trim() || null, acknowledged })}
          data-testid="preview-apply"
        >
          {applyLabel ?? 'Apply'}
        </WriteButton>
      </Group>
    </Stack>
  );
}
