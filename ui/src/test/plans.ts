// Change plans and audit entries shaped exactly like the generated bindings.
import type { AuditEntry, ChangePlan } from '../bindings';

export const plan = (over: Partial<ChangePlan> = {}): ChangePlan => ({
  action: 'topic.create',
  title: 'Create topic Orders',
  target: 'Orders',
  connection: { id: 'c-1', name: 'Local sandbox', envLabel: 'sandbox', envColor: '#22c55e', readOnly: false, production: false },
  changes: [{ scope: 'broker-a', field: 'writeQueues', before: null, after: '8' }],
  warnings: [],
  acknowledge: false,
  destructive: false,
  confirmText: null,
  mqadmin: ['mqadmin updateTopic -n 127.0.0.1:9876 -c DefaultCluster -t Orders -r 8 -w 8 -p 6'],
  refusal: null,
  noOp: false,
  ...over,
});

export const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: 1,
  at: 1_764_000_000_000,
  connectionId: 'c-1',
  connectionName: 'Local sandbox',
  envLabel: 'sandbox',
  action: 'topic.create',
  target: 'Orders',
  params: '{\n  "name": "Orders"\n}',
  before: null,
  after: '{\n  "brokers": []\n}',
  outcome: 'ok',
  errorCode: null,
  error: null,
  mqadmin: 'mqadmin updateTopic -t Orders',
  ...over,
});
