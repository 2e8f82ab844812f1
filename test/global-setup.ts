import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser connection string of the PostgreSQL server shared by this test run. */
    postgresAdminUrl: string;
  }
}

const RUN_DIR_PREFIX = 'kubegraph-test-pg-';
const STALE_DATABASE_AGE_S = 6 * 3600;

/**
 * One PostgreSQL server for the whole run: TEST_DATABASE_URL when set (CI's PostgreSQL 15),
 * otherwise an embedded server in a fresh temporary directory, started once and stopped at the end.
 * Each test file creates its own database on it (test/support/database.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Quiet by default; LOG_LEVEL=debug npm test shows everything. Set before the logger is first imported.
  process.env.LOG_LEVEL ??= 'warn';
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    await dropStaleDatabases(external);
    project.provide('postgresAdminUrl', external);
    process.env.KUBEGRAPH_TEST_POSTGRES_URL = external;
    return async () => {};
  }

  const { EmbeddedPostgres, EmbeddedPostgresError } = await import('../src/db/embedded-postgres.js');
  await clearStaleRuns();
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), RUN_DIR_PREFIX));
  await fsp.writeFile(path.join(dataDir, 'run.json'), JSON.stringify({ pid: process.pid }));
  let server: Awaited<ReturnType<typeof EmbeddedPostgres.start>> | undefined;
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await EmbeddedPostgres.start({ dataDir, port: await freePort(), database: 'postgres', ephemeral: true });
    } catch (err) {
      // Another run may take the port between our probe and the server's bind.
      if (!(err instanceof EmbeddedPostgresError && err.message.includes('already in use')) || attempt >= 3) throw err;
    }
  }
  const url = server.urlFor('postgres');
  project.provide('postgresAdminUrl', url);
  process.env.KUBEGRAPH_TEST_POSTGRES_URL = url;
  return async () => {
    await server.stop();
    await fsp.rm(dataDir, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Servers and directories of earlier runs that were killed before their teardown ran. */
async function clearStaleRuns(): Promise<void> {
  const { stopOrphanedServer } = await import('../src/db/embedded-postgres.js');
  for (const entry of await fsp.readdir(os.tmpdir())) {
    if (!entry.startsWith(RUN_DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), entry);
    let runner: number | undefined;
    try {
      runner = (JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { pid: number }).pid;
    } catch {
      // A run that died before writing run.json is stale once it is old enough not to be starting now.
      const age = Date.now() - (await fsp.stat(dir)).mtimeMs;
      if (age < 10 * 60_000) continue;
    }
    if (runner !== undefined && isAlive(runner)) continue;
    await stopOrphanedServer(dir);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** Scratch databases (kgtest_<epoch>_<random>) left on a shared server by runs that were killed. */
async function dropStaleDatabases(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`TEST_DATABASE_URL does not answer: ${(err as Error).message}`);
  }
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^kgtest_[0-9]+_[0-9a-f]+$'`);
    const now = Date.now() / 1000;
    for (const { datname } of rows) {
      if (now - Number(datname.split('_')[1]) > STALE_DATABASE_AGE_S) {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
      }
    }
  } finally {
    await client.end();
  }
}
