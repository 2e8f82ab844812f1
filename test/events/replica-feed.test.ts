import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { describe, expect, test, vi } from 'vitest';
import WebSocket from 'ws';
import { encodeEventCursor } from '../../src/events/event-cursor.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { runCli, spawnUntil } from '../db/support/processes.js';
import { createTestDatabase } from '../support/database.js';
import { until } from '../support/until.js';

vi.setConfig({ testTimeout: 240_000 });

const SERVING = /kubegraph is serving at (http:\/\/\S+)/;

const seqOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString().slice('change:'.length));

describe('a live feed across replicas', () => {
  test('a subscriber on replica B gets every pod change replica A commits, once and in order, through a lost listener and a killed writer', async () => {
    const db = await createTestDatabase({ migrate: false });
    const sim = await SimulatedCluster.start({ pods: 40, seed: 'replica-feed' });
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kubegraph-replica-feed-'));
    const children: Array<{ kill(sig: NodeJS.Signals): void }> = [];
    const lastSeq = async (): Promise<number> => Number((await db.dataSource.query(`SELECT coalesce(max(seq), 0) AS s FROM change_events`))[0].s);
    try {
      const env = { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
      expect((await runCli(['migrate'], env)).code).toBe(0);
      const kubeconfig = path.join(dir, 'kubeconfig');
      await sim.writeKubeconfig(kubeconfig);
      expect(await runCli(['cluster', 'add', '--kubeconfig', kubeconfig, '--org', 'acme', '--name', 'shared'], env)).toMatchObject({ code: 0 });
      const created = await runCli(['token', 'create', '--org', 'acme', '--role', 'viewer'], env);
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();

      // A syncs the cluster (it starts first and takes the lease); B only serves.
      const a = await spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--port', '0'], env, SERVING, 150_000);
      children.push(a.child);
      await until(async () => {
        const [row] = await db.dataSource.query(`SELECT holder FROM k8s_cluster_leases WHERE expires_at > now()`);
        return row?.holder.includes(`-${a.child.pid}-`) ? true : undefined;
      });
      const b = await spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--port', '0'], env, SERVING, 150_000);
      children.push(b.child);

      // Subscribed on B from a known point of the log, so that what it must receive is exactly what follows.
      const from = await lastSeq();
      const received: number[] = [];
      const errors: unknown[] = [];
      const client = createClient({ url: b.match[1]!.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
      client.subscribe(
        { query: 'subscription($after: String) { podChanged(after: $after) { type cursor pod { name } } }', variables: { after: encodeEventCursor(from) } },
        { next: (r) => (r.errors ? errors.push(r.errors) : received.push(seqOf((r.data as { podChanged: { cursor: string } }).podChanged.cursor))), error: (e) => errors.push(e), complete: () => {} },
      );

      // 1. Changes as usual.
      await sim.tick(30);
      const lastPodSeq = async (): Promise<number> =>
        Number((await db.dataSource.query(`SELECT coalesce(max(seq), 0) AS s FROM change_events WHERE kind = 'Pod'`))[0].s);
      const afterFirst = await until(async () => ((await lastPodSeq()) > from ? lastPodSeq() : undefined));
      await until(async () => (received.length > 0 && received.at(-1)! >= afterFirst ? true : undefined));

      // 2. Every change log listener killed (B's among them), and changes committed while they reconnect.
      const killed = await db.dataSource.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN kubegraph_changes'`,
      );
      expect(killed.length).toBeGreaterThanOrEqual(2);
      const beforeSecond = await lastSeq();
      await sim.tick(30);
      await until(async () => ((await lastSeq()) > beforeSecond ? true : undefined));

      // 3. A killed right after a commit; B takes the cluster over once A's lease lapses, and syncs what changed.
      const beforeKill = await lastSeq();
      await sim.tick(30);
      await until(async () => ((await lastSeq()) > beforeKill ? true : undefined));
      a.child.kill('SIGKILL');
      await sim.tick(30);
      await until(async () => {
        const [row] = await db.dataSource.query(`SELECT holder FROM k8s_cluster_leases WHERE expires_at > now()`);
        return row?.holder.includes(`-${b.child.pid}-`) ? true : undefined;
      });

      // Everything committed since `from` (all pods here are the organisation's), and nothing else, in log order.
      const expected = async (): Promise<number[]> =>
        (await db.dataSource.query(`SELECT seq FROM change_events WHERE kind = 'Pod' AND seq > $1 ORDER BY seq`, [from])).map((r: { seq: string }) => Number(r.seq));
      const settled = await until(async () => {
        const want = await expected();
        return want.length > 0 && received.length >= want.length && received.at(-1) === want.at(-1) ? want : undefined;
      });
      expect(errors).toEqual([]);
      // Changes B's own sync commits afterwards may follow; up to there the feed is the log, exactly.
      expect(received.filter((seq) => seq <= settled.at(-1)!)).toEqual(settled);
      expect(new Set(received).size).toBe(received.length);
      await client.dispose();
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await sim.stop();
      await fsp.rm(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
