import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { createDataSource, type DataSourceOptions } from '../../src/db/data-source.js';
import { closeDataSource } from '../../src/db/pool-connections.js';

export interface TestDatabase {
  /** Connection string of the scratch database (superuser). */
  url: string;
  /** Initialised; migrations applied unless `migrate: false`. */
  dataSource: DataSource;
  /** Closes the data source and drops the database, even with other connections still open. */
  drop(): Promise<void>;
}

/** Superuser URL of the run's shared server (test/global-setup.ts), e.g. to create databases yourself. */
export function testServerUrl(): string {
  const url = inject('postgresAdminUrl') ?? process.env.KUBEGRAPH_TEST_POSTGRES_URL;
  if (!url) throw new Error('no test PostgreSQL: run through vitest (test/global-setup.ts) or set TEST_DATABASE_URL');
  return url;
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl(), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database on the shared test server, with every migration applied by default. Use one per
 * test file (beforeAll) and `drop()` it in afterAll. Names carry their creation time so that a later
 * run can drop the leftovers of a killed one.
 */
export async function createTestDatabase(
  opts: { migrate?: boolean; dataSource?: DataSourceOptions } = {},
): Promise<TestDatabase> {
  const name = `kgtest_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  const url = withDatabase(testServerUrl(), name);
  const dataSource = createDataSource(url, { poolSize: 5, ...opts.dataSource });
  await dataSource.initialize();
  if (opts.migrate !== false) await dataSource.runMigrations();
  let dropped = false;
  return {
    url,
    dataSource,
    async drop() {
      if (dropped) return;
      dropped = true;
      // Bounded: the DROP ... WITH (FORCE) below ends whatever a test left connected.
      await closeDataSource(dataSource, { timeoutMs: 10_000 });
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}
