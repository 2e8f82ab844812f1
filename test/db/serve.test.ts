import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { loadConfig } from '../../src/common/config.js';
import { DatabaseReadiness } from '../../src/db/database-readiness.js';
import { applyMigrations } from '../../src/db/migration-runner.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { startServe } from '../../src/server/serve.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { DatabaseLink } from '../support/database-link.js';
import { exitOf, freePort, isAlive, runCli, spawnUntil } from './support/processes.js';

vi.setConfig({ testTimeout: 180_000 });

const SERVING = /kubegraph is serving at (http:\/\/\S+)/;

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('readiness', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('/readyz is 503 while starting, while migrations are pending and once shutting down, 200 in between; /healthz is always 200', async () => {
    // No caching of the database's answer: each step's answer is asked for at once.
    const readiness = new DatabaseReadiness(2000, 0);
    const http = createHttpServer({ config: { ...loadConfig({}), host: '127.0.0.1', port: 0 }, readiness });
    const base = await http.listen();
    try {
      readiness.starting('applying migrations');
      expect(await getJson(`${base}/readyz`)).toEqual({
        status: 503,
        body: { status: 'not ready', ready: false, reason: 'starting: applying migrations', checks: { database: 'applying migrations' } },
      });
      expect(await getJson(`${base}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });

      readiness.attach(db.dataSource);
      const pending = await getJson(`${base}/readyz`);
      expect(pending.status).toBe(503);
      expect(pending.body.reason).toMatch(/^\d+ migration\(s\) not applied: InitialSchema1764230400000, /);

      await applyMigrations(db.dataSource);
      readiness.starting('starting graphql');
      expect(await getJson(`${base}/readyz`)).toEqual({
        status: 503,
        body: { status: 'not ready', ready: false, reason: 'starting: starting graphql', checks: { database: 'ok', migrations: 'applied', server: 'starting graphql' } },
      });

      readiness.serving();
      expect(await getJson(`${base}/readyz`)).toEqual({
        status: 200,
        body: { status: 'ready', ready: true, checks: { database: 'ok', migrations: 'applied' } },
      });

      readiness.stopping();
      expect(await getJson(`${base}/readyz`)).toEqual({
        status: 503,
        body: { status: 'not ready', ready: false, reason: 'shutting down', checks: { server: 'stopping' } },
      });
    } finally {
      await http.close();
    }
  });
});

describe('startServe', () => {
  test('is not ready until its last component has started, so no traffic reaches an API that is not mounted yet', async () => {
    const db = await createTestDatabase({ migrate: false });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let starting!: () => void;
    const started = new Promise<void>((resolve) => (starting = resolve));
    const config = { ...loadConfig({ DATABASE_URL: db.url }), host: '127.0.0.1', port: await freePort() };
    // A last component that holds the start-up until the test lets it go, as a slow GraphQL mount would.
    const slow = () => ({
      name: 'slow part',
      async start() {
        starting();
        await released;
      },
      async stop() {},
    });
    const serving = startServe({ config, components: [slow] });
    try {
      await started;
      expect(await getJson(`http://127.0.0.1:${config.port}/readyz`)).toEqual({
        status: 503,
        body: { status: 'not ready', ready: false, reason: 'starting: starting slow part', checks: { database: 'ok', migrations: 'applied', server: 'starting slow part' } },
      });
      release();
      const running = await serving;
      expect((await getJson(`${running.url}/readyz`)).status).toBe(200);
      await running.stop();
    } finally {
      release();
      await db.drop();
    }
  });
});

describe('kubegraph serve', () => {
  test('on DATABASE_URL: migrates, serves health, reports a lost database, stops on SIGTERM', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const { child, match, output } = await spawnUntil(
        process.execPath,
        ['bin/kubegraph.js', 'serve', '--port', '0'],
        { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
        SERVING,
        150_000,
      );
      const base = match[1];
      expect(await getJson(`${base}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect((await getJson(`${base}/readyz`)).status).toBe(200);
      const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_pods_default`);
      expect(n).toBe(0);
      const parts = await db.dataSource.query(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'k8s_pods'::regclass`);
      expect(parts[0].n).toBe(1 + 4);

      await db.drop();
      // The database's answer is kept for a second, so the next probes may still see it answering.
      let lost = await getJson(`${base}/readyz`);
      while (lost.status === 200) lost = await getJson(`${base}/readyz`);
      expect(lost.status).toBe(503);
      // Why goes to the log: the driver's message may name an internal address, and /readyz answers anyone.
      expect(lost.body).toEqual({ status: 'not ready', ready: false, reason: 'database unavailable (the server log says why)', checks: { database: 'unavailable' } });
      expect(JSON.stringify(lost.body)).not.toContain(new URL(db.url).port);
      expect((await getJson(`${base}/healthz`)).status).toBe(200);

      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      expect(output()).toContain('kubegraph: stopped');
      expect(output().split('\n').filter((l) => l.includes('database unavailable; not ready'))).toHaveLength(1);
    } finally {
      await db.drop();
    }
  });

  test('with no DATABASE_URL: starts the embedded database, and SIGINT leaves no PostgreSQL process behind', async () => {
    const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kubegraph-serve-test-'));
    await fsp.chmod(dataDir, 0o755);
    try {
      const { child, match } = await spawnUntil(
        process.execPath,
        ['bin/kubegraph.js', 'serve', '--demo', '--port', '0'],
        { KUBEGRAPH_DATA_DIR: dataDir, KUBEGRAPH_EMBEDDED_PG_PORT: String(await freePort()) },
        SERVING,
        150_000,
      );
      const base = match[1];
      expect((await getJson(`${base}/readyz`)).body).toMatchObject({ ready: true });
      const owner = JSON.parse(fs.readFileSync(path.join(dataDir, 'postgres-owner.json'), 'utf8')) as { pid: number; postmasterPid: number };
      expect(owner.pid).toBe(child.pid);
      expect(isAlive(owner.postmasterPid)).toBe(true);

      child.kill('SIGINT');
      expect(await exitOf(child)).toBe(0);
      expect(isAlive(owner.postmasterPid)).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'postgres-owner.json'))).toBe(false);
    } finally {
      await fsp.rm(dataDir, { recursive: true, force: true });
    }
  });

  // A database that goes away (refusing connections, or no longer answering them, so that connects wait for their
  // timeout) while a sync is still in its first lists: SIGTERM must end serve within its grace period, not spin in the
  // pool's close or wait forever for connections that never come back.
  test.each([
    ['refuses connections', false],
    ['no longer answers', true],
  ])('SIGTERM while the database %s and a sync is starting stops serve within its grace period, with nothing left connected', async (_how, unanswered) => {
    // The test's own connections named apart from serve's (kubegraph-<part>).
    const db = await createTestDatabase({ migrate: false, dataSource: { applicationName: 'serve-test' } });
    const sim = await SimulatedCluster.start({ pods: 20, seed: 'serve-outage' });
    const { link, url } = await DatabaseLink.to(db.url);
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kubegraph-serve-outage-'));
    try {
      const env = { DATABASE_URL: url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'), HOST: '127.0.0.1', KUBEGRAPH_SHUTDOWN_GRACE: '20s' };
      expect((await runCli(['migrate'], env)).code).toBe(0);
      const kubeconfig = path.join(dir, 'kubeconfig');
      await sim.writeKubeconfig(kubeconfig);
      expect(await runCli(['cluster', 'add', '--kubeconfig', kubeconfig, '--org', 'acme', '--name', 'starting'], env)).toMatchObject({ code: 0 });
      // Every list fails from now on: the sync stays in its initial lists, retrying.
      await sim.fault({ kind: 'errors', status: 503, forMs: 600_000 });

      const { child, output } = await spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--port', '0'], env, SERVING, 150_000);
      // The sync starts once its replica holds the cluster's lease.
      for (;;) {
        const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_cluster_leases WHERE expires_at > now()`);
        if (n === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const waiting = link.connectionWaiting();
      await link.cut({ unanswered });
      // Unanswered: once serve is trying to connect again, so that a connect is pending when the shutdown begins.
      if (unanswered) await waiting;
      child.kill('SIGTERM');
      // 0 only when every step stopped: past the 20 s grace period serve exits with 1, naming the step.
      expect(await exitOf(child, 60_000)).toBe(0);
      expect(output()).toContain('kubegraph: stopped');
      expect(output()).not.toContain('grace period');
      for (;;) {
        const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'kubegraph-%'`);
        if (n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await link.close();
      await sim.stop();
      await fsp.rm(dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  test('a port in use stops serve with one line naming it and exit 1', async () => {
    const db = await createTestDatabase({ migrate: false });
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const r = await runCli(['serve', '--port', String(port)], { DATABASE_URL: db.url, HOST: '127.0.0.1', BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`kubegraph: port ${port} on 127.0.0.1 is already in use; choose a free one with --port or PORT\n`);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('kubegraph:'))).toHaveLength(1);
    } finally {
      taken.close();
      await db.drop();
    }
  });

  test('an unreachable DATABASE_URL stops serve with one line and exit 1', async () => {
    const port = await freePort();
    const r = await runCli(['serve', '--port', '0'], {
      DATABASE_URL: `postgresql://root@127.0.0.1:${port}/x`,
      BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^kubegraph: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/x: [^\\n]+\\n$`));
  });
});
