// Query keys and options of the audit journal (global, filterable by connection): ["audit", ...].
import { queryOptions } from '@tanstack/react-query';
import { commands, type AuditFilter } from '../../bindings';

export const auditKeys = {
  all: () => ['audit'] as const,
  list: (filter: AuditFilter) => [...auditKeys.all(), 'list', filter] as const,
};

export const auditListQuery = (filter: AuditFilter) =>
  queryOptions({
    queryKey: auditKeys.list(filter),
    queryFn: () => commands.auditList(filter),
    staleTime: 2_000,
    refetchInterval: 10_000,
  });
