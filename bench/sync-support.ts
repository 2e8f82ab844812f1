import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import type { DataSource } from 'typeorm';
import { KubeClient } from '../src/cluster/kube-client.js';
import { loadConfig } from '../src/common/config.js';
import type { EventBus } from '../src/events/event-bus.js';
import { ClusterSync, type SyncTuning } from '../src/sync/cluster-sync.js';

/** Shared by the sync benchmarks: simulated clusters in their own processes, a sync per cluster. */

const BENCH_REPLICA = 'bench-replica';

// Benchmarks run from the project root (npm run bench); the simulators are started with its bin/kubegraph.js.
const root = process.cwd();

export const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(64)} ${value}\n`);

export interface SimulatorProcess {
  kubeconfig: string;
  url: string;
  token: string;
  ca: Buffer;
  /** POST /_sim/{action} on the simulator's admin endpoint. */
  admin<T = unknown>(action: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * `kubegraph simulate` in a child process, so that the simulator's CPU and memory are not counted as the sync's (the
 * machine has two cores: the simulator still competes for them, as a real API server on the same host would).
 */
export async function startSimulatorProcess(opts: { pods: number; seed: string; namespaces?: number; name?: string }): Promise<SimulatorProcess> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-bench-sim-'));
  const file = path.join(dir, 'kubeconfig');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'bin/kubegraph.js', 'simulate', '--pods', String(opts.pods), '--seed', opts.seed, '--churn', '0',
      '--namespaces', String(opts.namespaces ?? 20), '--name', opts.name ?? opts.seed, '--kubeconfig-out', file,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Kubeconfig:')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}: ${out}`)));
  });
  const kubeconfig = await readFile(file, 'utf8');
  const doc = yaml.load(kubeconfig) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
    users: Array<{ user: { token: string } }>;
  };
  const url = doc.clusters[0]!.cluster.server;
  const token = doc.users[0]!.user.token;
  const ca = Buffer.from(doc.clusters[0]!.cluster['certificate-authority-data'], 'base64');
  const { request } = await import('node:https');
  return {
    kubeconfig,
    url,
    token,
    ca,
    admin<T>(action: string, body: unknown = {}) {
      return new Promise<T>((resolve, reject) => {
        const req = request(new URL(`/_sim/${action}`, url), { method: 'POST', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) reject(new Error(`/_sim/${action}: HTTP ${res.statusCode} ${text}`));
            else resolve(JSON.parse(text) as T);
          });
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function createClusterRow(ds: DataSource, name: string): Promise<{ id: string; organizationId: string }> {
  const [org] = await ds.query(`INSERT INTO organizations (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, ['bench']);
  const [cluster] = await ds.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, $2) RETURNING id`, [org.id, name]);
  return { id: cluster.id, organizationId: org.id };
}

/** A sync as `serve` runs it: under a lease this process holds on the cluster, which every write transaction checks. */
export async function startSync(
  ds: DataSource,
  eventBus: EventBus,
  sim: SimulatorProcess,
  name: string,
  tuning: Partial<SyncTuning> = {},
): Promise<{ sync: ClusterSync; client: KubeClient; clusterId: string }> {
  const cluster = await createClusterRow(ds, name);
  const [{ acquired_at: acquiredAt }] = await ds.query(
    `INSERT INTO k8s_cluster_leases (cluster_id, holder, acquired_at, renewed_at, expires_at) VALUES ($1, $2, now(), now(), now() + interval '1 day')
     RETURNING acquired_at::text AS acquired_at`,
    [cluster.id, BENCH_REPLICA],
  );
  const client = KubeClient.fromKubeconfig(sim.kubeconfig);
  const sync = new ClusterSync({
    dataSource: ds,
    eventBus,
    config: loadConfig({}),
    cluster: { id: cluster.id, organizationId: cluster.organizationId, name },
    client,
    tuning: { metricsIntervalMs: 0, healthIntervalMs: 60_000, ...tuning },
    lease: { holder: BENCH_REPLICA, acquiredAt },
  });
  sync.start();
  return { sync, client, clusterId: cluster.id };
}
