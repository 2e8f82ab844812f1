import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/common/config.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { childEnv, exitOf, ROOT, runCli, spawnUntil } from '../db/support/processes.js';
import { until } from '../support/until.js';

vi.setConfig({ testTimeout: 180_000 });

const SERVING = /kubegraph is serving at (http:\/\/\S+)/;
const ANSI = /\x1b\[[0-9;]*m/g;

type Line = Record<string, unknown> & { msg: string; level: number };

/** Whether util-linux `script` is there to give serve a terminal. */
const hasScript = ['/usr/bin/script', '/bin/script'].some((p) => fs.existsSync(p));

describe('LOG_FORMAT', () => {
  test('is json, pretty or unset', () => {
    expect(loadConfig({ LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    expect(loadConfig({}).logFormat).toBeUndefined();
    expect(() => loadConfig({ LOG_FORMAT: 'text' })).toThrow(new ConfigError('LOG_FORMAT must be json or pretty (got "text")'));
  });
});

describe('serve logs', () => {
  let db: TestDatabase;
  let sim: SimulatedCluster;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    sim = await SimulatedCluster.start({ pods: 5, seed: 'serve-logs' });
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kubegraph-serve-logs-'));
    env = { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'), HOST: '127.0.0.1' };
    expect((await runCli(['migrate'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await sim?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
    await db?.drop();
  });

  test('piped: JSON lines and a one-line banner; a request\'s lines carry its request id, a sync\'s its cluster id', async () => {
    const created = await runCli(['token', 'create', '--org', 'acme', '--role', 'admin'], env);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    const kubeconfigFile = path.join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfigFile);
    const kubeconfig = await fsp.readFile(kubeconfigFile, 'utf8');

    const { child, match, output } = await spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--port', '0'], { ...env, LOG_LEVEL: 'debug' }, SERVING, 150_000);
    const base = match[1]!;
    try {
      // The body in two parts, the second a moment later: what runs once it has been read runs from the socket's
      // events, not from where the request began, and must still know the request's id.
      const body = JSON.stringify({ query: 'mutation ($k: String!) { registerCluster(input: { name: "logged", kubeconfig: $k }) { id } }', variables: { k: kubeconfig } });
      const register = await new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
        const req = http.request(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'deploy-42.register', 'content-length': String(Buffer.byteLength(body)) },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 100));
        setTimeout(() => req.end(body.slice(100)), 100);
      });
      expect(register.status).toBe(200);
      expect(register.headers['x-request-id']).toBe('deploy-42.register');
      const [{ id: clusterId }] = await db.dataSource.query(`SELECT id FROM k8s_clusters WHERE name = 'logged'`);

      // An id that could not be logged as it is (spaces, too long) is replaced; none sent, one is made.
      for (const sent of ['two words', 'x'.repeat(129), undefined]) {
        const res = await fetch(`${base}/readyz`, { headers: sent === undefined ? {} : { 'x-request-id': sent } });
        expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      }

      const lines = () =>
        output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Line);
      // The sync of the new cluster has committed its first lists.
      await until(() => (lines().some((l) => l.component === 'sync' && l.clusterId === clusterId && l.msg === 'initial sync committed') ? true : undefined));

      // Every stdout line but the banner is JSON.
      const stdoutLines = output()
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('{'));
      expect(stdoutLines).toEqual([`kubegraph is serving at ${base}  (GraphQL: ${base}/graphql, health: ${base}/healthz, ${base}/readyz)`]);

      const ofRequest = lines().filter((l) => l.requestId === 'deploy-42.register');
      // The service's line, logged after the body was read and the cluster probed, and the request's own line.
      expect(ofRequest.map((l) => l.msg)).toEqual(expect.arrayContaining(['registered cluster', 'request']));
      expect(ofRequest.find((l) => l.msg === 'request')).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
      // The syncs and rounds the registration set going are not the request's.
      expect(ofRequest.filter((l) => l.component === 'sync' || l.component === 'sync-coordinator')).toEqual([]);
      const ofSync = lines().filter((l) => l.component === 'sync');
      expect(ofSync.length).toBeGreaterThan(0);
      expect(ofSync.filter((l) => l.clusterId !== clusterId)).toEqual([]);
      expect(output()).not.toContain(token);

      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test.runIf(hasScript)('on a terminal: readable lines and the banner as a block of its own; LOG_FORMAT=json keeps JSON', async () => {
    const run = (extra: Record<string, string>) =>
      new Promise<{ code: number | null; text: string }>((resolve, reject) => {
        // script gives serve a pseudo-terminal; a Ctrl-C typed into it stops serve as a person would.
        const child = spawn('script', ['-qefc', `exec ${process.execPath} bin/kubegraph.js serve --port 0`, '/dev/null'], {
          cwd: ROOT,
          env: childEnv({ ...env, LOG_LEVEL: 'info', ...extra }),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let raw = '';
        let interrupted = false;
        child.stdout.on('data', (c: Buffer) => {
          raw += c.toString();
          if (!interrupted && SERVING.test(raw)) {
            interrupted = true;
            child.stdin.write('\x03');
          }
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, text: raw }));
      });

    const pretty = await run({});
    expect(pretty.code).toBe(0);
    // Colours for a person; without them, lines that start with the time and the level.
    expect(pretty.text).toMatch(ANSI);
    const text = pretty.text.replace(ANSI, '').replace(/\r\n/g, '\n');
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: listening \{.*"component":"http"/m);
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: database connected /m);
    expect(text).not.toMatch(/^\{"level"/m);
    const url = SERVING.exec(text)![1];
    expect(text).toContain(`\n\n  kubegraph is serving at ${url}\n\n    GraphQL, GraphiQL and graphql-ws   ${url}/graphql\n`);

    const json = await run({ LOG_FORMAT: 'json' });
    expect(json.code).toBe(0);
    const jsonText = json.text.replace(/\r\n/g, '\n');
    expect(jsonText).toMatch(/^\{"level":30,"time":"[^"]+","service":"kubegraph","component":"http","url":"[^"]+","msg":"listening"\}$/m);
  });
});
