import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistrationService } from '../../src/cluster/cluster-registration.service.js';
import { KubeconfigCrypto } from '../../src/cluster/kubeconfig-crypto.js';
import { loadConfig } from '../../src/common/config.js';
import { createDataSource } from '../../src/db/data-source.js';
import { closeDataSource } from '../../src/db/pool-connections.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { SyncCoordinator } from '../../src/sync/sync-coordinator.js';
import { captureLogs } from '../cluster/support/capture-logs.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { DatabaseLink } from '../support/database-link.js';
import { expectConverged } from './sync-harness.js';

const TIMINGS = { ttlMs: 1500, renewIntervalMs: 300 };
/** How long stopping a sync may wait for its writer to flush (Writer.stop) while the database is unreachable. */
const WRITER_STOP_WAIT_MS = 10_000;

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a database outage longer than the lease, with the coordinator in charge', () => {
  let db: TestDatabase;
  let sim: SimulatedCluster;
  let link: DatabaseLink;
  let replicaDb: DataSource;
  let coordinator: SyncCoordinator;
  let clusterId: string;
  const coordinatorLogs = captureLogs('warn');

  beforeAll(async () => {
    db = await createTestDatabase();
    sim = await SimulatedCluster.start({ nodes: 2, pods: 60, namespaces: 2, helmReleases: 0, seed: 'lease-outage', bookmarkIntervalMs: 500 });
    const crypto = new KubeconfigCrypto(randomBytes(32));
    const [{ id: orgId }] = await db.dataSource.query(`INSERT INTO organizations (name) VALUES ('lease-outage') RETURNING id`);
    const service = new ClusterRegistrationService({ dataSource: db.dataSource, crypto, log: captureLogs('warn').logger });
    clusterId = (await service.register({ organizationId: orgId, name: 'lease-outage', kubeconfig: sim.kubeconfig() })).id;
    // Every write of a pod row, with the database's clock: what reached the table after the outage, and from whom.
    await db.dataSource.query(`
      CREATE TABLE pod_writes (uid text, live boolean, at timestamptz);
      CREATE FUNCTION record_pod_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO pod_writes VALUES (NEW.uid, NEW.deleted_at IS NULL, clock_timestamp()); RETURN NULL; END $$;
      CREATE TRIGGER record_pod_write AFTER INSERT OR UPDATE ON k8s_pods FOR EACH ROW EXECUTE FUNCTION record_pod_write();`);

    let url: string;
    ({ link, url } = await DatabaseLink.to(db.url));
    replicaDb = createDataSource(url, { poolSize: 4, applicationName: 'replica-outage', connectTimeoutMs: 1000 });
    await replicaDb.initialize();
    coordinator = new SyncCoordinator({
      dataSource: replicaDb,
      eventBus: new InProcessEventBus(),
      config: loadConfig({}),
      crypto,
      replicaId: 'replica-outage',
      leaseTimings: TIMINGS,
      restartBackoff: { initialMs: 100, maxMs: 800 },
      log: coordinatorLogs.logger,
    });
  });

  afterAll(async () => {
    await coordinator?.stop();
    if (replicaDb) await closeDataSource(replicaDb, { timeoutMs: 10_000 });
    await link?.close().catch(() => undefined);
    await sim?.stop();
    await db?.drop();
  });

  it('stops the sync, retakes the lease once the database is back, relists, and ends equal to the cluster', async () => {
    const h = { sim, db, clusterId };
    await coordinator.start();
    expect(coordinator.ownedClusterIds()).toEqual([clusterId]);
    await coordinator.whenSynced(clusterId);
    await expectConverged(h);

    await link.cut();
    const cutAt = Date.now();
    // Seen by the running sync's watches, but not writable: its writer holds these changes, retrying.
    const heldBack = new Set(
      (await sim.tick(30)).flatMap((c) => c.writes).filter((w) => w.resource === 'pods').map((w) => w.uid),
    );
    await until('the sync stopped for want of a renewal', () => coordinator.ownedClusterIds().length === 0);
    const fencedAt = Date.now();
    // Stopped by its own lease clock (renewals missing for ttl - one interval), not by anything else. How soon in wall
    // time is not asserted: on a loaded machine timers run late, and what keeps a late sync's writes out is the lease
    // check in every transaction, which the end of this test verifies.
    expect(coordinatorLogs.lines().filter((l) => l.msg === 'leases could not be renewed in time; stopping every sync')).toMatchObject([{ clusters: 1 }]);

    // Unseen by any sync: only a relist finds these. Among the deleted pods are ones the stopped writer still holds.
    const victims = sim.state().pods.filter((p) => heldBack.has(p.metadata.uid)).slice(0, 6);
    victims.push(...sim.state().pods.filter((p) => !heldBack.has(p.metadata.uid)).slice(0, 2));
    for (const p of victims) await sim.apply({ kind: 'deletePod', namespace: p.metadata.namespace!, name: p.metadata.name, replace: false });
    const deletedWhileDown = victims.map((p) => p.metadata.uid);
    await sim.tick(30);
    // Several lease lifetimes without the database.
    await new Promise((r) => setTimeout(r, 3 * TIMINGS.ttlMs - (Date.now() - cutAt)));

    const [{ now: restoredAt }] = await db.dataSource.query(`SELECT clock_timestamp() AS now`);
    await link.open();
    // At once, as when the notification connection comes back, rather than at the next periodic round.
    await coordinator.refresh();
    await until('the cluster synced again', () => coordinator.ownedClusterIds().includes(clusterId));
    await coordinator.whenSynced(clusterId);
    await expectConverged(h);

    const leases = await db.dataSource.query(
      `SELECT holder, expires_at > clock_timestamp() AS valid FROM k8s_cluster_leases WHERE cluster_id = $1`,
      [clusterId],
    );
    expect(leases).toEqual([{ holder: 'replica-outage', valid: true }]);

    // Whatever the stopped sync's writer still held is written by now or never: its stop waits this long at most.
    await new Promise((r) => setTimeout(r, Math.max(0, fencedAt + WRITER_STOP_WAIT_MS + 500 - Date.now())));
    await expectConverged(h, 2000);
    // The relist only ever sees these pods gone: a live write of one after the outage is the stopped sync's writer
    // writing what it held from before, after its lease had expired.
    const resurrected = await db.dataSource.query(`SELECT uid, at FROM pod_writes WHERE live AND at > $1 AND uid = ANY($2)`, [
      restoredAt,
      deletedWhileDown,
    ]);
    expect(resurrected).toEqual([]);
  });
});
