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

async function seedClusters(n: number): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.dataSource.query(
    `INSERT INTO k8s_clusters (organization_id, name, kubeconfig_encrypted, encryption_key_id)
     SELECT $1, 'c-' || g || '-' || md5(random()::text), '\\x01'::bytea, 'k' FROM generate_series(1, $2) g RETURNING id`,
    [orgId, n],
  );
  return rows.map((r) => r.id);
}

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
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => a.acquire(40)),
      ...Array.from({ length: 5 }, () => b.acquire(40)),
    ]);
    const taken = results.flat();
    expect(taken).toHaveLength(40);
    expect(new Set(taken)).toEqual(new Set(ids));
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_cluster_leases`);
    expect(n).toBe(40);
  });

  it('counts live replicas and only other replicas whose heartbeat has not expired', async () => {
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS);
    expect(await a.heartbeat()).toBe(1);
    expect(await b.heartbeat()).toBe(2);
    expect(await a.heartbeat()).toBe(2);
    await sleep(TIMINGS.ttlMs + 200);
    expect(await a.heartbeat()).toBe(1);
  });

  it('renews held leases; an expired lease is taken by another replica and lost by its old holder', async () => {
    const [id] = await seedClusters(1);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS);
    expect(await a.acquire(5)).toEqual([id]);
    expect(await b.acquire(5)).toEqual([]);
    await sleep(TIMINGS.ttlMs / 2);
    expect(await a.renew()).toEqual(new Set([id]));
    await sleep(TIMINGS.ttlMs / 2 + 100);
    // Renewed half-way, so still valid past the first expiry.
    expect(await b.acquire(5)).toEqual([]);
    await sleep(TIMINGS.ttlMs + 100);
    expect(await b.acquire(5)).toEqual([id]);
    expect(await a.renew()).toEqual(new Set());
    expect(await b.renew()).toEqual(new Set([id]));
  });

  it('does not count a renewal that waited on a lock until after expiry', async () => {
    const [id] = await seedClusters(1);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS);
    expect(await a.acquire(1)).toEqual([id]);
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM k8s_cluster_leases WHERE cluster_id = $1 FOR UPDATE`, [id]);
      const renewal = a.renew();
      await sleep(TIMINGS.ttlMs + 200);
      await blocker.query('COMMIT');
      expect(await renewal).toEqual(new Set());
      expect(await b.acquire(1)).toEqual([id]);
      expect(await b.renew()).toEqual(new Set([id]));
    } finally {
      await blocker.end();
    }
  });

  it('drops leases of removed clusters and of clusters whose kubeconfig was erased', async () => {
    const [gone, erased, kept] = await seedClusters(3);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS);
    expect((await a.acquire(3)).sort()).toEqual([gone, erased, kept].sort());
    await db.dataSource.query(`DELETE FROM k8s_clusters WHERE id = $1`, [gone]);
    await db.dataSource.query(`UPDATE k8s_clusters SET kubeconfig_encrypted = NULL, encryption_key_id = NULL WHERE id = $1`, [erased]);
    expect(await a.renew()).toEqual(new Set([kept]));
    expect(await a.syncableClusterCount()).toBe(1);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS);
    expect(await b.acquire(3)).toEqual([]);
  });

  it('release and leave free clusters at once', async () => {
    const ids = await seedClusters(4);
    const a = new ClusterOwnership(db.dataSource, 'replica-a', TIMINGS);
    const b = new ClusterOwnership(second, 'replica-b', TIMINGS);
    await a.heartbeat();
    expect(await a.acquire(10)).toHaveLength(4);
    await a.release(ids.slice(0, 1));
    expect(await b.acquire(10)).toEqual(ids.slice(0, 1));
    await a.leave();
    expect((await b.acquire(10)).sort()).toEqual(ids.slice(1).sort());
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM sync_replicas WHERE replica_id = 'replica-a'`);
    expect(n).toBe(0);
  });
});
