import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createInterface } from 'node:readline';
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistrationService } from '../../src/cluster/cluster-registration.service.js';
import { KubeconfigCrypto } from '../../src/cluster/kubeconfig-crypto.js';
import { rotateKubeconfigKeys } from '../../src/cluster/kubeconfig-rotation.js';
import { loadConfig } from '../../src/common/config.js';
import { createDataSource } from '../../src/db/data-source.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { SyncCoordinator } from '../../src/sync/sync-coordinator.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { captureLogs } from './support/capture-logs.js';

const TIMINGS = { ttlMs: 2000, renewIntervalMs: 250 };

let db: TestDatabase;
let key: Buffer;
let crypto: KubeconfigCrypto;
let service: ClusterRegistrationService;
let orgId: string;
const sims = new Map<string, SimulatedCluster>();
const coordinators: SyncCoordinator[] = [];
const dataSources: DataSource[] = [];
const children: ChildProcess[] = [];

async function replica(replicaId: string, logs = captureLogs('warn'), replicaCrypto = crypto): Promise<SyncCoordinator> {
  const dataSource = createDataSource(db.url, { poolSize: 4, applicationName: replicaId });
  await dataSource.initialize();
  dataSources.push(dataSource);
  const coordinator = new SyncCoordinator({
    dataSource,
    eventBus: new InProcessEventBus(),
    config: loadConfig({}),
    crypto: replicaCrypto,
    replicaId,
    leaseTimings: TIMINGS,
    restartBackoff: { initialMs: 100, maxMs: 800 },
    log: logs.logger,
  });
  coordinators.push(coordinator);
  return coordinator;
}

/** Watches two replicas' owned sets every few milliseconds and records any cluster seen in both at once. */
function overlapMonitor(a: () => string[], b: () => string[]): { stop(): string[] } {
  const overlaps: string[] = [];
  const timer = setInterval(() => {
    const inA = new Set(a());
    for (const id of b()) if (inA.has(id)) overlaps.push(id);
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return overlaps;
    },
  };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

/** Live pods in the database for a cluster, against the simulator's: same uids, nothing duplicated. */
async function podsMatch(clusterId: string): Promise<boolean> {
  const sim = sims.get(clusterId)!;
  const rows: Array<{ uid: string; n: number }> = await db.dataSource.query(
    `SELECT uid, count(*)::int AS n FROM k8s_pods WHERE cluster_id = $1 AND deleted_at IS NULL GROUP BY uid`,
    [clusterId],
  );
  const expected = sim.state().pods.map((p) => p.metadata.uid).sort();
  return rows.every((r) => r.n === 1) && JSON.stringify(rows.map((r) => r.uid).sort()) === JSON.stringify(expected);
}

beforeAll(async () => {
  db = await createTestDatabase();
  key = randomBytes(32);
  crypto = new KubeconfigCrypto(key);
  service = new ClusterRegistrationService({ dataSource: db.dataSource, crypto, log: captureLogs('warn').logger });
  [{ id: orgId }] = await db.dataSource.query(`INSERT INTO organizations (name) VALUES ('replicas') RETURNING id`);
  for (let i = 0; i < 4; i++) {
    const sim = await SimulatedCluster.start({ nodes: 1, pods: 6, namespaces: 1, helmReleases: 0, seed: `replica-${i}`, name: `sim-${i}` });
    // Every kubeconfig names its context "prod" and its user "admin": the clusters must still use their own tokens.
    const cluster = await service.register({ organizationId: orgId, name: `sim-${i}`, kubeconfig: sim.kubeconfig({ contextName: 'prod', userName: 'admin' }) });
    sims.set(cluster.id, sim);
  }
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
  await Promise.all(dataSources.splice(0).map((d) => d.destroy()));
  await db.dataSource.query(`DELETE FROM k8s_cluster_leases; DELETE FROM sync_replicas`);
});

afterAll(async () => {
  await Promise.all([...sims.values()].map((s) => s.stop()));
  await db?.drop();
});

describe('SyncCoordinator with two replicas', () => {
  it('syncs every cluster exactly once, spreads them, and hands them over on a graceful stop', async () => {
    const ids = [...sims.keys()].sort();
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    const monitor = overlapMonitor(() => a.ownedClusterIds(), () => b.ownedClusterIds());

    await a.start();
    expect(a.ownedClusterIds()).toEqual(ids);
    await Promise.all(ids.map((id) => a.whenSynced(id)));
    for (const id of ids) expect(await podsMatch(id)).toBe(true);

    await b.start();
    await until('an even split', () => a.ownedClusterIds().length === 2 && b.ownedClusterIds().length === 2);
    expect([...a.ownedClusterIds(), ...b.ownedClusterIds()].sort()).toEqual(ids);
    const [{ n: leases }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_cluster_leases`);
    expect(leases).toBe(4);

    await b.stop();
    await until('replica a owning every cluster again', () => a.ownedClusterIds().length === 4);
    await Promise.all(ids.map((id) => a.whenSynced(id)));
    expect(monitor.stop()).toEqual([]);
    for (const id of ids) expect(await podsMatch(id)).toBe(true);
  });

  it('takes over the clusters of a killed replica once its leases expire, with no double ownership', async () => {
    const ids = [...sims.keys()].sort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        '@swc-node/register/esm-register',
        path.join('test', 'cluster', 'support', 'coordinator-process.ts'),
        JSON.stringify({ url: db.url, key: key.toString('base64'), replicaId: 'replica-killed', ...TIMINGS }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    children.push(child);
    // Both replicas' owned sets, each sampled with the time it was read. The child's reports reach us late,
    // so overlap is judged by timestamps: a child sample holding a cluster that the survivor already held.
    const childSamples: Array<{ at: number; owned: string[] }> = [];
    let childOwned: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const sample = JSON.parse(line) as { at: number; owned: string[] };
        childSamples.push(sample);
        childOwned = sample.owned;
      } catch {
        // a log line
      }
    });
    await until('the child replica owning every cluster', () => childOwned.length === 4, 60_000);

    const survivor = await replica('replica-survivor');
    const survivorSamples: Array<{ at: number; owned: string[] }> = [];
    const sampler = setInterval(() => {
      const owned = survivor.ownedClusterIds();
      if (JSON.stringify(owned) !== JSON.stringify(survivorSamples.at(-1)?.owned)) survivorSamples.push({ at: Date.now(), owned });
    }, 2);
    await survivor.start();
    await until('an even split', () => survivor.ownedClusterIds().length === 2 && childOwned.length === 2);
    const held = [...childOwned];
    // The killed replica's leases as last renewed before the kill (it may renew once more before dying, only later).
    const childLeases: Array<{ cluster_id: string; expires_at: string }> = await db.dataSource.query(
      `SELECT cluster_id, expires_at::text AS expires_at FROM k8s_cluster_leases WHERE holder = 'replica-killed' AND cluster_id = ANY($1::uuid[])`,
      [held],
    );
    expect(childLeases.map((l) => l.cluster_id).sort()).toEqual([...held].sort());

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await until('the survivor owning every cluster', () => survivor.ownedClusterIds().length === 4);
    expect(survivor.ownedClusterIds()).toEqual(ids);
    // Not before the killed replica's leases ran out, by the database's clock (wall time since the kill says nothing
    // on a loaded machine, where the killed replica's last renewal may have come late). How soon after expiry is not
    // asserted: the survivor's rounds run late there too; the bound of until() catches a takeover that never comes.
    for (const lease of childLeases) {
      const [row] = await db.dataSource.query(
        `SELECT holder, acquired_at >= $2::timestamptz AS after_expiry FROM k8s_cluster_leases WHERE cluster_id = $1`,
        [lease.cluster_id, lease.expires_at],
      );
      expect(row, lease.cluster_id).toEqual({ holder: 'replica-survivor', after_expiry: true });
    }
    for (const id of held) await survivor.whenSynced(id);
    clearInterval(sampler);
    // The survivor only ever gains clusters here, so having one at its sample time means having it from then on.
    const overlaps = childSamples.flatMap((c) =>
      c.owned.filter((id) => survivorSamples.some((s) => s.at <= c.at && s.owned.includes(id))).map((id) => `${id} at ${c.at}`),
    );
    expect(overlaps).toEqual([]);
    expect(survivorSamples.every((s, i) => i === 0 || survivorSamples[i - 1]!.owned.every((id) => s.owned.includes(id)))).toBe(true);
    for (const id of ids) expect(await podsMatch(id)).toBe(true);
  });
});

describe('SyncCoordinator during a key rollout', () => {
  it('hands clusters re-encrypted under a new key to the replica that holds it, with no error and no overlap', async () => {
    const ids = [...sims.keys()].sort();
    const newKey = randomBytes(32);
    const rolledOut = new KubeconfigCrypto(newKey, [key]);
    const a = await replica('replica-old-keys');
    const b = await replica('replica-new-keys', captureLogs('warn'), rolledOut);
    const monitor = overlapMonitor(() => a.ownedClusterIds(), () => b.ownedClusterIds());
    try {
      await a.start();
      await b.start();
      // Both can decrypt rows under the old key: an even split.
      await until('an even split', async () => {
        await a.refresh();
        await b.refresh();
        return a.ownedClusterIds().length === 2 && b.ownedClusterIds().length === 2;
      });

      const rotation = await rotateKubeconfigKeys(db.dataSource, rolledOut, captureLogs('warn').logger);
      expect(rotation.rotated).toBe(4);
      await until('the replica with the new key owning every cluster', () => b.ownedClusterIds().length === 4 && a.ownedClusterIds().length === 0);
      expect(b.ownedClusterIds()).toEqual(ids);
      await Promise.all(ids.map((id) => b.whenSynced(id)));
      for (const id of ids) expect(await podsMatch(id)).toBe(true);
      const statuses: Array<{ status: string }> = await db.dataSource.query(`SELECT status FROM k8s_clusters WHERE id = ANY($1::uuid[])`, [ids]);
      expect(statuses.filter((r) => r.status === 'error')).toEqual([]);
      expect(monitor.stop()).toEqual([]);
    } finally {
      monitor.stop();
      await rotateKubeconfigKeys(db.dataSource, new KubeconfigCrypto(key, [newKey]), captureLogs('warn').logger);
    }
  });
});

describe('SyncCoordinator fencing', () => {
  it('stops every sync when its renewals hang past the lease, and another replica takes over without overlap', async () => {
    const ids = [...sims.keys()].sort();
    const a = await replica('replica-a');
    await a.start();
    expect(a.ownedClusterIds()).toEqual(ids);
    const b = await replica('replica-b');
    const monitor = overlapMonitor(() => a.ownedClusterIds(), () => b.ownedClusterIds());
    // A connection that holds A's lease rows locked: A's renewals (and B's attempts to take them) wait on it.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT cluster_id FROM k8s_cluster_leases WHERE holder = 'replica-a' FOR UPDATE`);
      await b.start();
      await until('replica a stopping its syncs while its renewals hang', () => a.ownedClusterIds().length === 0);
      // A's leases expired (by the database's clock) and B trying to take them, held up by the lock: only then does
      // "nobody syncs them" show the fence (after a fixed sleep, a slow B might not have tried yet).
      await until('replica b waiting to take the expired leases', async () => {
        const [{ expired, waiting }] = await db.dataSource.query(
          `SELECT (SELECT count(*) FROM k8s_cluster_leases WHERE holder = 'replica-a' AND expires_at <= clock_timestamp())::int AS expired,
                  (SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND application_name = 'replica-b' AND wait_event_type = 'Lock')::int AS waiting`,
        );
        return expired === ids.length && waiting > 0;
      });
      expect(a.ownedClusterIds()).toEqual([]);
      expect(b.ownedClusterIds()).toEqual([]);
      await blocker.query('COMMIT');
      await until('the clusters being synced again, once each', () => a.ownedClusterIds().length + b.ownedClusterIds().length === 4);
      await until('an even split', () => a.ownedClusterIds().length === 2 && b.ownedClusterIds().length === 2);
      expect(monitor.stop()).toEqual([]);
    } finally {
      await blocker.end();
    }
  });
});

describe('SyncCoordinator failures', () => {
  it('keeps syncing the other clusters when one kubeconfig cannot be decrypted, and reports it on that cluster', async () => {
    const ids = [...sims.keys()].sort();
    const [broken, donor] = ids;
    const [row] = await db.dataSource.query(`SELECT kubeconfig_encrypted FROM k8s_clusters WHERE id = $1`, [broken]);
    await db.dataSource.query(
      `UPDATE k8s_clusters SET kubeconfig_encrypted = (SELECT kubeconfig_encrypted FROM k8s_clusters WHERE id = $2) WHERE id = $1`,
      [broken, donor],
    );
    try {
      const a = await replica('replica-a');
      await a.start();
      const healthy = ids.filter((id) => id !== broken);
      expect(a.ownedClusterIds()).toEqual(healthy);
      await Promise.all(healthy.map((id) => a.whenSynced(id)));
      for (const id of healthy) expect(await podsMatch(id)).toBe(true);
      const [status] = await db.dataSource.query(`SELECT status, status_message FROM k8s_clusters WHERE id = $1`, [broken]);
      expect(status.status).toBe('error');
      expect(status.status_message).toMatch(/failed authentication \(it belongs to another row or was altered\)/);
    } finally {
      await db.dataSource.query(`UPDATE k8s_clusters SET kubeconfig_encrypted = $2, status = 'pending', status_message = NULL WHERE id = $1`, [broken, row.kubeconfig_encrypted]);
    }
  });

  it('restarts a sync that fails with growing waits, recording why on its cluster, and never disturbs the others', async () => {
    const ids = [...sims.keys()].sort();
    const [broken] = ids;
    const [row] = await db.dataSource.query(`SELECT kubeconfig_encrypted FROM k8s_clusters WHERE id = $1`, [broken]);
    // Decrypts, but is no usable kubeconfig: every start of its sync fails.
    const unusable = crypto.encrypt('apiVersion: v1\nkind: Config\nclusters: []\n', broken!);
    await db.dataSource.query(`UPDATE k8s_clusters SET kubeconfig_encrypted = $2 WHERE id = $1`, [broken, unusable.ciphertext]);
    try {
      const logs = captureLogs('warn');
      const a = await replica('replica-a', logs);
      await a.start();
      expect(a.ownedClusterIds()).toEqual(ids);
      const healthy = ids.filter((id) => id !== broken);
      await Promise.all(healthy.map((id) => a.whenSynced(id)));
      for (const id of healthy) expect(await podsMatch(id)).toBe(true);
      const restarts = () => logs.lines().filter((l) => l.msg === 'cluster sync failed; restarting' && l.clusterId === broken);
      await until('three restarts', async () => restarts().length >= 3);
      const waits = restarts().map((l) => l.retryInMs as number);
      expect(restarts().map((l) => l.attempt)).toEqual(restarts().map((_, i) => i + 1));
      // Full jitter keeps each wait within [cap/2, cap] of a cap that doubles: 100, 200, 400 ms.
      expect(waits[0]).toBeGreaterThanOrEqual(50);
      expect(waits[0]).toBeLessThanOrEqual(100);
      expect(waits[2]).toBeGreaterThanOrEqual(200);
      expect(waits[2]).toBeLessThanOrEqual(400);
      const [status] = await db.dataSource.query(`SELECT status, status_message FROM k8s_clusters WHERE id = $1`, [broken]);
      expect(status).toEqual({ status: 'error', status_message: 'kubeconfig has no current-context; choose a context (it defines no contexts)' });
    } finally {
      await db.dataSource.query(`UPDATE k8s_clusters SET kubeconfig_encrypted = $2, status = 'pending', status_message = NULL WHERE id = $1`, [broken, row.kubeconfig_encrypted]);
    }
  });

  it('listens again when PostgreSQL drops its notification connection', async () => {
    const a = await replica('replica-a');
    await a.start();
    const listeners = async (): Promise<number[]> =>
      (
        await db.dataSource.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kubegraph-sync' AND query LIKE 'LISTEN%'`,
        )
      ).map((r: { pid: number }) => r.pid);
    const [first] = await listeners();
    expect(first).toBeGreaterThan(0);
    await db.dataSource.query(`SELECT pg_terminate_backend($1)`, [first]);
    await until('a new LISTEN connection', async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== first;
    });
  });

  it('stops a removed cluster at once, starts a newly registered one and resyncs on request, announced through PostgreSQL', async () => {
    const logs = captureLogs('info');
    const a = await replica('replica-a', logs);
    await a.start();
    const extra = await SimulatedCluster.start({ nodes: 1, pods: 3, namespaces: 1, helmReleases: 0, seed: 'late', name: 'late' });
    try {
      const cluster = await service.register({ organizationId: orgId, kubeconfig: extra.kubeconfig() });
      // Far sooner than a renewal round would: the registration's NOTIFY triggers one.
      await until('the new cluster being synced', () => a.ownedClusterIds().includes(cluster.id));
      await a.whenSynced(cluster.id);
      sims.set(cluster.id, extra);
      expect(await podsMatch(cluster.id)).toBe(true);
      sims.delete(cluster.id);
      await service.requestResync(cluster.id, orgId);
      await until('the resync request reaching the owner', async () =>
        logs.lines().some((l) => l.msg === 'resync requested' && l.clusterId === cluster.id),
      );
      await service.remove(cluster.id, orgId, { keepData: false });
      await until('the removed cluster being stopped', () => !a.ownedClusterIds().includes(cluster.id));
      await until('every open watch of the removed cluster closed', () => extra.openWatches === 0);
    } finally {
      await extra.stop();
    }
  });
});
