import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { describe, expect, test, vi } from 'vitest';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../../src/common/config.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { createTestDatabase } from '../support/database.js';
import { exitOf, freePort, runCli, spawnUntil } from './support/processes.js';
import { until } from '../support/until.js';

vi.setConfig({ testTimeout: 240_000 });

const SERVING = /kubegraph is serving at (http:\/\/\S+)/;
const CLUSTERS_QUERY = JSON.stringify({ query: '{ clusters(first: 10) { edges { node { id name } } } }' });

interface Answer {
  status: number;
  body: string;
}

/**
 * One request on a connection of its own (no keep-alive), as a load balancer sends to a backend: a request either
 * gets its answer or fails, and a refused connection says the listener is closed.
 */
function request(base: string, pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const url = new URL(pathname, base);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function graphql(base: string, token: string | undefined, body: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return request(base, '/graphql', { method: 'POST', headers, body });
}

const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Resolves once a new connection to `port` is refused: the listener is closed. */
async function listenerClosed(port: number): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (err) => resolve(codeOf(err) === 'ECONNREFUSED'));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('KUBEGRAPH_SHUTDOWN_DELAY', () => {
  test('is 5 s in Kubernetes and 0 elsewhere unless set, and must be shorter than the grace period', () => {
    expect(loadConfig({}).shutdownDelayMs).toBe(0);
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }).shutdownDelayMs).toBe(5000);
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBEGRAPH_SHUTDOWN_DELAY: '0s' }).shutdownDelayMs).toBe(0);
    expect(loadConfig({ KUBEGRAPH_SHUTDOWN_DELAY: '1500ms' }).shutdownDelayMs).toBe(1500);
    expect(() => loadConfig({ KUBEGRAPH_SHUTDOWN_DELAY: '30s' })).toThrow(
      new ConfigError('KUBEGRAPH_SHUTDOWN_DELAY (30s) must be shorter than KUBEGRAPH_SHUTDOWN_GRACE (25000 ms)'),
    );
    expect(() => loadConfig({ KUBEGRAPH_SHUTDOWN_DELAY: 'soon' })).toThrow('KUBEGRAPH_SHUTDOWN_DELAY must be a duration such as 500ms, 30s, 5m or 1h (got "soon")');
  });
});

describe('serve readiness', () => {
  test('from the first moment of a starting serve, /readyz is never 200 while /graphql answers 404', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const port = await freePort();
      const spawned = spawnUntil(
        process.execPath,
        ['bin/kubegraph.js', 'serve', '--port', String(port)],
        { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'), HOST: '127.0.0.1' },
        SERVING,
        150_000,
      );
      let failed: unknown;
      spawned.catch((err: unknown) => (failed = err));
      const base = `http://127.0.0.1:${port}`;
      const seen: Array<[number | string, number | string]> = [];
      let readyAnswers = 0;
      // Each round asks readiness first, then the API: a ready answer must mean the API is there.
      while (readyAnswers < 5) {
        if (failed) throw failed;
        const ready = await request(base, '/readyz').then((a) => a.status, codeOf);
        const api = await graphql(base, undefined, JSON.stringify({ query: '{ __typename }' })).then((a) => a.status, codeOf);
        seen.push([ready!, api!]);
        if (ready === 200) readyAnswers++;
      }
      expect(seen.filter(([ready, api]) => ready === 200 && api !== 200)).toEqual([]);
      // The polling began before serve was ready: it saw the listener closed or readiness refused first.
      expect(seen[0]![0]).not.toBe(200);
      const { child } = await spawned;
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    } finally {
      await db.drop();
    }
  });
});

describe('serve shutdown', () => {
  test('SIGTERM under load: not ready first, no request in flight fails, subscriptions close with 1001, and another replica takes the lease at once', async () => {
    const db = await createTestDatabase({ migrate: false, dataSource: { applicationName: 'shutdown-test' } });
    const sim = await SimulatedCluster.start({ pods: 20, seed: 'shutdown' });
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kubegraph-shutdown-'));
    const children: Array<{ kill(sig: NodeJS.Signals): void }> = [];
    try {
      const env = {
        DATABASE_URL: db.url,
        BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        KUBEGRAPH_SHUTDOWN_DELAY: '3s',
        KUBEGRAPH_SHUTDOWN_GRACE: '20s',
      };
      expect((await runCli(['migrate'], env)).code).toBe(0);
      const kubeconfig = path.join(dir, 'kubeconfig');
      await sim.writeKubeconfig(kubeconfig);
      expect(await runCli(['cluster', 'add', '--kubeconfig', kubeconfig, '--org', 'acme', '--name', 'shared'], env)).toMatchObject({ code: 0 });
      const created = await runCli(['token', 'create', '--org', 'acme', '--role', 'viewer'], env);
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();

      const leaseHolder = async () => {
        const rows: Array<{ holder: string; acquired_at: Date; expires_at: Date }> = await db.dataSource.query(
          `SELECT holder, acquired_at, expires_at FROM k8s_cluster_leases WHERE expires_at > now()`,
        );
        return rows[0];
      };
      const heldBy = (pid: number | undefined) => (lease: { holder: string } | undefined) => lease?.holder.includes(`-${pid}-`) ?? false;

      const first = await spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--port', '0'], env, SERVING, 150_000);
      children.push(first.child);
      const base = first.match[1]!;
      const port = Number(new URL(base).port);
      await until(async () => (heldBy(first.child.pid)(await leaseHolder()) ? true : undefined));

      const second = await spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--port', '0'], env, SERVING, 150_000);
      children.push(second.child);
      // The second replica has joined (and, the cluster being held, holds nothing).
      await until(async () => {
        const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM sync_replicas WHERE pid = $1 AND expires_at > now()`, [second.child.pid]);
        return n === 1 ? true : undefined;
      });
      expect(heldBy(first.child.pid)(await leaseHolder())).toBe(true);

      // A subscription open on the first replica, counted by it as receiving.
      let closedWith: { code: number; reason: string } | undefined;
      const closed = new Promise<void>((resolve) => {
        const client = createClient({
          url: base.replace('http', 'ws') + '/graphql',
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${token}` },
          retryAttempts: 0,
          on: {
            closed: (event) => {
              const { code, reason } = event as { code: number; reason: string };
              closedWith = { code, reason };
              resolve();
            },
          },
        });
        client.subscribe({ query: 'subscription { clusterStatusChanged { type } }' }, { next: () => {}, error: () => {}, complete: () => {} });
      });
      await until(async () => ((await request(base, '/metrics')).body.includes('kubegraph_graphql_active_subscriptions 1') ? true : undefined));

      // Readiness as a load balancer polls it, until the listener is gone.
      const readiness: Array<number | string> = [];
      let notReady = false;
      const polling = (async () => {
        for (;;) {
          try {
            const answer = await request(base, '/readyz');
            readiness.push(answer.status);
            if (answer.status === 503) {
              expect(JSON.parse(answer.body)).toMatchObject({ ready: false, reason: 'shutting down' });
              notReady = true;
            }
          } catch (err) {
            readiness.push(codeOf(err)!);
            if (codeOf(err) === 'ECONNREFUSED') return;
          }
        }
      })();

      // Clients querying on and on; like a load balancer they stop sending once readiness says so (after one more).
      const answers: Answer[] = [];
      const failures: unknown[] = [];
      const worker = async () => {
        let afterNotReady = 0;
        while (afterNotReady < 1) {
          if (notReady) afterNotReady++;
          try {
            answers.push(await graphql(base, token, CLUSTERS_QUERY));
          } catch (err) {
            failures.push(err);
          }
        }
      };
      const load = Promise.all([worker(), worker()]);
      await until(async () => (answers.length >= 10 ? true : undefined));

      // A request in flight across the whole shutdown: its body is only half sent until the listener has closed.
      const slowBody = CLUSTERS_QUERY;
      const slow = http.request(new URL('/graphql', base), {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': String(Buffer.byteLength(slowBody)) },
      });
      const slowAnswer = new Promise<Answer>((resolve, reject) => {
        slow.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        slow.on('error', reject);
      });
      slow.write(slowBody.slice(0, 10));

      const leaseBefore = (await leaseHolder())!;
      first.child.kill('SIGTERM');
      await listenerClosed(port);
      slow.end(slowBody.slice(10));
      const lateAnswer = await slowAnswer;
      expect(lateAnswer.status).toBe(200);
      expect(JSON.parse(lateAnswer.body)).toEqual({ data: { clusters: { edges: [{ node: { id: expect.any(String), name: 'shared' } }] } } });

      await load;
      await polling;
      expect(failures).toEqual([]);
      expect(answers.filter((a) => a.status !== 200 || !a.body.includes('"name":"shared"'))).toEqual([]);
      // Not ready while still listening, before the listener closed.
      const firstNotReady = readiness.indexOf(503);
      expect(firstNotReady).toBeGreaterThan(-1);
      expect(readiness.slice(0, firstNotReady).every((s) => s === 200)).toBe(true);
      expect(readiness.at(-1)).toBe('ECONNREFUSED');

      expect(await exitOf(first.child, 60_000)).toBe(0);
      await closed;
      expect(closedWith).toEqual({ code: 1001, reason: 'Server shutting down' });

      // The first replica gave its lease and its heartbeat back.
      const pidFirst = first.child.pid;
      const leftBehind = await db.dataSource.query(
        `SELECT 'lease' AS what FROM k8s_cluster_leases WHERE holder LIKE $1 UNION ALL SELECT 'replica' FROM sync_replicas WHERE pid = $2`,
        [`%-${pidFirst}-%`, pidFirst],
      );
      expect(leftBehind).toEqual([]);
      // The second replica holds it, taken before the first one's lease would have run out on its own.
      const taken = await until(async () => {
        const lease = await leaseHolder();
        return lease && heldBy(second.child.pid)(lease) ? lease : undefined;
      });
      expect(taken.acquired_at.getTime()).toBeLessThan(leaseBefore.expires_at.getTime());

      // The steps in order, in the first replica's log.
      const steps = ['not ready; serving on until load balancers have noticed', 'stopped accepting connections', 'subscription server closed', 'sync coordinator stopped'];
      const positions = steps.map((s) => first.output().indexOf(s));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(first.output()).not.toMatch(/"level":(50|60)/);

      second.child.kill('SIGTERM');
      expect(await exitOf(second.child, 60_000)).toBe(0);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await sim.stop();
      await fsp.rm(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
