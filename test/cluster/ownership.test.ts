import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source.js';
import { ClusterOwnership } from '../../src/sync/ownership.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TIMINGS = { ttlMs: 1500, renewIntervalMs: 300 };

let db: TestDatabase;
let second: DataSource;
let orgId: string;

async function seedClusters(n: number, keyId = 'k'): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.dataSource.query(
    `INSERT INTO k8s_clusters (organization_id, name, kubeconfig_encrypted, encryption_key_id)
     SELECT $1, 'c-' || g || '-' || md5(random()::text), '\\x01'::bytea, $3 FROM generate_series(1, $2) g RETURNING id`,
    [orgId, n, keyId],
  );
  return rows.map((r) => r.id);
}

/** The clusters whose leases a renewal kept. */
const held = async (o: ClusterOwnership) => new Set((await o.renew()).keys());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await createTestDatabase();
  second = createDataSource(db.url, { poolSize: 2 });
  await second.initialize();
  [{ id: orgId }] = await db.dataSource.query(`INSERT INTO organizations (name) VALUES ('o') RETURNING id`);
});

afterAll(async () => {
  await second?.destroy();
  await db?.drop();
});

beforeEach(async () => {
  await db.dataSource.query(`DELETE FROM k8s_cluster_leases; DELETE FROM sync_replicas; DELETE FROM k8s_clusters`);
});

describe('ClusterOwnership', () => {
  it('gives each cluster to exactly one of two racing replicas', async () => {
    const ids = await seedClusters(40);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS, ['k']);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS, ['k']);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => a.acquire(40, 'k')),
      ...Array.from({ length: 5 }, () => b.acquire(40, 'k')),
    ]);
    const taken = results.flat();
    expect(taken).toHaveLength(40);
    expect(new Set(taken)).toEqual(new Set(ids));
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_cluster_leases`);
    expect(n).toBe(40);
  });

  it('counts live replicas and only other replicas whose heartbeat has not expired', async () => {
    // A heartbeat valid long enough that a slow machine cannot let it lapse between two statements; b's is made to
    // lapse through its expires_at, on the database's clock that the count reads.
    const timings = { ttlMs: 120_000, renewIntervalMs: 300 };
    const a = new ClusterOwnership(db.dataSource, 'replica-a', timings, ['k']);
    const b = new ClusterOwnership(second, 'replica-b', timings, ['k']);
    expect(await a.heartbeat()).toBe(1);
    expect(await b.heartbeat()).toBe(2);
    expect(await a.heartbeat()).toBe(2);
    await db.dataSource.query(`UPDATE sync_replicas SET expires_at = clock_timestamp() WHERE replica_id = 'replica-b'`);
    expect(await a.heartbeat()).toBe(1);
  });

  it('renews held leases; an expired lease is taken by another replica and lost by its old holder', async () => {
    // Expiry is the database's clock against expires_at; a lease is made to lapse by moving expires_at, not by sleeping,
    // so that a slow machine cannot let a lease lapse that the test needs held. A long ttl keeps them valid meanwhile.
    const timings = { ttlMs: 120_000, renewIntervalMs: 300 };
    const [id] = await seedClusters(1);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', timings, ['k']);
    const b = new ClusterOwnership(second, 'replica-b', timings, ['k']);
    const expiry = async () => (await db.dataSource.query(`SELECT expires_at FROM k8s_cluster_leases WHERE cluster_id = $1`, [id]))[0].expires_at as Date;
    expect(await a.acquire(5, 'k')).toEqual([id]);
    expect(await b.acquire(5, 'k')).toEqual([]);
    const acquiredExpiry = await expiry();
    expect(await held(a)).toEqual(new Set([id]));
    // Renewed: valid for a full ttl from the renewal, past the expiry the acquisition set, and still not for the taking.
    expect((await expiry()).getTime()).toBeGreaterThan(acquiredExpiry.getTime());
    expect(await b.acquire(5, 'k')).toEqual([]);
    // Not renewed in time: lapsed.
    await db.dataSource.query(`UPDATE k8s_cluster_leases SET expires_at = clock_timestamp() WHERE cluster_id = $1`, [id]);
    expect(await b.acquire(5, 'k')).toEqual([id]);
    expect(await held(a)).toEqual(new Set());
    expect(await held(b)).toEqual(new Set([id]));
  });

  it('does not count a renewal that waited on a lock until after expiry', async () => {
    const [id] = await seedClusters(1);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS, ['k']);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS, ['k']);
    expect(await a.acquire(1, 'k')).toEqual([id]);
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM k8s_cluster_leases WHERE cluster_id = $1 FOR UPDATE`, [id]);
      const renewal = a.renew();
      await sleep(TIMINGS.ttlMs + 200);
      await blocker.query('COMMIT');
      expect(await renewal).toEqual(new Map());
      expect(await b.acquire(1, 'k')).toEqual([id]);
      expect(await held(b)).toEqual(new Set([id]));
    } finally {
      await blocker.end();
    }
  });

  it('drops leases of removed clusters and of clusters whose kubeconfig was erased', async () => {
    const [gone, erased, kept] = await seedClusters(3);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS, ['k']);
    expect((await a.acquire(3, 'k')).sort()).toEqual([gone, erased, kept].sort());
    await db.dataSource.query(`DELETE FROM k8s_clusters WHERE id = $1`, [gone]);
    await db.dataSource.query(`UPDATE k8s_clusters SET kubeconfig_encrypted = NULL, encryption_key_id = NULL WHERE id = $1`, [erased]);
    expect(await held(a)).toEqual(new Set([kept]));
    expect(await a.shares()).toEqual(new Map([['k', 1]]));
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS, ['k']);
    expect(await b.acquire(3, 'k')).toEqual([]);
  });

  it('release and leave free clusters at once', async () => {
    const ids = await seedClusters(4);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS, ['k']);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS, ['k']);
    await a.heartbeat();
    expect(await a.acquire(10, 'k')).toHaveLength(4);
    await a.release(ids.slice(0, 1));
    expect(await b.acquire(10, 'k')).toEqual(ids.slice(0, 1));
    await a.leave();
    expect((await b.acquire(10, 'k')).sort()).toEqual(ids.slice(1).sort());
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM sync_replicas WHERE replica_id = 'replica-a'`);
    expect(n).toBe(0);
  });

  it('shares clusters per key among the replicas holding that key, and drops a lease whose cluster moved to a key it lacks', async () => {
    const [old1, old2] = await seedClusters(2, 'k');
    const fresh = await seedClusters(3, 'k2');
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS, ['k']);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS, ['k2', 'k']);
    await a.heartbeat();
    await b.heartbeat();
    // Both hold k: its 2 clusters are split; only b holds k2: all 3 of those are b's.
    expect(await a.shares()).toEqual(new Map([['k', 1]]));
    expect(await b.shares()).toEqual(new Map([['k2', 3], ['k', 1]]));
    expect((await b.acquire(3, 'k2')).sort()).toEqual([...fresh].sort());
    expect((await a.acquire(2, 'k')).sort()).toEqual([old1, old2].sort());

    // Re-encrypted under k2 (as `keys rotate` does): a cannot decrypt it any more and lets it go at once.
    await db.dataSource.query(`UPDATE k8s_clusters SET encryption_key_id = 'k2' WHERE id = $1`, [old1]);
    expect(await a.renew()).toEqual(new Map([[old2, 'k']]));
    expect(await b.acquire(5, 'k2')).toEqual([old1]);
    expect(await held(b)).toEqual(new Set([...fresh, old1]));
  });
});
