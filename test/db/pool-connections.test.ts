import pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../../src/db/data-source.js';
import { acquireConnection, closeDataSource, releaseConnection, warmConnections } from '../../src/db/pool-connections.js';
import { captureLogs } from '../cluster/support/capture-logs.js';
import { createTestDatabase, type TestDatabase, testServerUrl } from '../support/database.js';
import { DatabaseLink } from '../support/database-link.js';

/** TypeORM's list of the runners it considers connected: what its pool close releases, one by one. */
function listed(dataSource: DataSource): QueryRunner[] {
  return (dataSource.driver as unknown as { connectedQueryRunners: QueryRunner[] }).connectedQueryRunners;
}

describe('connections taken from the pool by hand', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });

  afterAll(async () => {
    for (const s of sources) await closeDataSource(s, { timeoutMs: 5000 });
    await db?.drop();
  });

  async function pool(poolSize: number): Promise<DataSource> {
    const ds = createDataSource(db.url, { poolSize, applicationName: 'pool-connections' });
    sources.push(ds);
    await ds.initialize();
    return ds;
  }

  it('acquires a working connection and releases it; a failed connect leaves nothing listed', async () => {
    const ds = await pool(2);
    const qr = await acquireConnection(ds);
    expect(await qr.query('SELECT 1 + 1 AS two')).toEqual([{ two: 2 }]);
    expect(listed(ds)).toEqual([qr]);
    await releaseConnection(qr);
    expect(listed(ds)).toEqual([]);

    // No new connection can be made: the database refuses them.
    const name = new URL(db.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pool-connections'`);
      const fresh = createDataSource(db.url, { poolSize: 2, applicationName: 'pool-connections' });
      sources.push(fresh);
      await expect(fresh.initialize()).rejects.toThrow(/not currently accepting connections/);
      await expect(acquireConnection(ds)).rejects.toThrow(/not currently accepting connections/);
      expect(listed(ds)).toEqual([]);
      // Two attempts, none connected: warm-up says so and does not throw.
      expect(await warmConnections(ds, 2)).toBe(0);
    } finally {
      await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    expect(await warmConnections(ds, 2)).toBe(2);
    expect(listed(ds)).toEqual([]);
  });

  it('closes a pool holding a runner released before its connection arrived, returning that connection', async () => {
    // One connection in the pool: the second runner's connect waits for the first to be released. Releasing the
    // waiting runner (what no code of ours does any more) marks it released; when the connection reaches it, TypeORM
    // lists it as connected anyway, and destroy() alone would loop on it forever.
    const ds = await pool(1);
    const first = await acquireConnection(ds);
    const second = ds.createQueryRunner();
    const arrived = second.connect();
    await second.release();
    await releaseConnection(first);
    await arrived;
    expect(listed(ds)).toEqual([second]);
    expect(second.isReleased).toBe(true);

    const logs = captureLogs('warn');
    expect(await closeDataSource(ds, { timeoutMs: 5000, log: logs.logger })).toEqual({ closed: true, abandoned: 0 });
    expect(ds.isInitialized).toBe(false);
    expect(logs.lines()).toMatchObject([{ runners: 1, msg: 'query runners released before they connected still held connections; returned them before closing the pool' }]);
  });

  it('gives up waiting for a connection still being made, and says how many it abandoned', async () => {
    // Through a link that stops answering: a connect started before the close is still pending when the pool closes,
    // and the pool waits for that connection to end.
    const { link, url } = await DatabaseLink.to(db.url);
    const ds = createDataSource(url, { poolSize: 2, applicationName: 'pool-connections', connectTimeoutMs: 60_000 });
    await ds.initialize();
    const counters = (ds.driver as unknown as { master: { totalCount: number } }).master;
    try {
      await link.cut({ unanswered: true });
      while (counters.totalCount > 0) await new Promise((r) => setImmediate(r));
      const waiting = link.connectionWaiting();
      const pending = acquireConnection(ds).catch((err: Error) => err);
      await waiting;
      const logs = captureLogs('warn');
      expect(await closeDataSource(ds, { timeoutMs: 300, log: logs.logger })).toEqual({ closed: false, abandoned: 1 });
      expect(logs.lines()).toMatchObject([{ waitedMs: 300, abandoned: 1, msg: 'database pool not closed in time; abandoning the connections still in use' }]);
      await link.close();
      expect(await pending).toBeInstanceOf(Error);
    } finally {
      await link.close();
    }
  });
});
