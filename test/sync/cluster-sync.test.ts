import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectConverged, type Harness, startHarness } from './sync-harness.js';

describe('cluster sync against the simulator over HTTPS', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ sim: { pods: 300, seed: 7, helmReleases: 3 } });
    await h.sync.whenSynced();
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('initial sync writes every object exactly', async () => {
    await expectConverged(h, 5_000);
    const state = h.sim.state();
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_pods WHERE cluster_id = $1`, [h.clusterId]);
    expect(n).toBe(state.pods.length);
    const [{ rs }] = await h.db.dataSource.query(`SELECT count(*)::int AS rs FROM k8s_replica_sets WHERE cluster_id = $1 AND deleted_at IS NULL`, [h.clusterId]);
    expect(rs).toBe(state.replicasets.length);
    const [{ pvc }] = await h.db.dataSource.query(`SELECT count(*)::int AS pvc FROM k8s_persistent_volume_claims WHERE cluster_id = $1 AND deleted_at IS NULL`, [h.clusterId]);
    expect(pvc).toBe(state.persistentvolumeclaims.length);
  });

  it('links pods to deployments through their ReplicaSets', async () => {
    const state = h.sim.state();
    const rsToDeployment = new Map(state.replicasets.map((rs) => [rs.metadata.uid, rs.metadata.ownerReferences?.[0]?.uid]));
    const depUidToName = new Map(state.deployments.map((d) => [d.metadata.uid, `${d.metadata.namespace}/${d.metadata.name}`]));
    const expected = new Map(
      state.pods.map((p) => {
        const owner = p.metadata.ownerReferences?.[0];
        const dep = owner?.kind === 'ReplicaSet' ? rsToDeployment.get(owner.uid) : undefined;
        return [p.metadata.uid, dep ? depUidToName.get(dep) ?? null : null];
      }),
    );
    const rows = await h.db.dataSource.query(
      `SELECT p.uid, d.namespace || '/' || d.name AS dep FROM k8s_pods p LEFT JOIN k8s_deployments d ON d.id = p.deployment_id WHERE p.cluster_id = $1`,
      [h.clusterId],
    );
    const got = new Map(rows.map((r: { uid: string; dep: string | null }) => [r.uid, r.dep]));
    expect(got).toEqual(expected);
    expect([...expected.values()].filter((v) => v !== null).length).toBeGreaterThan(0);
  });

  it('keeps quotas and limit ranges on their namespace, and pods mounting claims on the claim', async () => {
    const state = h.sim.state();
    const quota = state.resourcequotas[0]!;
    const [ns] = await h.db.dataSource.query(
      `SELECT resource_quota_hard, resource_quota_used, limit_ranges, team, cost_center FROM k8s_namespaces WHERE cluster_id = $1 AND name = $2 AND deleted_at IS NULL`,
      [h.clusterId, quota.metadata.namespace],
    );
    expect(ns.resource_quota_hard).toEqual(quota.status?.hard ?? quota.spec.hard);
    expect(ns.resource_quota_used).toEqual(quota.status?.used);
    const nsObj = state.namespaces.find((n) => n.metadata.name === quota.metadata.namespace)!;
    expect(ns.team).toBe(nsObj.metadata.labels?.team ?? null);
    expect(ns.cost_center).toBe(nsObj.metadata.labels?.['cost-center'] ?? null);
    const limits = state.limitranges.filter((l) => l.metadata.namespace === quota.metadata.namespace);
    expect(ns.limit_ranges).toEqual(limits.length ? limits.map((l) => ({ name: l.metadata.name, limits: l.spec.limits })) : null);

    const mounted = new Map<string, string[]>();
    for (const p of state.pods) {
      if (['Succeeded', 'Failed'].includes(p.status?.phase)) continue;
      for (const v of p.spec.volumes ?? []) {
        if (!v.persistentVolumeClaim) continue;
        const key = `${p.metadata.namespace}/${v.persistentVolumeClaim.claimName}`;
        mounted.set(key, [...(mounted.get(key) ?? []), p.metadata.name].sort());
      }
    }
    const claims = await h.db.dataSource.query(
      `SELECT namespace || '/' || name AS key, mounted_by_pods FROM k8s_persistent_volume_claims WHERE cluster_id = $1 AND deleted_at IS NULL`,
      [h.clusterId],
    );
    for (const c of claims) expect(c.mounted_by_pods).toEqual(mounted.get(c.key) ?? []);
  });

  it('follows live changes: crash loops, OOM kills, scale, rollouts, deletions, helm upgrades, node readiness', async () => {
    const state = h.sim.state();
    const running = state.pods.filter((p) => p.status?.phase === 'Running');
    const [a, b] = running;
    await h.sim.apply({ kind: 'deletePod', namespace: running[2]!.metadata.namespace!, name: running[2]!.metadata.name, replace: false });
    await h.sim.apply({ kind: 'crashPod', namespace: a!.metadata.namespace!, name: a!.metadata.name });
    await h.sim.apply({ kind: 'oomKill', namespace: b!.metadata.namespace!, name: b!.metadata.name });
    const dep = state.deployments[0]!;
    await h.sim.apply({ kind: 'scaleDeployment', namespace: dep.metadata.namespace!, name: dep.metadata.name, replicas: (dep.spec.replicas ?? 1) + 2 });
    const dep2 = state.deployments[1]!;
    await h.sim.apply({ kind: 'rollout', namespace: dep2.metadata.namespace!, name: dep2.metadata.name });
    const helm = state.secrets.find((s) => s.type === 'helm.sh/release.v1')!;
    await h.sim.apply({ kind: 'helmUpgrade', namespace: helm.metadata.namespace!, name: helm.metadata.labels!.name! });
    await h.sim.apply({ kind: 'nodeNotReady', name: state.nodes[0]!.metadata.name });
    await expectConverged(h);

    const [oom] = await h.db.dataSource.query(`SELECT container_statuses, restart_count FROM k8s_pods WHERE cluster_id = $1 AND uid = $2`, [
      h.clusterId,
      b!.metadata.uid,
    ]);
    expect(oom.container_statuses.some((c: { lastTerminationReason: string | null }) => c.lastTerminationReason === 'OOMKilled')).toBe(true);
    const [crash] = await h.db.dataSource.query(`SELECT reason FROM k8s_pods WHERE cluster_id = $1 AND uid = $2`, [h.clusterId, a!.metadata.uid]);
    expect(crash.reason).toBe('CrashLoopBackOff');
  });

  it('takes team and cost centre from namespace labels as they change', async () => {
    const ns = h.sim.state().namespaces.find((n) => n.metadata.labels?.team)!;
    await h.sim.apply({ kind: 'labelNamespace', name: ns.metadata.name, labels: { team: 'platform-x', 'cost-center': null } });
    await h.sim.apply({ kind: 'createNamespace', name: 'fresh', labels: { team: 'newcomers', 'cost-center': 'cc-9' } });
    await expectConverged(h);
    const rows = await h.db.dataSource.query(
      `SELECT name, team, cost_center FROM k8s_namespaces WHERE cluster_id = $1 AND deleted_at IS NULL AND name = ANY($2) ORDER BY name`,
      [h.clusterId, [ns.metadata.name, 'fresh']],
    );
    expect(rows).toEqual(
      [
        { name: ns.metadata.name, team: 'platform-x', cost_center: null },
        { name: 'fresh', team: 'newcomers', cost_center: 'cc-9' },
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('records cluster health with counts and capacity', async () => {
    await expectConverged(h);
    const state = h.sim.state();
    const notReady = state.nodes.filter((n) => !n.status.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
    const a = await h.sync.refreshHealth();
    expect(a?.status).toBe(notReady.length > 0 ? 'degraded' : 'healthy');
    const [c] = await h.db.dataSource.query(`SELECT * FROM k8s_clusters WHERE id = $1`, [h.clusterId]);
    expect(c.node_count).toBe(state.nodes.length);
    expect(c.ready_node_count).toBe(state.nodes.length - notReady.length);
    expect(c.pod_count).toBe(state.pods.length);
    expect(c.namespace_count).toBe(state.namespaces.length);
    expect(c.deployment_count).toBe(state.deployments.length);
    expect(c.last_seen_at).not.toBeNull();
    expect(c.api_latency_ms).toBeGreaterThanOrEqual(0);
    if (notReady.length > 0) expect(c.status_message).toContain(`${notReady.length} of ${state.nodes.length} nodes NotReady`);
  });
});
