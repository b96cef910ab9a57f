// TLS and the address-rewrite table of a connection: the dialer under every socket it opens.
import { ActionIcon, Alert, Button, Group, PasswordInput, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import type { Rewrite, TlsSpec, TlsVerify } from '../../../bindings';

const VERIFY: { value: TlsVerify['kind']; label: string }[] = [
  { value: 'systemRoots', label: 'System trusted roots' },
  { value: 'caFile', label: 'CA certificate file' },
  { value: 'acceptAny', label: 'Accept any certificate (insecure)' },
];

function verifyOf(kind: string | null, path: string): TlsVerify {
  if (kind === 'caFile') return { kind: 'caFile', path };
  if (kind === 'acceptAny') return { kind: 'acceptAny' };
  return { kind: 'systemRoots' };
}

/** The passphrase of an encrypted client key: typed here, kept in the keychain, never shown again. */
export interface KeyPassphrase {
  value: string | null;
  /** A passphrase is saved for this connection already (editing). */
  saved: boolean;
  onChange: (v: string | null) => void;
}

export function TlsFields({ tls, onChange, passphrase }: { tls: TlsSpec | null; onChange: (t: TlsSpec | null) => void; passphrase: KeyPassphrase }) {
  const path = tls?.verify.kind === 'caFile' ? tls.verify.path : '';
  return (
    <Stack gap={6} data-testid="conn-tls">
      <Group gap="xs" align="end">
        <div>
          <Text size="xs" fw={500} mb={2}>
            Transport
          </Text>
          <SegmentedControl
            size="xs"
            value={tls ? 'tls' : 'plain'}
            onChange={(v) => onChange(v === 'tls' ? { verify: { kind: 'systemRoots' }, clientCert: null, clientKey: null } : null)}
            data={[
              { value: 'plain', label: 'Plain TCP' },
              { value: 'tls', label: 'TLS' },
            ]}
            data-testid="conn-tls-mode"
          />
        </div>
        {tls ? (
          <Select
            size="xs"
            label="Server certificate"
            w={260}
            allowDeselect={false}
            data={VERIFY}
            value={tls.verify.kind}
            onChange={(k) => onChange({ ...tls, verify: verifyOf(k, path) })}
            data-testid="conn-tls-verify"
          />
        ) : null}
      </Group>
      {tls?.verify.kind === 'caFile' ? (
        <TextInput
          size="xs"
          label="CA certificate file (PEM)"
          placeholder="/path/to/ca.pem"
          value={path}
          onChange={(e) => onChange({ ...tls, verify: { kind: 'caFile', path: e.currentTarget.value } })}
          data-testid="conn-tls-ca"
        />
      ) : null}
      {tls?.verify.kind === 'acceptAny' ? (
        <Alert color="orange" variant="light" p="xs" data-testid="conn-tls-insecure">
          <Text size="xs">
            The server&apos;s certificate will not be checked: anyone on the path can read and change the traffic. For test
            clusters only; the connection&apos;s tab shows a warning.
          </Text>
        </Alert>
      ) : null}
      {tls ? (
        <Group grow>
          <TextInput
            size="xs"
            label="Client certificate (mutual TLS, optional)"
            placeholder="/path/to/client.pem"
            value={tls.clientCert ?? ''}
            onChange={(e) => onChange({ ...tls, clientCert: e.currentTarget.value || null })}
          />
          <TextInput
            size="xs"
            label="Client key (PEM; encrypted PKCS#8 too)"
            placeholder="/path/to/client.key"
            value={tls.clientKey ?? ''}
            onChange={(e) => onChange({ ...tls, clientKey: e.currentTarget.value || null })}
          />
          <PasswordInput
            size="xs"
            label="Key passphrase (encrypted key only)"
            placeholder={passphrase.saved ? 'saved in the keychain: unchanged' : 'none'}
            disabled={!tls.clientKey}
            value={passphrase.value ?? ''}
            onChange={(e) => passphrase.onChange(e.currentTarget.value || null)}
            data-testid="conn-key-passphrase"
          />
        </Group>
      ) : null}
    </Stack>
  );
}

export function RewriteFields({ rows, onChange }: { rows: Rewrite[]; onChange: (r: Rewrite[]) => void }) {
  const setRow = (i: number, r: Rewrite) => onChange(rows.map((x, j) => (j === i ? r : x)));
  return (
    <Stack gap={4} data-testid="conn-rewrites">
      <Text size="xs" fw={500}>
        Address rewrite
      </Text>
      <Text size="xs" c="dimmed">
        For brokers that advertise addresses this machine cannot reach (Docker, NAT): an advertised host:port — or a host,
        any port — and the host:port (or host, same port) to dial instead.
      </Text>
      {rows.map((r, i) => (
        // Rows have no identity but their place; editing never reorders them.
        <Group key={i} gap={4} wrap="nowrap">
          <TextInput
            size="xs"
            style={{ flex: 1 }}
            placeholder="advertised, e.g. 172.17.0.3:10911"
            aria-label={`Rewrite ${i + 1} from`}
            value={r.from}
            onChange={(e) => setRow(i, { ...r, from: e.currentTarget.value })}
            data-testid={`conn-rewrite-from-${i}`}
          />
          <Text size="xs">→</Text>
          <TextInput
            size="xs"
            style={{ flex: 1 }}
            placeholder="dial, e.g. 127.0.0.1:10911"
            aria-label={`Rewrite ${i + 1} to`}
            value={r.to}
            onChange={(e) => setRow(i, { ...r, to: e.currentTarget.value })}
            data-testid={`conn-rewrite-to-${i}`}
          />
          <ActionIcon size="sm" variant="subtle" color="gray" aria-label={`Remove rewrite ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            <IconTrash size={14} />
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button size="compact-xs" variant="light" onClick={() => onChange([...rows, { from: '', to: '' }])} data-testid="conn-rewrite-add">
          Add rewrite
        </Button>
      </Group>
    </Stack>
  );
}
