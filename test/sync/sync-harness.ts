import type { DataSource } from 'typeorm';
import { expect } from 'vitest';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { loadConfig } from '../../src/common/config.js';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { SimulatedCluster, type SimulatorOptions } from '../../src/simulator/simulated-cluster.js';
import { ClusterSync, type SyncTuning } from '../../src/sync/cluster-sync.js';
import type { LeaseGrant } from '../../src/sync/ownership.js';
import { decodeHelmReleaseData } from '../../src/sync/helm-release.decoder.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Short timeouts so faults are noticed within a test; the production defaults are minutes. */
export const TEST_TUNING: Partial<SyncTuning> = {
  watchTimeoutSeconds: 30,
  inactivityMs: 1500,
  requestTimeoutMs: 5000,
  backoffInitialMs: 50,
  backoffMaxMs: 500,
  healthIntervalMs: 60_000,
  unreachableAfterMs: 1000,
  metricsIntervalMs: 0,
};

export interface Harness {
  db: TestDatabase;
  sim: SimulatedCluster;
  client: KubeClient;
  sync: ClusterSync;
  bus: InProcessEventBus;
  events: ChangeEvent[];
  clusterId: string;
  organizationId: string;
  stop(): Promise<void>;
}

export async function createCluster(ds: DataSource, name: string): Promise<{ clusterId: string; organizationId: string }> {
  const [org] = await ds.query(`INSERT INTO organizations (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [
    `org-${name}`,
  ]);
  const [cluster] = await ds.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, $2) RETURNING id`, [org.id, name]);
  return { clusterId: cluster.id, organizationId: org.id };
}

export interface HarnessOptions {
  sim?: SimulatorOptions;
  tuning?: Partial<SyncTuning>;
  db?: TestDatabase;
  name?: string;
  /** Environment of the sync's configuration (none by default). */
  env?: Record<string, string>;
  /** Runs before the sync starts (to change the simulator, or take the cluster's lease); a grant it returns is the lease the sync writes under. */
  prepare?: (h: { db: TestDatabase; sim: SimulatedCluster; clusterId: string }) => Promise<LeaseGrant | void>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const db = opts.db ?? (await createTestDatabase());
  const sim = await SimulatedCluster.start({ pods: 200, seed: 1, bookmarkIntervalMs: 500, ...opts.sim });
  const name = opts.name ?? `sim-${Math.random().toString(36).slice(2, 10)}`;
  const { clusterId, organizationId } = await createCluster(db.dataSource, name);
  const client = KubeClient.fromKubeconfig(sim.kubeconfig());
  const bus = new InProcessEventBus();
  const events: ChangeEvent[] = [];
  bus.subscribe((batch) => events.push(...batch));
  const lease = (await opts.prepare?.({ db, sim, clusterId })) ?? undefined;
  const sync = new ClusterSync({
    dataSource: db.dataSource,
    eventBus: bus,
    config: loadConfig(opts.env ?? {}),
    cluster: { id: clusterId, organizationId, name },
    client,
    tuning: { ...TEST_TUNING, ...opts.tuning },
    lease,
  });
  sync.start();
  return {
    db,
    sim,
    client,
    sync,
    bus,
    events,
    clusterId,
    organizationId,
    async stop() {
      await sync.stop();
      client.close();
      await sim.stop();
    },
  };
}

interface Snapshot {
  livePods: Map<string, { phase: string; restarts: number; node: string | null; name: string }>;
  namespaces: Map<string, string>;
  nodes: Map<string, boolean>;
  deployments: Map<string, string>;
  helm: Map<string, string>;
  /** StatefulSets, DaemonSets, Jobs and CronJobs by uid: kind, name and the status the sync stores. */
  workloads: Map<string, string>;
}

const epoch = (t: unknown) => (t ? new Date(t as string).getTime() : null);

function simSnapshot(sim: SimulatedCluster): Snapshot {
  const s = sim.state();
  const helm = new Map<string, { revision: number; text: string }>();
  for (const secret of s.secrets.filter((x) => x.type === 'helm.sh/release.v1')) {
    const r = decodeHelmReleaseData(secret.data.release);
    const key = `${r.namespace}/${r.name}`;
    if (!helm.has(key) || helm.get(key)!.revision < r.revision) helm.set(key, { revision: r.revision, text: `${r.revision}:${r.status}:${r.chartVersion}` });
  }
  return {
    livePods: new Map(
      s.pods.map((p) => [
        p.metadata.uid,
        {
          phase: p.status?.phase ?? 'Pending',
          restarts: (p.status?.containerStatuses ?? []).reduce((n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0), 0),
          node: p.spec?.nodeName ?? null,
          name: `${p.metadata.namespace}/${p.metadata.name}`,
        },
      ]),
    ),
    namespaces: new Map(s.namespaces.map((n) => [n.metadata.uid, n.metadata.name])),
    nodes: new Map(s.nodes.map((n) => [n.metadata.uid, (n.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')])),
    deployments: new Map(
      s.deployments.map((d) => [d.metadata.uid, `${d.metadata.namespace}/${d.metadata.name}:${d.spec?.replicas ?? 1}:${d.status?.readyReplicas ?? 0}`]),
    ),
    helm: new Map([...helm].map(([k, v]) => [k, v.text])),
    workloads: new Map([
      ...[...s.statefulsets, ...s.daemonsets].map((w) => {
        const st = w.status ?? {};
        const [desired, ready] = w.kind === 'StatefulSet' ? [w.spec?.replicas ?? 1, st.readyReplicas ?? 0] : [st.desiredNumberScheduled ?? 0, st.numberReady ?? 0];
        return [w.metadata.uid, `${w.kind}:${w.metadata.namespace}/${w.metadata.name}:${desired}:${ready}`] as [string, string];
      }),
      ...s.jobs.map((j) => {
        const st = j.status ?? {};
        const owner = j.metadata.ownerReferences?.find((o: { controller?: boolean }) => o.controller)?.uid ?? null;
        return [j.metadata.uid, `Job:${j.metadata.namespace}/${j.metadata.name}:${st.succeeded ?? 0}:${st.failed ?? 0}:${st.active ?? 0}:${owner}`] as [string, string];
      }),
      ...s.cronjobs.map((c) => [
        c.metadata.uid,
        `CronJob:${c.metadata.namespace}/${c.metadata.name}:${c.spec.schedule}:${epoch(c.status?.lastScheduleTime)}:${(c.status?.active ?? []).length}`,
      ] as [string, string]),
    ]),
  };
}

async function dbSnapshot(ds: DataSource, clusterId: string): Promise<Snapshot & { podRows: number; distinctPods: number; deletedUids: Set<string> }> {
  const pods = await ds.query(
    `SELECT uid, namespace, name, phase, restart_count, node_name, deleted_at FROM k8s_pods WHERE cluster_id = $1`,
    [clusterId],
  );
  const live = pods.filter((p: { deleted_at: Date | null }) => p.deleted_at === null);
  const ns = await ds.query(`SELECT uid, name FROM k8s_namespaces WHERE cluster_id = $1 AND deleted_at IS NULL`, [clusterId]);
  const nodes = await ds.query(`SELECT uid, ready FROM k8s_nodes WHERE cluster_id = $1 AND deleted_at IS NULL`, [clusterId]);
  const deps = await ds.query(
    `SELECT uid, namespace, name, desired_replicas, ready_replicas FROM k8s_deployments WHERE cluster_id = $1 AND deleted_at IS NULL`,
    [clusterId],
  );
  const helm = await ds.query(
    `SELECT namespace, name, revision, status, chart_version FROM k8s_helm_releases WHERE cluster_id = $1 AND deleted_at IS NULL`,
    [clusterId],
  );
  const workloads = await ds.query(
    `SELECT uid, kind, namespace, name, desired_replicas, ready_replicas, succeeded, failed, active, owner_uid, schedule, last_schedule_time
     FROM k8s_workloads WHERE cluster_id = $1 AND deleted_at IS NULL`,
    [clusterId],
  );
  const workloadText = (w: Record<string, any>): string => {
    const head = `${w.kind}:${w.namespace}/${w.name}`;
    if (w.kind === 'Job') return `${head}:${w.succeeded}:${w.failed}:${w.active}:${w.owner_uid}`;
    if (w.kind === 'CronJob') return `${head}:${w.schedule}:${epoch(w.last_schedule_time)}:${w.active}`;
    return `${head}:${w.desired_replicas}:${w.ready_replicas}`;
  };
  return {
    workloads: new Map(workloads.map((w: Record<string, any>) => [w.uid as string, workloadText(w)])),
    livePods: new Map(
      live.map((p: Record<string, unknown>) => [
        p.uid as string,
        { phase: p.phase as string, restarts: p.restart_count as number, node: (p.node_name as string | null) ?? null, name: `${p.namespace}/${p.name}` },
      ]),
    ),
    namespaces: new Map(ns.map((n: Record<string, string>) => [n.uid, n.name])),
    nodes: new Map(nodes.map((n: { uid: string; ready: boolean }) => [n.uid, n.ready])),
    deployments: new Map(
      deps.map((d: Record<string, unknown>) => [d.uid as string, `${d.namespace}/${d.name}:${d.desired_replicas}:${d.ready_replicas}`]),
    ),
    helm: new Map(helm.map((h: Record<string, unknown>) => [`${h.namespace}/${h.name}`, `${h.revision}:${h.status}:${h.chart_version}`])),
    podRows: pods.length,
    distinctPods: new Set(pods.map((p: { uid: string }) => p.uid)).size,
    deletedUids: new Set(pods.filter((p: { deleted_at: Date | null }) => p.deleted_at !== null).map((p: { uid: string }) => p.uid)),
  };
}

function sorted<V>(m: Map<string, V>): Array<[string, V]> {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Differences between the simulator and the database (empty when they agree exactly). */
export async function differences(h: Pick<Harness, 'sim' | 'db' | 'clusterId'>): Promise<string[]> {
  const want = simSnapshot(h.sim);
  const got = await dbSnapshot(h.db.dataSource, h.clusterId);
  const diffs: string[] = [];
  for (const key of ['livePods', 'namespaces', 'nodes', 'deployments', 'helm', 'workloads'] as const) {
    const a = JSON.stringify(sorted(want[key] as Map<string, unknown>));
    const b = JSON.stringify(sorted(got[key] as Map<string, unknown>));
    if (a !== b) {
      const wm = want[key] as Map<string, unknown>;
      const gm = got[key] as Map<string, unknown>;
      const missing = [...wm.keys()].filter((k) => !gm.has(k)).slice(0, 3);
      const extra = [...gm.keys()].filter((k) => !wm.has(k)).slice(0, 3);
      const differ = [...wm.keys()].filter((k) => gm.has(k) && JSON.stringify(gm.get(k)) !== JSON.stringify(wm.get(k))).slice(0, 3);
      diffs.push(
        `${key}: sim ${wm.size} vs db ${gm.size}; missing ${JSON.stringify(missing)} extra ${JSON.stringify(extra)} differ ${JSON.stringify(
          differ.map((k) => [k, wm.get(k), gm.get(k)]),
        )}`,
      );
    }
  }
  if (got.podRows !== got.distinctPods) diffs.push(`pods duplicated: ${got.podRows} rows for ${got.distinctPods} uids`);
  // Every live pod is linked to the Deployment its ReplicaSet belongs to (or to none).
  const state = h.sim.state();
  const rsToDeployment = new Map(state.replicasets.map((rs) => [rs.metadata.uid, rs.metadata.ownerReferences?.find((o: { kind: string }) => o.kind === 'Deployment')?.uid ?? null]));
  const links = await h.db.dataSource.query(
    `SELECT p.uid, d.uid AS deployment_uid FROM k8s_pods p LEFT JOIN k8s_deployments d ON d.id = p.deployment_id
     WHERE p.cluster_id = $1 AND p.deleted_at IS NULL`,
    [h.clusterId],
  );
  const linked = new Map(links.map((r: { uid: string; deployment_uid: string | null }) => [r.uid, r.deployment_uid]));
  const wrong = state.pods.filter((p) => {
    const owner = p.metadata.ownerReferences?.find((o: { kind: string }) => o.kind === 'ReplicaSet');
    const want = owner ? (rsToDeployment.get(owner.uid) ?? null) : null;
    return linked.has(p.metadata.uid) && linked.get(p.metadata.uid) !== want;
  });
  if (wrong.length > 0) diffs.push(`pods linked to the wrong deployment: ${wrong.slice(0, 3).map((p) => p.metadata.name).join(', ')} (${wrong.length})`);
  const seen = new Set([...got.livePods.keys(), ...got.deletedUids]);
  const notMarked = h.sim.deletedPodUids().filter((uid) => seen.has(uid) && !got.deletedUids.has(uid));
  if (notMarked.length > 0) diffs.push(`deleted pods not marked deleted: ${notMarked.slice(0, 5).join(', ')} (${notMarked.length})`);
  return diffs;
}

/**
 * Waits until the database equals the simulator (the sync is asynchronous), then asserts it. The deadline only bounds
 * how long a broken sync can hang the test; a passing run returns as soon as the two agree.
 */
export async function expectConverged(h: Pick<Harness, 'sim' | 'db' | 'clusterId'> & { sync?: ClusterSync }, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  let diffs: string[] = [];
  for (;;) {
    await h.sync?.flush();
    diffs = await differences(h);
    if (diffs.length === 0 || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(diffs).toEqual([]);
}
