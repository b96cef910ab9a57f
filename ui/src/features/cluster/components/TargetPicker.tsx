// Where a topic or group goes: whole clusters (every master) and/or single master brokers, from the
// connection's overview. A new item on a connection with one cluster defaults to that cluster.
import { Group, MultiSelect } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { ConnectionId } from '../../../bindings';
import { overviewQuery } from '../api';

export interface Targets {
  clusters?: string[];
  brokers?: string[];
}

/** The connection's cluster names and master broker names. */
export function useMasterTargets(connectionId: ConnectionId) {
  const overview = useQuery(overviewQuery(connectionId));
  const clusters = useMemo(() => (overview.data?.clusters ?? []).map((c) => c.name), [overview.data]);
  const masters = useMemo(
    () => (overview.data?.clusters ?? []).flatMap((c) => c.brokers.filter((b) => b.brokerId === 0).map((b) => b.brokerName)),
    [overview.data],
  );
  return { clusters, masters };
}

/** `targets` with the only cluster filled in when nothing was picked (a new item, not touched). */
export function withDefaultCluster<T extends Targets>(targets: T, clusters: string[], apply: boolean): T {
  return apply && !targets.clusters?.length && !targets.brokers?.length && clusters.length === 1 ? { ...targets, clusters } : targets;
}

export function TargetPicker({
  clusters,
  masters,
  value,
  onChange,
  testIdPrefix,
}: {
  clusters: string[];
  masters: string[];
  value: Targets;
  onChange: (targets: Required<Targets>) => void;
  testIdPrefix: string;
}) {
  return (
    <Group grow align="flex-start">
      <MultiSelect
        label="Clusters (every master)"
        data={clusters}
        value={value.clusters ?? []}
        onChange={(v) => onChange({ clusters: v, brokers: value.brokers ?? [] })}
        data-testid={`${testIdPrefix}-clusters`}
      />
      <MultiSelect
        label="Or single brokers"
        data={masters}
        value={value.brokers ?? []}
        onChange={(v) => onChange({ clusters: value.clusters ?? [], brokers: v })}
        data-testid={`${testIdPrefix}-brokers`}
      />
    </Group>
  );
}
