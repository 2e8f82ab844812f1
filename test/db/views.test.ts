import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClusterHealthView } from '../../src/db/entities/cluster-health.view-entity.js';
import { NamespaceCostView } from '../../src/db/entities/namespace-cost.view-entity.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertPod, seedCluster } from './support/seed.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('views', () => {
  let db: TestDatabase;
  let clusterA: string;
  let clusterB: string;
  let organizationId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const ds = db.dataSource;
    ({ clusterId: clusterA, organizationId } = await seedCluster(ds, 'a'));
    [{ id: clusterB }] = await ds.query(`INSERT INTO k8s_clusters (organization_id, name, status) VALUES ($1, 'b', 'unreachable') RETURNING id`, [organizationId]);
    await ds.query(`UPDATE k8s_clusters SET status = 'healthy', hourly_cost_estimate = 1.25 WHERE id = $1`, [clusterA]);

    const node = (uid: string, ready: boolean, cpu: number, usage: number | null, deleted = false) =>
      ds.query(
        `INSERT INTO k8s_nodes (cluster_id, uid, name, ready, cpu_capacity_millicores, cpu_allocatable_millicores, cpu_usage_millicores,
                                memory_capacity_bytes, memory_allocatable_bytes, memory_usage_bytes, created_at, deleted_at)
         VALUES ($1, $2, $2, $3, $4::bigint, $4::bigint - 100, $5, $6::bigint, $6::bigint - $7::bigint, $8, now(), $9)`,
        [clusterA, uid, ready, cpu, usage, 16 * GiB, GiB, usage === null ? null : 4 * GiB, deleted ? new Date() : null],
      );
    await node('n1', true, 4000, 1000.5);
    await node('n2', true, 4000, 500);
    await node('n3', false, 2000, null);
    await node('n4-deleted', true, 8000, 7000, true);

    const deployment = (uid: string, health: string, deleted = false) =>
      ds.query(`INSERT INTO k8s_deployments (cluster_id, namespace, uid, name, health, created_at, deleted_at) VALUES ($1, 'ns-a', $2, $2, $3, now(), $4)`, [
        clusterA,
        uid,
        health,
        deleted ? new Date() : null,
      ]);
    await deployment('d1', 'healthy');
    await deployment('d2', 'healthy');
    await deployment('d3', 'degraded');
    await deployment('d4-deleted', 'healthy', true);

    const pods: Array<[string, string, number, boolean]> = [
      ['r1', 'Running', 100, false],
      ['r2', 'Running', 100, false],
      ['r3', 'Running', 100, false],
      ['p1', 'Pending', 200, false],
      ['f1', 'Failed', 50, false],
      ['f2', 'Failed', 50, false],
      ['s1', 'Succeeded', 1000, false],
      ['r4-deleted', 'Running', 100, true],
      ['r5-deleted', 'Running', 100, true],
    ];
    for (const [uid, phase, cpu, deleted] of pods) {
      await insertPod(ds, clusterA, { uid, phase, createdAt: new Date(), deletedAt: deleted ? new Date() : null });
      await ds.query(`UPDATE k8s_pods SET cpu_request_millicores = $2, memory_request_bytes = $3 WHERE uid = $1`, [uid, cpu, 128 * MiB]);
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('v_k8s_cluster_health counts live objects and sums capacity and usage per cluster', async () => {
    const rows = await db.dataSource.getRepository(ClusterHealthView).find({ order: { clusterName: 'ASC' } });
    expect(rows).toEqual([
      {
        clusterId: clusterA,
        organizationId,
        clusterName: 'a',
        status: 'healthy',
        statusMessage: null,
        lastSeenAt: null,
        lastSyncAt: null,
        nodeCount: 3,
        readyNodeCount: 2,
        deploymentCount: 3,
        healthyDeploymentCount: 2,
        podCount: 7,
        runningPodCount: 3,
        pendingPodCount: 1,
        failedPodCount: 2,
        cpuCapacityMillicores: 10000,
        cpuAllocatableMillicores: 9700,
        cpuRequestMillicores: 500,
        cpuUsageMillicores: 1500.5,
        memoryCapacityBytes: 48 * GiB,
        memoryAllocatableBytes: 45 * GiB,
        memoryRequestBytes: 4 * 128 * MiB,
        memoryUsageBytes: 8 * GiB,
        hourlyCostEstimate: 1.25,
      },
      {
        clusterId: clusterB,
        organizationId,
        clusterName: 'b',
        status: 'unreachable',
        statusMessage: null,
        lastSeenAt: null,
        lastSyncAt: null,
        nodeCount: 0,
        readyNodeCount: 0,
        deploymentCount: 0,
        healthyDeploymentCount: 0,
        podCount: 0,
        runningPodCount: 0,
        pendingPodCount: 0,
        failedPodCount: 0,
        cpuCapacityMillicores: 0,
        cpuAllocatableMillicores: 0,
        cpuRequestMillicores: 0,
        cpuUsageMillicores: 0,
        memoryCapacityBytes: 0,
        memoryAllocatableBytes: 0,
        memoryRequestBytes: 0,
        memoryUsageBytes: 0,
        hourlyCostEstimate: null,
      },
    ]);
  });

  test('v_k8s_namespace_costs sums the daily rows of the last 30 days per namespace', async () => {
    const ds = db.dataSource;
    const ns = (uid: string, name: string, team: string | null, deletedDaysAgo: number | null) =>
      ds.query(
        `INSERT INTO k8s_namespaces (cluster_id, uid, name, team, cost_center, created_at, deleted_at)
         VALUES ($1, $2, $3, $4, $5, now() - interval '90 days', CASE WHEN $6::int IS NULL THEN NULL ELSE now() - make_interval(days => $6::int) END)`,
        [clusterA, uid, name, team, team ? `cc-${team}` : null, deletedDaysAgo],
      );
    await ns('u-a', 'ns-a', 'alpha', null);
    await ns('u-b', 'ns-b', null, null);
    await ns('u-old', 'ns-old', 'beta', 10);
    await ns('u-ancient', 'ns-ancient', 'beta', 40);
    await ns('u-reused-1', 'ns-reused', 'gamma', 5);
    await ns('u-reused-2', 'ns-reused', 'gamma', null);

    const cost = (namespace: string | null, daysAgo: number, total: number, opts: { granularity?: string; workload?: string | null } = {}) =>
      ds.query(
        `INSERT INTO k8s_cost_attribution (cluster_id, namespace, workload_kind, workload_name, granularity, period_start,
           cpu_cost, memory_cost, storage_cost, network_cost, idle_cost, total_cost, cpu_core_hours, ram_gib_hours, storage_gib_hours, network_gib)
         VALUES ($1, $2, $3, $4, $5, (date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $6)) AT TIME ZONE 'UTC',
           $7 * 0.4, $7 * 0.3, $7 * 0.2, $7 * 0.1, 0, $7, $7 * 2, $7 * 3, $7 * 4, $7 * 0.5)`,
        [clusterA, namespace, opts.workload === null ? null : 'Deployment', opts.workload === null ? null : (opts.workload ?? 'web'), opts.granularity ?? 'day', daysAgo, total],
      );
    await cost('ns-a', 0, 10);
    await cost('ns-a', 0, 1, { workload: null });
    await cost('ns-a', 1, 20);
    await cost('ns-a', 29, 30);
    await cost('ns-a', 30, 1000);
    await cost('ns-a', 0, 500, { granularity: 'hour', workload: 'api' });
    await cost('ns-old', 12, 7);
    await cost('ns-reused', 2, 4);
    await cost('ns-ancient', 35, 9);
    await cost(null, 0, 100, { workload: null });

    const rows = await ds.getRepository(NamespaceCostView).find({ order: { namespace: 'ASC' } });
    const summary = rows.map((r) => ({ namespace: r.namespace, team: r.team, costCenter: r.costCenter, days: r.daysWithCost, cost: r.cost30d, avg: r.avgDailyCost }));
    expect(summary).toEqual([
      { namespace: 'ns-a', team: 'alpha', costCenter: 'cc-alpha', days: 3, cost: 61, avg: 20.333333 },
      { namespace: 'ns-b', team: null, costCenter: null, days: 0, cost: 0, avg: 0 },
      { namespace: 'ns-old', team: 'beta', costCenter: 'cc-beta', days: 1, cost: 7, avg: 7 },
      { namespace: 'ns-reused', team: 'gamma', costCenter: 'cc-gamma', days: 1, cost: 4, avg: 4 },
    ]);
    const a = rows[0];
    expect({
      cpu: a.cpuCost30d,
      memory: a.memoryCost30d,
      storage: a.storageCost30d,
      network: a.networkCost30d,
      coreHours: a.cpuCoreHours30d,
      ramGibHours: a.ramGibHours30d,
      storageGibHours: a.storageGibHours30d,
      networkGib: a.networkGib30d,
      currency: a.currency,
      clusterName: a.clusterName,
      organizationId: a.organizationId,
    }).toEqual({
      cpu: 24.4,
      memory: 18.3,
      storage: 12.2,
      network: 6.1,
      coreHours: 122,
      ramGibHours: 183,
      storageGibHours: 244,
      networkGib: 30.5,
      currency: 'USD',
      clusterName: 'a',
      organizationId,
    });
    const reused = rows.find((r) => r.namespace === 'ns-reused')!;
    const [{ id: live }] = await ds.query(`SELECT id FROM k8s_namespaces WHERE uid = 'u-reused-2'`);
    expect(reused.namespaceId).toBe(live);
  });
});
