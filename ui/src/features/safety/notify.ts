// The notification every applied mutation shows: what was done, its outcome, and where it is recorded.
import { notifications } from '@mantine/notifications';
import type { AuditEntry } from '../../bindings';

export function notifyApplied(e: AuditEntry) {
  notifications.show({
    color: e.outcome === 'ok' ? 'green' : 'orange',
    title: `${e.action} ${e.target}: ${e.outcome}`,
    message: e.error ?? 'Recorded in the audit journal.',
  });
}
