import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsCollector } from '../../src/sync/metrics-collector.js';
import { cpuNanocores, bytes } from '../../src/sync/quantity.js';
import { captureLogs } from '../cluster/support/capture-logs.js';
import { expectConverged, type Harness, startHarness } from './sync-harness.js';

interface PodMetrics {
  metadata: { name: string; namespace: string };
  containers: Array<{ usage: { cpu: string; memory: string } }>;
}

describe('metrics collector', () => {
  let h: Harness;
  // A frozen clock makes the simulated usage identical between the collector's read and the test's.
  const now = Date.parse('2026-06-15T12:00:00Z');

  beforeAll(async () => {
    h = await startHarness({ sim: { pods: 90, seed: 'metrics', clock: () => now, startTime: now - 86_400_000 } });
    await h.sync.whenSynced();
    await expectConverged(h);
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('writes pod, deployment, namespace, node and cluster rows in one poll', async () => {
    const podMetrics = (await h.client.getJson<{ items: PodMetrics[] }>('/apis/metrics.k8s.io/v1beta1/pods')).items;
    const result = await h.sync.pollMetrics();
    expect(result.metricsApi).toBe(true);
    expect(result.summaryApi).toBe(true);

    const rows = await h.db.dataSource.query(
      `SELECT level, count(*)::int AS n, count(DISTINCT collected_at)::int AS times FROM k8s_resource_metrics WHERE cluster_id = $1 GROUP BY level`,
      [h.clusterId],
    );
    const byLevel = Object.fromEntries(rows.map((r: { level: string; n: number }) => [r.level, r.n]));
    const state = h.sim.state();
    const sampled = new Set<string>();
    // Every live pod the kubelet reports has a row; metrics-server and the Summary API agree on the running ones.
    for (const node of state.nodes) {
      const summary = await h.client.getJson<{ pods: Array<{ podRef: { namespace: string; name: string } }> }>(
        `/api/v1/nodes/${node.metadata.name}/proxy/stats/summary`,
      );
      for (const p of summary.pods) sampled.add(`${p.podRef.namespace}/${p.podRef.name}`);
    }
    for (const p of podMetrics) sampled.add(`${p.metadata.namespace}/${p.metadata.name}`);
    expect(byLevel.pod).toBe(sampled.size);
    expect(byLevel.node).toBe(state.nodes.length);
    expect(byLevel.cluster).toBe(1);
    const [{ deps }] = await h.db.dataSource.query(
      `SELECT count(DISTINCT deployment_id)::int AS deps FROM k8s_pods WHERE cluster_id = $1 AND deleted_at IS NULL AND deployment_id IS NOT NULL
         AND namespace || '/' || name = ANY($2)`,
      [h.clusterId, [...sampled]],
    );
    expect(byLevel.deployment).toBe(deps);
    expect(byLevel.namespace).toBe(new Set([...sampled].map((k) => k.split('/')[0])).size);
    expect(rows.every((r: { times: number }) => r.times === 1)).toBe(true);

    const sample = podMetrics[0]!;
    const wantCpu = sample.containers.reduce((n, c) => n + Number(cpuNanocores(c.usage.cpu)) / 1e6, 0);
    const wantMem = sample.containers.reduce((n, c) => n + Number(bytes(c.usage.memory)), 0);
    const [row] = await h.db.dataSource.query(
      `SELECT cpu_usage_millicores, memory_working_set_bytes, network_rx_bytes, storage_used_bytes FROM k8s_resource_metrics
       WHERE cluster_id = $1 AND level = 'pod' AND namespace = $2 AND target_name = $3`,
      [h.clusterId, sample.metadata.namespace, sample.metadata.name],
    );
    expect(row.cpu_usage_millicores).toBeCloseTo(wantCpu, 6);
    expect(Number(row.memory_working_set_bytes)).toBe(wantMem);
    expect(Number(row.network_rx_bytes)).toBeGreaterThan(0);
    expect(Number(row.storage_used_bytes)).toBeGreaterThan(0);

    const [ns] = await h.db.dataSource.query(`SELECT cpu_usage_millicores FROM k8s_namespaces WHERE cluster_id = $1 AND name = $2 AND deleted_at IS NULL`, [
      h.clusterId,
      sample.metadata.namespace,
    ]);
    const nsWant = podMetrics
      .filter((p) => p.metadata.namespace === sample.metadata.namespace)
      .reduce((n, p) => n + p.containers.reduce((m, c) => m + Number(cpuNanocores(c.usage.cpu)) / 1e6, 0), 0);
    expect(ns.cpu_usage_millicores).toBeCloseTo(nsWant, 6);
    const [{ unset }] = await h.db.dataSource.query(
      `SELECT count(*)::int AS unset FROM k8s_nodes WHERE cluster_id = $1 AND deleted_at IS NULL AND cpu_usage_millicores IS NULL`,
      [h.clusterId],
    );
    expect(unset).toBe(0);
  });

  it('counts OOM kills and restarts from container statuses', async () => {
    const pod = h.sim.state().pods.find((p) => p.status?.phase === 'Running' && !(p.status.containerStatuses ?? []).some((c: { lastState?: { terminated?: unknown } }) => c.lastState?.terminated))!;
    await h.sim.apply({ kind: 'oomKill', namespace: pod.metadata.namespace!, name: pod.metadata.name });
    await expectConverged(h);
    await h.db.dataSource.query(`DELETE FROM k8s_resource_metrics WHERE cluster_id = $1`, [h.clusterId]);
    await h.sync.pollMetrics();
    const [row] = await h.db.dataSource.query(
      `SELECT restarts, oom_kills FROM k8s_resource_metrics WHERE cluster_id = $1 AND level = 'pod' AND namespace = $2 AND target_name = $3`,
      [h.clusterId, pod.metadata.namespace, pod.metadata.name],
    );
    const restarts = h.sim.state().pods.find((p) => p.metadata.uid === pod.metadata.uid)!.status.containerStatuses.reduce(
      (n: number, c: { restartCount: number }) => n + c.restartCount,
      0,
    );
    expect(row).toEqual({ restarts, oom_kills: 1 });
  });

  it('treats a poll cut short by the cluster\'s removal as an interruption, not a failure', async () => {
    const logs = captureLogs('debug');
    // A cluster row deleted between the poll's reads and its insert: the samples lose their parent (23503).
    const removed = '00000000-0000-4000-8000-000000000000';
    const collector = new MetricsCollector({ dataSource: h.db.dataSource, client: h.client, cluster: { id: removed, name: 'removed' }, intervalMs: 60_000, log: logs.logger });
    await expect(collector.poll()).rejects.toMatchObject({ code: '23503' });
    collector.start(Promise.resolve());
    // The bound only turns a missing log line into a failure (generous: machines are shared).
    for (const started = Date.now(); !logs.text().includes('interrupted') && Date.now() - started < 30_000; ) await new Promise((r) => setTimeout(r, 20));
    await collector.stop();
    const messages = logs.lines().map((l) => `${l.level} ${l.msg}`);
    expect(messages).toContain("20 metrics poll interrupted by the cluster's removal");
    expect(messages.filter((m) => m.startsWith('40 '))).toEqual([]);
  });

  it('a cluster whose metrics API fails keeps syncing', async () => {
    // The simulator's clock is frozen here, so an error window never ends by itself: it is ended once the poll failed.
    h.sim.fault({ kind: 'errors', status: 503, forMs: 60_000 });
    const result = await h.sync.pollMetrics();
    expect(result).toMatchObject({ metricsApi: false });
    h.sim.fault({ kind: 'errors', status: 503, forMs: 0 });
    await h.sim.tick(10);
    await expectConverged(h);
  });

});
