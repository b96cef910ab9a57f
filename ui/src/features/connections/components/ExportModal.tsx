// Shows exported profiles (never secrets): copy them, or save them as a file.
import { Button, CopyButton, Group, Modal, Text, Textarea } from '@mantine/core';
import { IconCheck, IconCopy, IconDownload } from '@tabler/icons-react';
import { download } from '../../../lib/download';

export function ExportModal({ json, fileName, onClose }: { json: string | null; fileName: string; onClose: () => void }) {
  return (
    <Modal opened={json !== null} onClose={onClose} title="Export connections" size="lg">
      <Text size="xs" c="dimmed" mb="xs">
        Name servers, labels and access keys only: secret keys are never exported. Import this file on another machine
        with <b>Import</b>.
      </Text>
      <Textarea
        readOnly
        autosize
        minRows={6}
        maxRows={18}
        value={json ?? ''}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 11 } }}
        data-testid="export-json"
      />
      <Group justify="flex-end" mt="sm">
        <CopyButton value={json ?? ''}>
          {({ copied, copy }) => (
            <Button
              size="xs"
              variant="default"
              leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
              onClick={copy}
            >
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
        <Button size="xs" leftSection={<IconDownload size={14} />} onClick={() => json && download(fileName, json)}>
          Save as {fileName}
        </Button>
      </Group>
    </Modal>
  );
}
