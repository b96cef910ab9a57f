// IPC fixtures shaped exactly like the generated bindings (type-checked against them).
import type { BrokerRow, ClusterOverview, ConnectionProfile } from '../bindings';

export const profile = (over: Partial<ConnectionProfile> = {}): ConnectionProfile => ({
  id: 'c-1',
  name: 'Local sandbox',
  namesrvAddrs: ['127.0.0.1:9876'],
  vipChannel: false,
  accessKey: null,
  secretState: 'notUsed',
  keyPassphraseSaved: false,
  envLabel: 'sandbox',
  envColor: '#22c55e',
  readOnly: false,
  tls: null,
  rewrites: [],
  traceTopic: 'RMQ_SYS_TRACE_TOPIC',
  createdAt: 1_764_000_000_000,
  updatedAt: 1_764_000_000_000,
  ...over,
});

export const broker = (over: Partial<BrokerRow> = {}): BrokerRow => ({
  cluster: 'DefaultCluster',
  brokerName: 'broker-a',
  brokerId: 0,
  role: 'master',
  addr: '127.0.0.1:10911',
  dialedAddr: null,
  status: 'up',
  statusDetail: null,
  version: 'V5_5_0',
  putTps: 12.5,
  getTps: 3,
  msgPutToday: 1200,
  msgPutYesterday: 800,
  msgGetToday: 1000,
  msgGetYesterday: 790,
  commitLogDiskRatio: 0.23,
  bootTime: 1_764_000_000_000,
  uptimeMs: 3_600_000,
  lastSeen: 1_764_000_000_000,
  ...over,
});

export const overview = (brokers: BrokerRow[]): ClusterOverview => ({
  connectionId: 'c-1',
  fetchedAt: Date.now(),
  elapsedMs: 12,
  nameServers: [{ addr: '127.0.0.1:9876', reachable: true, rttMs: 0.8, error: null }],
  clusters: [{ name: 'DefaultCluster', brokers }],
});
