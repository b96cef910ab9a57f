// An inline error: title from the code, then the message and the technical detail.
import { Alert, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { IpcError } from '../bindings';
import { titleFor } from '../ipc/errors';

export function ErrorAlert({ error, testId, children }: { error: IpcError; testId?: string; children?: ReactNode }) {
  return (
    <Alert color="red" title={`${titleFor(error.code)} [${error.code}]`} data-testid={testId}>
      <Text size="sm">{error.message}</Text>
      {error.detail ? (
        <Text size="xs" c="dimmed" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
          {error.detail}
        </Text>
      ) : null}
      {children}
    </Alert>
  );
}
