import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../../src/db/data-source.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { logger } from '../../src/common/logger.js';
import { NAMESPACES } from '../../src/sync/inventory-tables.js';
import { mapNamespace } from '../../src/sync/namespace.mapper.js';
import { ClusterOwnership } from '../../src/sync/ownership.js';
import { Writer } from '../../src/sync/writer.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TIMINGS = { ttlMs: 60_000, renewIntervalMs: 5_000 };
const KEYS = { teamLabelKeys: ['team'], costCenterLabelKeys: ['cost-center'] };

// A replica that stalls past its lease (a paused process, a long pause of its host) must not write once another
// replica has taken the cluster over: the database, not the stalled replica's clock, decides.
describe('writer fenced by the cluster lease', () => {
  let db: TestDatabase;
  let other: DataSource;
  let clusterId: string;
  let organizationId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    other = createDataSource(db.url, { poolSize: 2 });
    await other.initialize();
    [{ id: organizationId }] = await db.dataSource.query(`INSERT INTO organizations (name) VALUES ('lease') RETURNING id`);
    [{ id: clusterId }] = await db.dataSource.query(
      `INSERT INTO k8s_clusters (organization_id, name, kubeconfig_encrypted, encryption_key_id) VALUES ($1, 'leased', '\\x01'::bytea, 'k') RETURNING id`,
      [organizationId],
    );
  });

  afterAll(async () => {
    await other?.destroy();
    await db?.drop();
  });

  /** A writer of `cluster` under the lease `owner` holds on it now. */
  const writerOf = async (owner: ClusterOwnership, dataSource: DataSource = db.dataSource, cluster = clusterId) => {
    const lease = await owner.grant(cluster);
    expect(lease).toBeDefined();
    return new Writer({ dataSource, eventBus: new InProcessEventBus(), clusterId: cluster, organizationId, log: logger, lease });
  };

  const upsertNamespace = (writer: Writer, name: string, team: string) =>
    writer.enqueue({
      op: 'upsert',
      spec: NAMESPACES,
      key: `uid-${name}`,
      row: { ...mapNamespace({ metadata: { uid: `uid-${name}`, name, resourceVersion: team, labels: { team } }, status: { phase: 'Active' } }, KEYS) },
      changedFields: ['team'],
      added: true,
    });

  const teams = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      (await db.dataSource.query(`SELECT name, team FROM k8s_namespaces WHERE cluster_id = $1 ORDER BY name`, [clusterId])).map((r: { name: string; team: string }) => [
        r.name,
        r.team,
      ]),
    );

  /** The holder's lease runs out as if it had not renewed in time. */
  const expire = () => db.dataSource.query(`UPDATE k8s_cluster_leases SET expires_at = clock_timestamp() - interval '1 second' WHERE cluster_id = $1`, [clusterId]);

  it('writes while it holds the lease, and nothing once another replica took the cluster over', async () => {
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS, ['k']);
    const b = new ClusterOwnership(other, 'replica-b', TIMINGS, ['k']);
    expect(await a.acquire(1, 'k')).toEqual([clusterId]);
    const writer = await writerOf(a);
    upsertNamespace(writer, 'ns-1', 'red');
    await writer.flush();
    expect(await teams()).toEqual({ 'ns-1': 'red' });

    await expire();
    expect(await b.acquire(1, 'k')).toEqual([clusterId]);
    upsertNamespace(writer, 'ns-1', 'blue');
    upsertNamespace(writer, 'ns-2', 'blue');
    await writer.flush();
    expect(await teams()).toEqual({ 'ns-1': 'red' });
    expect(writer.stats()).toMatchObject({ batches: 1, dropped: 2, pending: 0 });
    // For good: what comes later is dropped too, and flush() does not wait for it.
    upsertNamespace(writer, 'ns-3', 'blue');
    expect(writer.stats().pending).toBe(0);
    await writer.flush();
    expect(await teams()).toEqual({ 'ns-1': 'red' });

    // The new holder writes.
    const taker = await writerOf(b, other);
    upsertNamespace(taker, 'ns-2', 'green');
    await taker.flush();
    expect(await teams()).toEqual({ 'ns-1': 'red', 'ns-2': 'green' });
    await writer.stop();
    await taker.stop();
  });

  it('fences a writer of an earlier lease of the same replica, once that replica lost the lease and took it again', async () => {
    await db.dataSource.query(`DELETE FROM k8s_cluster_leases; DELETE FROM k8s_namespaces`);
    const e = new ClusterOwnership(db.dataSource, 'replica-e', TIMINGS, ['k']);
    expect(await e.acquire(1, 'k')).toEqual([clusterId]);
    const before = await writerOf(e);
    upsertNamespace(before, 'ns-5', 'red');
    await before.flush();

    // The replica's database connection was down past the lease; once it is back, the replica takes the lease again
    // and starts a new sync, while the writer of the old one still holds changes from before the outage.
    await expire();
    expect(await e.acquire(1, 'k')).toEqual([clusterId]);
    const after = await writerOf(e);
    upsertNamespace(after, 'ns-5', 'blue');
    await after.flush();
    upsertNamespace(before, 'ns-5', 'stale');
    await before.flush();
    expect(await teams()).toEqual({ 'ns-5': 'blue' });
    expect(before.stats().dropped).toBe(1);
    await before.stop();
    await after.stop();
  });

  it('makes a takeover wait for the batch it has in flight, which commits; its next batch is not written', async () => {
    await db.dataSource.query(`DELETE FROM k8s_cluster_leases; DELETE FROM k8s_namespaces`);
    const c = new ClusterOwnership(db.dataSource, 'replica-c', { ttlMs: 1500, renewIntervalMs: 300 }, ['k']);
    expect(await c.acquire(1, 'k')).toEqual([clusterId]);
    const writer = await writerOf(c);
    upsertNamespace(writer, 'ns-9', 'red');
    await writer.flush();

    // Hold the batch in flight: its update of ns-9 waits for this lock, after the batch checked its lease.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM k8s_namespaces WHERE cluster_id = $1 AND name = 'ns-9' FOR UPDATE`, [clusterId]);
      upsertNamespace(writer, 'ns-9', 'blue');
      const committed = writer.flush();
      await waitUntil(async () => (await lockWaits(db.dataSource, 'k8s_namespaces')) > 0);

      // The lease runs out while the batch waits (its row is locked by the batch: it cannot be expired by hand).
      await new Promise((r) => setTimeout(r, 1600));
      const d = new ClusterOwnership(other, 'replica-d', TIMINGS, ['k']);
      let tookOver = false;
      const takeover = d.acquire(1, 'k').then((ids) => ((tookOver = true), ids));
      await waitUntil(async () => (await lockWaits(db.dataSource, 'k8s_cluster_leases')) > 0);
      expect(tookOver).toBe(false);

      await blocker.query('COMMIT');
      await committed;
      expect(await takeover).toEqual([clusterId]);
      expect(await teams()).toEqual({ 'ns-9': 'blue' });

      upsertNamespace(writer, 'ns-9', 'green');
      await writer.flush();
      expect(await teams()).toEqual({ 'ns-9': 'blue' });
      expect(writer.stats().dropped).toBe(1);
    } finally {
      await blocker.end();
      await writer.stop();
    }
  });
  it('lets a removal of the cluster wait for the batch it has in flight, without a deadlock', async () => {
    const [{ id: doomed }] = await db.dataSource.query(
      `INSERT INTO k8s_clusters (organization_id, name, kubeconfig_encrypted, encryption_key_id) VALUES ($1, 'doomed', '\\x01'::bytea, 'k2') RETURNING id`,
      [organizationId],
    );
    const owner = new ClusterOwnership(db.dataSource, 'replica-g', TIMINGS, ['k2']);
    expect(await owner.acquire(1, 'k2')).toEqual([doomed]);
    const writer = await writerOf(owner, db.dataSource, doomed);
    upsertNamespace(writer, 'ns-1', 'red');
    await writer.flush();

    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM k8s_namespaces WHERE cluster_id = $1 AND name = 'ns-1' FOR UPDATE`, [doomed]);
      // A batch that changes ns-1 (held up by the lock) and adds ns-2, whose reference to the cluster is checked at the end.
      upsertNamespace(writer, 'ns-1', 'blue');
      upsertNamespace(writer, 'ns-2', 'blue');
      const written = writer.flush();
      await waitUntil(async () => (await lockWaits(db.dataSource, 'k8s_namespaces')) > 0);
      const removal = other.query(`DELETE FROM k8s_clusters WHERE id = $1`, [doomed]);
      await waitUntil(async () => (await lockWaits(db.dataSource, 'DELETE FROM k8s_clusters')) > 0);
      await blocker.query('COMMIT');
      await written;
      await expect(removal).resolves.toBeDefined();
      expect(await db.dataSource.query(`SELECT id FROM k8s_clusters WHERE id = $1`, [doomed])).toEqual([]);
      expect(writer.stats()).toMatchObject({ batches: 2, retries: 0 });
    } finally {
      await blocker.end();
      await writer.stop();
    }
  });
});

/** Sessions of this database waiting for a lock in a statement that names `table`. */
async function lockWaits(ds: DataSource, table: string): Promise<number> {
  const [{ n }] = await ds.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`,
    [table],
  );
  return n;
}

/** Waits for a state the test causes; the bound only turns a missing one into a failure (generous: machines are shared). */
async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const started = Date.now(); !(await check()); ) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not reached within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
