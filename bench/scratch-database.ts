import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, type DataSourceOptions } from '../src/db/data-source.js';
import { EmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { closeDataSource } from '../src/db/pool-connections.js';

export interface ScratchDatabase {
  url: string;
  dataSource: DataSource;
  cleanup(): Promise<void>;
}

/** A fresh, migrated database on BENCH_DATABASE_URL's server, or on an embedded PostgreSQL started for the run. */
export async function scratchDatabase(opts: Pick<DataSourceOptions, 'poolSize' | 'connectTimeoutMs'> = {}): Promise<ScratchDatabase> {
  const external = process.env.BENCH_DATABASE_URL;
  let adminUrl: string;
  let stopServer = async () => {};
  if (external) {
    adminUrl = external;
  } else {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-bench-'));
    const server = await EmbeddedPostgres.start({ dataDir: dir, port: 20000 + Math.floor(Math.random() * 20000), database: 'postgres', ephemeral: true });
    adminUrl = server.urlFor('postgres');
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const name = `kgbench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataSource = createDataSource(url.toString(), { ...opts, applicationName: 'kubegraph-bench' });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    url: url.toString(),
    dataSource,
    async cleanup() {
      await closeDataSource(dataSource, { timeoutMs: 10_000 });
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await stopServer();
    },
  };
}
