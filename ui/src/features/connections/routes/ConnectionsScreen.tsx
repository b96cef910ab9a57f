// Saved connections: open, test, edit, duplicate, delete, import/export, and "Test all" as a job.
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Menu,
  Modal,
  PasswordInput,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconCopy,
  IconDots,
  IconDownload,
  IconEdit,
  IconPlayerPlay,
  IconPlugConnected,
  IconPlus,
  IconTrash,
  IconUpload,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { commands, type ConnectionProfile, type ConnectionTestItem, type ConnectionTestSummary, type SecretState } from '../../../bindings';
import { useWorkspace } from '../../../app/workspace';
import { EnvBadge } from '../../../components/EnvBadge';
import { JobBar } from '../../../components/JobBar';
import type { Column } from '../../../components/columns';
import { VirtualTable } from '../../../components/VirtualTable';
import { showError } from '../../../ipc/errors';
import { useJob } from '../../../ipc/jobs';
import { appInfoQuery, connectionKeys, connectionListQuery } from '../api';
import { ConnectionForm } from '../components/ConnectionForm';
import { ExportModal } from '../components/ExportModal';

const SECRET: Record<SecretState, { label: string; color: string }> = {
  notUsed: { label: 'no ACL', color: 'gray' },
  keychain: { label: 'ACL · keychain', color: 'teal' },
  session: { label: 'ACL · this session', color: 'yellow' },
  missing: { label: 'ACL · secret needed', color: 'red' },
};

export function ConnectionsScreen() {
  const qc = useQueryClient();
  const ws = useWorkspace();
  const list = useQuery(connectionListQuery());
  const info = useQuery(appInfoQuery());
  const [form, setForm] = useState<{ editing: ConnectionProfile | null } | null>(null);
  const [deleting, setDeleting] = useState<ConnectionProfile | null>(null);
  const [unlocking, setUnlocking] = useState<ConnectionProfile | null>(null);
  const [secret, setSecret] = useState('');
  const [exported, setExported] = useState<{ json: string; fileName: string } | null>(null);
  const exportProfiles = async (ids: string[], fileName: string) => {
    try {
      setExported({ json: await commands.connectionExport(ids), fileName });
    } catch (e) {
      showError(e, 'Export');
    }
  };
  const fileRef = useRef<HTMLInputElement>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: connectionKeys.all });

  const del = useMutation({
    mutationFn: (id: string) => commands.connectionDelete(id),
    onSuccess: (_, id) => {
      ws.close(id);
      setDeleting(null);
      refresh();
    },
    onError: (e) => showError(e, 'Delete connection'),
  });
  const dup = useMutation({
    mutationFn: (id: string) => commands.connectionDuplicate(id),
    onSuccess: refresh,
    onError: (e) => showError(e, 'Duplicate'),
  });
  const unlock = useMutation({
    mutationFn: ({ id, s }: { id: string; s: string }) => commands.connectionUnlock(id, s),
    onSuccess: (p) => {
      setUnlocking(null);
      setSecret('');
      refresh();
      ws.open(p.id);
    },
    onError: (e) => showError(e, 'Unlock'),
  });
  const testOne = useMutation({
    mutationFn: (p: ConnectionProfile) => commands.connectionTestSaved(p.id),
    onSuccess: (r, p) =>
      notifications.show({
        color: 'green',
        title: `${p.name}: connected in ${(r.rttMs ?? 0).toFixed(0)} ms`,
        message: `${r.clusters.join(', ')} · ${r.brokerCount} brokers`,
      }),
    onError: (e, p) => showError(e, `Test ${p.name}`),
  });
  const startAll = useCallback(
    (ch: Parameters<typeof commands.connectionTestAll>[0]) => commands.connectionTestAll(ch),
    [],
  );
  const testAll = useJob<ConnectionTestItem, ConnectionTestSummary>(startAll);

  const openConn = (p: ConnectionProfile) => {
    if (p.secretState === 'missing') setUnlocking(p);
    else ws.open(p.id);
  };

  const onImport = async (file: File) => {
    try {
      const r = await commands.connectionImport(await file.text());
      notifications.show({
        color: 'green',
        title: `Imported ${r.imported.length} connection${r.imported.length === 1 ? '' : 's'}`,
        message: r.skipped.length ? `Skipped ${r.skipped.length} already present.` : r.imported.join(', ') || '—',
      });
      refresh();
    } catch (e) {
      showError(e, 'Import');
    }
  };

  const results = new Map(testAll.state.items.map((i) => [i.connectionId, i]));
  const columns: Column<ConnectionProfile>[] = [
    {
      key: 'name',
      header: 'Name',
      render: (p) => (
        <Group gap={6} wrap="nowrap">
          <div style={{ width: 4, height: 18, borderRadius: 2, background: p.envColor }} />
          <Text size="xs" fw={600} span data-testid="conn-row-name">
            {p.name}
          </Text>
        </Group>
      ),
    },
    { key: 'env', header: 'Environment', render: (p) => <EnvBadge label={p.envLabel} color={p.envColor} readOnly={p.readOnly} /> },
    { key: 'ns', header: 'Name servers', render: (p) => <Text size="xs" ff="monospace" span>{p.namesrvAddrs.join('; ')}</Text> },
    {
      key: 'acl',
      header: 'ACL',
      render: (p) => (
        <Badge size="xs" variant="light" color={SECRET[p.secretState].color}>
          {SECRET[p.secretState].label}
        </Badge>
      ),
    },
    {
      key: 'test',
      header: 'Last test',
      render: (p) => {
        const r = results.get(p.id)?.result;
        if (!r) return <Text size="xs" c="dimmed" span>—</Text>;
        return r.status === 'reachable' ? (
          <Badge size="xs" color="green" variant="light">{`${r.rttMs?.toFixed(0)} ms · ${r.brokerCount} brokers`}</Badge>
        ) : (
          <Tooltip label={r.message}>
            <Badge size="xs" color="red">{r.code}</Badge>
          </Tooltip>
        );
      },
    },
    {
      key: 'actions',
      header: '',
      align: 'right',
      render: (p) => (
        <Group gap={4} justify="flex-end" wrap="nowrap" onClick={(e) => e.stopPropagation()}>
          <Button size="compact-xs" leftSection={<IconPlugConnected size={12} />} onClick={() => openConn(p)} data-testid="conn-open">
            Open
          </Button>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon size="sm" variant="subtle" aria-label={`More actions for ${p.name}`}>
                <IconDots size={14} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item leftSection={<IconPlayerPlay size={14} />} onClick={() => testOne.mutate(p)}>
                Test connection
              </Menu.Item>
              <Menu.Item leftSection={<IconEdit size={14} />} onClick={() => setForm({ editing: p })}>
                Edit
              </Menu.Item>
              <Menu.Item leftSection={<IconCopy size={14} />} onClick={() => dup.mutate(p.id)}>
                Duplicate
              </Menu.Item>
              <Menu.Item
                leftSection={<IconDownload size={14} />}
                onClick={() => void exportProfiles([p.id], `${p.name}.connections.json`)}
              >
                Export
              </Menu.Item>
              <Menu.Divider />
              <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => setDeleting(p)}>
                Delete
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      ),
    },
  ];

  const st = testAll.state;
  return (
    <Stack gap="sm" data-testid="connections-screen">
      <Group justify="space-between">
        <Title order={4}>Connections</Title>
        <Group gap="xs">
          <input
            ref={fileRef}
            type="file"
            accept="application/json,.json"
            hidden
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              if (f) void onImport(f);
              e.currentTarget.value = '';
            }}
          />
          <Button size="xs" variant="default" leftSection={<IconUpload size={14} />} onClick={() => fileRef.current?.click()}>
            Import
          </Button>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconDownload size={14} />}
            onClick={() => void exportProfiles([], 'connections.json')}
            data-testid="conn-export-all"
          >
            Export all
          </Button>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconPlayerPlay size={14} />}
            disabled={st.running || (list.data?.length ?? 0) === 0}
            onClick={() => void testAll.run()}
          >
            Test all
          </Button>
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setForm({ editing: null })} data-testid="conn-new">
            New connection
          </Button>
        </Group>
      </Group>
      {info.data && !info.data.keychain.available ? (
        <Alert color="yellow" variant="light" title="No OS keychain available">
          ACL secret keys are kept for this session only and asked for again after a restart. {info.data.keychain.detail}
        </Alert>
      ) : null}
      <JobBar state={st} unit="connections tested" onCancel={() => void testAll.cancel()} testId="conn-test-all">
        {st.outcome?.status === 'completed' ? (
          <Text size="xs" c="dimmed">
            {st.outcome.summary.reachable} of {st.outcome.summary.tested} reachable
          </Text>
        ) : null}
      </JobBar>
      <VirtualTable
        testId="connections-table"
        rows={list.data ?? []}
        columns={columns}
        rowKey={(p) => p.id}
        onRowClick={openConn}
        height="calc(100vh - 170px)"
        empty={list.isLoading ? 'Loading…' : 'No saved connection yet: create one with "New connection".'}
      />
      {form ? (
        <ConnectionForm
          opened
          editing={form.editing}
          onClose={(saved) => {
            setForm(null);
            if (saved && !form.editing) ws.open(saved.id);
          }}
        />
      ) : null}
      <ExportModal json={exported?.json ?? null} fileName={exported?.fileName ?? ''} onClose={() => setExported(null)} />
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title="Delete connection" size="sm">
        <Text size="sm">
          Delete <b>{deleting?.name}</b>? Its saved secret is removed from the keychain. The cluster itself is not touched.
        </Text>
        <Group justify="flex-end" mt="md">
          <Button size="xs" variant="default" onClick={() => setDeleting(null)}>
            Cancel
          </Button>
          <Button size="xs" color="red" loading={del.isPending} onClick={() => deleting && del.mutate(deleting.id)}>
            Delete
          </Button>
        </Group>
      </Modal>
      <Modal opened={unlocking !== null} onClose={() => setUnlocking(null)} title={`Secret key for ${unlocking?.name}`} size="sm">
        <Text size="xs" c="dimmed" mb="xs">
          There is no keychain on this machine, so the secret of access key <b>{unlocking?.accessKey}</b> is kept for this
          session only.
        </Text>
        <PasswordInput size="xs" value={secret} onChange={(e) => setSecret(e.currentTarget.value)} autoFocus />
        <Group justify="flex-end" mt="md">
          <Button
            size="xs"
            disabled={!secret}
            loading={unlock.isPending}
            onClick={() => unlocking && unlock.mutate({ id: unlocking.id, s: secret })}
          >
            Unlock and open
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}
