import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import type { ClusterSync } from '../../src/sync/cluster-sync.js';
import { ClusterOwnership } from '../../src/sync/ownership.js';
import type { TestDatabase } from '../support/database.js';
import { type Harness, startHarness } from './sync-harness.js';

const TIMINGS = { ttlMs: 60_000, renewIntervalMs: 5_000 };

// Everything a sync writes (inventory, usage samples, the cluster row's health) stops once another replica holds the
// cluster's lease, even if this replica never noticed it lost the lease (a paused process).
describe('a sync fenced by its cluster lease', () => {
  let h: Harness;
  let db: TestDatabase;
  let sim: SimulatedCluster;
  let sync: ClusterSync;
  let clusterId: string;

  beforeAll(async () => {
    h = await startHarness({
      name: 'sync-lease',
      sim: { pods: 40, seed: 'sync-lease' },
      prepare: async ({ db: { dataSource }, clusterId: id }) => {
        await dataSource.query(`UPDATE k8s_clusters SET kubeconfig_encrypted = '\\x01'::bytea, encryption_key_id = 'k' WHERE id = $1`, [id]);
        const owner = new ClusterOwnership(dataSource, 'replica-e', TIMINGS, ['k']);
        expect(await owner.acquire(1, 'k')).toEqual([id]);
        return owner.grant(id);
      },
    });
    ({ db, sim, sync, clusterId } = h);
    await sync.whenSynced();
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  const count = async (sql: string): Promise<number> => (await db.dataSource.query(sql, [clusterId]))[0].n;
  const livePods = () => count(`SELECT count(*)::int AS n FROM k8s_pods WHERE cluster_id = $1 AND deleted_at IS NULL`);
  const samples = () => count(`SELECT count(*)::int AS n FROM k8s_resource_metrics WHERE cluster_id = $1`);
  const clusterRow = async () => (await db.dataSource.query(`SELECT status, updated_at FROM k8s_clusters WHERE id = $1`, [clusterId]))[0];

  it('writes while it holds the lease', async () => {
    expect(await livePods()).toBe(sim.state().pods.length);
    expect((await sync.pollMetrics()).rows).toBeGreaterThan(0);
    await sync.refreshHealth();
    expect((await clusterRow()).status).toBe('healthy');
  });

  it('writes nothing once another replica took the cluster over', async () => {
    const before = { pods: await livePods(), samples: await samples(), row: await clusterRow() };
    await db.dataSource.query(`UPDATE k8s_cluster_leases SET expires_at = clock_timestamp() - interval '1 second' WHERE cluster_id = $1`, [clusterId]);
    expect(await new ClusterOwnership(db.dataSource, 'replica-f', TIMINGS, ['k']).acquire(1, 'k')).toEqual([clusterId]);

    const deployment = sim.state().deployments.find((d) => (d.spec?.replicas ?? 0) > 0)!;
    await sim.apply({ kind: 'scaleDeployment', namespace: deployment.metadata.namespace!, name: deployment.metadata.name!, replicas: 0 });
    await sim.tick(2);
    expect(sim.state().pods.length).toBeLessThan(before.pods);
    // The watches bring the changes; the writer finds the lease gone and drops them.
    // The bound only turns a missing drop into a failure (generous: machines are shared).
    for (const started = Date.now(); sync.writerStats().dropped === 0 && Date.now() - started < 30_000; ) await new Promise((r) => setTimeout(r, 25));
    await sync.flush();
    expect(sync.writerStats().dropped).toBeGreaterThan(0);
    expect(await livePods()).toBe(before.pods);

    expect((await sync.pollMetrics()).rows).toBe(0);
    expect(await samples()).toBe(before.samples);
    await sync.refreshHealth();
    expect((await clusterRow()).updated_at).toEqual(before.row.updated_at);
  });
});
