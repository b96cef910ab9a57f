// Create or edit a connection, with Test connection before saving.
import {
  Alert,
  Badge,
  Button,
  ColorInput,
  Group,
  Modal,
  PasswordInput,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  commands,
  type ConnectionDraft,
  type ConnectionProfile,
  type ConnectionTestReport,
  type TestedBroker,
} from '../../../bindings';
import type { Column } from '../../../components/columns';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { SmallTable } from '../../../components/SmallTable';
import { showError, toIpcError } from '../../../ipc/errors';
import { formatTime, formatVersion } from '../../../lib/format';
import { appInfoQuery, connectionKeys } from '../api';
import { RewriteFields, TlsFields } from './DialerFields';

const SWATCHES = ['#64748b', '#22c55e', '#3b82f6', '#eab308', '#f97316', '#ef4444', '#a855f7'];

export function draftOf(p: ConnectionProfile | null): ConnectionDraft {
  return {
    name: p?.name ?? '',
    namesrvAddrs: p?.namesrvAddrs.join(';') ?? '',
    vipChannel: p?.vipChannel ?? false,
    accessKey: p?.accessKey ?? null,
    secretKey: null,
    envLabel: p?.envLabel ?? '',
    envColor: p?.envColor ?? '#64748b',
    readOnly: p?.readOnly ?? false,
    tls: p?.tls ?? null,
    rewrites: p?.rewrites ?? [],
    keyPassphrase: null,
    traceTopic: p?.traceTopic ?? 'RMQ_SYS_TRACE_TOPIC',
  };
}

const BROKER_COLUMNS: Column<TestedBroker>[] = [
  { key: 'name', header: 'Broker', render: (b) => b.brokerName },
  { key: 'addr', header: 'Address', mono: true, render: (b) => b.addr },
  { key: 'version', header: 'Version', render: (b) => (b.error ? <Badge color="red" size="xs">{b.error}</Badge> : formatVersion(b.version)) },
];

function TestResult({ report }: { report: ConnectionTestReport }) {
  return (
    <Alert color="green" title={`Connected in ${(report.rttMs ?? 0).toFixed(0)} ms`} data-testid="test-result">
      <Text size="xs">
        Clusters: {report.clusters.join(', ') || '—'} · {report.brokerCount} broker{report.brokerCount === 1 ? '' : 's'}
      </Text>
      <SmallTable headless rows={report.brokers} columns={BROKER_COLUMNS} rowKey={(b) => `${b.brokerName}/${b.addr}`} />
      {report.tls.length > 0 ? (
        <Stack gap={2} mt={6} data-testid="test-tls">
          <Text size="xs" fw={700}>
            TLS
          </Text>
          {report.tls.map((s) => (
            <Text key={s.addr} size="xs" component="div">
              <Text span ff="monospace" size="xs">
                {s.addr}
              </Text>{' '}
              · {s.protocol} · {s.cipherSuite} · {s.subject} (issued by {s.issuer}) · expires {formatTime(s.notAfter)}
              {s.unverified ? (
                <Badge ml={4} size="xs" color="orange">
                  not verified
                </Badge>
              ) : null}
            </Text>
          ))}
        </Stack>
      ) : null}
      {report.rewrites.length > 0 ? (
        <Stack gap={2} mt={6} data-testid="test-rewrites">
          <Text size="xs" fw={700}>
            Address rewrites applied
          </Text>
          {report.rewrites.map((r) => (
            <Text key={r.from} size="xs" ff="monospace">
              {r.from} → {r.to}
            </Text>
          ))}
        </Stack>
      ) : null}
    </Alert>
  );
}

export function ConnectionForm({
  opened,
  editing,
  onClose,
}: {
  opened: boolean;
  editing: ConnectionProfile | null;
  onClose: (saved?: ConnectionProfile) => void;
}) {
  const qc = useQueryClient();
  const info = useQuery(appInfoQuery());
  const [draft, setDraft] = useState<ConnectionDraft>(() => draftOf(editing));
  const set = <K extends keyof ConnectionDraft>(k: K, v: ConnectionDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const test = useMutation({
    // Editing an ACL connection without retyping its secret: test with the saved secret.
    mutationFn: (d: ConnectionDraft) =>
      editing && d.accessKey && !d.secretKey && editing.secretState !== 'missing'
        ? commands.connectionTestSaved(editing.id)
        : commands.connectionTest(d),
  });
  const save = useMutation({
    mutationFn: (d: ConnectionDraft) => (editing ? commands.connectionUpdate(editing.id, d) : commands.connectionCreate(d)),
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: connectionKeys.all });
      onClose(p);
    },
    onError: (e) => showError(e, 'Save connection'),
  });
  const testErr = test.error ? toIpcError(test.error) : null;
  const usesAcl = (draft.accessKey ?? '').trim() !== '';
  const keychain = info.data?.keychain;
  return (
    <Modal
      opened={opened}
      onClose={() => onClose()}
      title={editing ? `Edit ${editing.name}` : 'New connection'}
      size="lg"
      data-testid="connection-form"
    >
      <Stack gap="xs">
        <TextInput
          label="Name"
          required
          size="xs"
          value={draft.name}
          onChange={(e) => set('name', e.currentTarget.value)}
          data-testid="conn-name"
        />
        <Textarea
          label="Name servers"
          description="host:port, several separated by ; or new lines"
          required
          size="xs"
          autosize
          minRows={1}
          value={draft.namesrvAddrs}
          onChange={(e) => set('namesrvAddrs', e.currentTarget.value)}
          data-testid="conn-namesrv"
        />
        <Group grow>
          <TextInput
            label="Environment label"
            placeholder="prod, staging, dev…"
            size="xs"
            value={draft.envLabel}
            onChange={(e) => set('envLabel', e.currentTarget.value)}
            data-testid="conn-env-label"
          />
          <ColorInput
            label="Environment colour"
            size="xs"
            swatches={SWATCHES}
            value={draft.envColor}
            onChange={(v) => set('envColor', v)}
          />
        </Group>
        <Group grow>
          <TextInput
            label="ACL access key"
            placeholder="none"
            size="xs"
            value={draft.accessKey ?? ''}
            onChange={(e) => set('accessKey', e.currentTarget.value || null)}
          />
          <PasswordInput
            label="ACL secret key"
            size="xs"
            placeholder={editing?.accessKey ? 'unchanged' : ''}
            disabled={!usesAcl}
            value={draft.secretKey ?? ''}
            onChange={(e) => set('secretKey', e.currentTarget.value || null)}
          />
        </Group>
        {usesAcl && keychain && !keychain.available ? (
          <Alert color="yellow" title="No OS keychain on this machine">
            The secret key will be kept for this session only and asked for again next time. ({keychain.detail})
          </Alert>
        ) : null}
        <TextInput
          label="Trace topic"
          description="Where this cluster's clients write message traces (brokers create RMQ_SYS_TRACE_TOPIC with traceTopicEnable=true)"
          size="xs"
          value={draft.traceTopic ?? ''}
          placeholder="RMQ_SYS_TRACE_TOPIC"
          onChange={(e) => set('traceTopic', e.currentTarget.value || null)}
          data-testid="conn-trace-topic"
        />
        <Group>
          <Switch
            size="xs"
            label="VIP channel"
            checked={draft.vipChannel}
            onChange={(e) => set('vipChannel', e.currentTarget.checked)}
          />
          <Switch
            size="xs"
            label="Read-only (refuse every change)"
            data-testid="conn-readonly"
            checked={draft.readOnly}
            onChange={(e) => set('readOnly', e.currentTarget.checked)}
          />
        </Group>
        <TlsFields
          tls={draft.tls ?? null}
          onChange={(t) => set('tls', t)}
          passphrase={{ value: draft.keyPassphrase ?? null, saved: editing?.keyPassphraseSaved ?? false, onChange: (v) => set('keyPassphrase', v) }}
        />
        <RewriteFields rows={draft.rewrites ?? []} onChange={(r) => set('rewrites', r)} />
        {test.data ? <TestResult report={test.data} /> : null}
        {testErr ? <ErrorAlert error={testErr} testId="test-error" /> : null}
        <Group justify="space-between" mt="xs">
          <Button
            size="xs"
            variant="default"
            loading={test.isPending}
            onClick={() => test.mutate({ ...draft, secretKey: draft.secretKey })}
            data-testid="conn-test"
          >
            Test connection
          </Button>
          <Group gap="xs">
            <Button size="xs" variant="subtle" onClick={() => onClose()}>
              Cancel
            </Button>
            <Button size="xs" loading={save.isPending} onClick={() => save.mutate(draft)} data-testid="conn-save">
              Save
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
