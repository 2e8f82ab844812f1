/** Cost follows a pod's owner chain: a CronJob's pods are charged to the CronJob, through their Jobs. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rollUpCosts } from '../../src/cost/cost-rollup.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { clusterRow, insertOrganization, insertRows, namespaceRow, nodeRow, podRow, workloadRow } from '../support/seed.js';

const GiB = 1024 ** 3;
const HOUR = new Date('2026-03-10T10:00:00Z');
const NOW = new Date('2026-03-10T12:30:00Z');
// Each sample covers half an hour.
const SAMPLE_MS = 30 * 60_000;
const at = (hhmm: string) => new Date(`2026-03-10T${hhmm}:00Z`);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const org = await insertOrganization(db.dataSource, 'acme');
  // Round prices: 1 per core-hour, 0.5 per GiB-hour.
  const [c] = await insertRows(db.dataSource, 'k8s_clusters', [
    clusterRow({ organization_id: org, name: 'c', pricing: { cpuCoreHour: 1, ramGiBHour: 0.5, storageGiBMonth: 0, egressZoneGiB: 0, egressRegionGiB: 0, egressInternetGiB: 0, currency: 'USD' } }),
  ]);
  await insertRows(db.dataSource, 'k8s_nodes', [nodeRow({ cluster_id: c, name: 'n', cpu_capacity_millicores: 8000, memory_capacity_bytes: 8 * GiB, created_at: at('00:00') })]);
  const [ns] = await insertRows(db.dataSource, 'k8s_namespaces', [namespaceRow({ cluster_id: c, name: 'jobs' })]);
  const w = (kind: 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob', name: string, extra: Record<string, unknown> = {}) =>
    workloadRow({ cluster_id: c, namespace_id: ns, namespace: 'jobs', kind, name, uid: `uid-${name}`, ...extra });
  await insertRows(db.dataSource, 'k8s_workloads', [
    w('CronJob', 'nightly', { schedule: '0 * * * *' }),
    w('Job', 'nightly-1', { owner_kind: 'CronJob', owner_name: 'nightly', owner_uid: 'uid-nightly', health: 'succeeded' }),
    w('Job', 'nightly-2', { owner_kind: 'CronJob', owner_name: 'nightly', owner_uid: 'uid-nightly', health: 'progressing' }),
    w('Job', 'oneoff'),
    w('StatefulSet', 'db'),
    w('DaemonSet', 'agent'),
  ]);
  const pod = (name: string, ownerKind: string, owner: string) =>
    podRow({ cluster_id: c, namespace_id: ns, namespace: 'jobs', name, owner_kind: ownerKind, owner_name: owner, owner_uid: `uid-${owner}`, created_at: at('00:00') });
  const [n1, n2, oneoff, db0, agent] = await insertRows(db.dataSource, 'k8s_pods', [
    pod('nightly-1-a', 'Job', 'nightly-1'),
    pod('nightly-2-a', 'Job', 'nightly-2'),
    pod('oneoff-a', 'Job', 'oneoff'),
    pod('db-0', 'StatefulSet', 'db'),
    pod('agent-x', 'DaemonSet', 'agent'),
  ]);
  const sample = (target: string, time: string, cpu: number, cpuRequest: number, memory: number, memoryRequest: number) => ({
    cluster_id: c, level: 'pod', target_id: target, target_name: 'p', namespace: 'jobs', collected_at: at(time),
    cpu_usage_millicores: cpu, cpu_request_millicores: cpuRequest, memory_working_set_bytes: memory, memory_request_bytes: memoryRequest,
  });
  await insertRows(db.dataSource, 'k8s_resource_metrics', [
    sample(n1, '10:00', 1000, 500, 0, 0),
    sample(n2, '10:10', 200, 400, GiB, 2 * GiB),
    sample(n2, '10:40', 200, 400, GiB, 2 * GiB),
    sample(oneoff, '10:20', 100, 0, 0, 0),
    sample(db0, '10:00', 0, 1000, 0, GiB),
    sample(db0, '10:30', 0, 1000, 0, GiB),
    sample(agent, '10:50', 0, 200, 0, 0),
  ]);
});

afterAll(async () => {
  await db?.drop();
});

describe('cost by workload', () => {
  test('a CronJob’s pods are charged to the CronJob through their Jobs; StatefulSets, DaemonSets and lone Jobs to themselves', async () => {
    await rollUpCosts(db.dataSource, { from: HOUR, to: new Date(HOUR.getTime() + 3_600_000), sampleIntervalMs: SAMPLE_MS, now: NOW });
    const rows = await db.dataSource.query(
      `SELECT workload_kind, workload_name, cpu_core_hours::float8 AS cpu, ram_gib_hours::float8 AS ram, total_cost::float8 AS total, idle_cost::float8 AS idle
         FROM k8s_cost_attribution WHERE granularity = 'hour' ORDER BY workload_kind NULLS LAST, workload_name`,
    );
    expect(rows).toEqual([
      // nightly-1-a: one sample (half an hour) at max(500m, 1000m) = 0.5 core-hours.
      // nightly-2-a: two samples (the hour) at max(400m, 200m) = 0.4 core-hours and max(2 GiB, 1 GiB) = 2 GiB-hours.
      // Together 0.9 core-hours × 1 + 2 GiB-hours × 0.5 = 1.9.
      { workload_kind: 'CronJob', workload_name: 'nightly', cpu: 0.9, ram: 2, total: 1.9, idle: 0 },
      // One sample (half an hour) at 200m requested: 0.1 core-hours = 0.1.
      { workload_kind: 'DaemonSet', workload_name: 'agent', cpu: 0.1, ram: 0, total: 0.1, idle: 0 },
      // One sample (half an hour) at 100m used: 0.05 core-hours = 0.05.
      { workload_kind: 'Job', workload_name: 'oneoff', cpu: 0.05, ram: 0, total: 0.05, idle: 0 },
      // Two samples (the hour) at 1000m and 1 GiB requested: 1 × 1 + 1 × 0.5 = 1.5.
      { workload_kind: 'StatefulSet', workload_name: 'db', cpu: 1, ram: 1, total: 1.5, idle: 0 },
      // The node: 8 cores × 1 + 8 GiB × 0.5 = 12, less the 1.9 + 0.1 + 0.05 + 1.5 = 3.55 allocated.
      { workload_kind: null, workload_name: null, cpu: 0, ram: 0, total: 8.45, idle: 8.45 },
    ]);
  });
});
