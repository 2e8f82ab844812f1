import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { loadConfig } from '../../src/common/config.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { logger } from '../../src/common/logger.js';
import { ClusterSync } from '../../src/sync/cluster-sync.js';
import { PODS } from '../../src/sync/inventory-tables.js';
import { RowHandler } from '../../src/sync/row-handler.js';
import type { Sweep } from '../../src/sync/change-queue.js';
import type { Writer } from '../../src/sync/writer.js';
import { type Harness, startHarness, TEST_TUNING } from './sync-harness.js';

function handler(storedNothingBefore: boolean) {
  const sweeps: Sweep[] = [];
  const writer = { enqueueSweep: (s: Sweep) => sweeps.push(s) } as unknown as Writer;
  const h = new RowHandler({ spec: PODS, map: () => ({}), writer, log: logger, storedNothingBefore: () => storedNothingBefore });
  return { h, sweeps };
}

describe('deletion sweep of a first sync', () => {
  it('is skipped only for a first list read in one pass into a cluster that had nothing stored', () => {
    const present = new Set(['a', 'b']);
    const empty = handler(true);
    empty.h.listed(present, true);
    expect(empty.sweeps).toEqual([]);
    // A relist, or a first list that started over, may have written rows its final pass no longer holds.
    empty.h.listed(present, false);
    expect(empty.sweeps.map((s) => s.present)).toEqual([['a', 'b']]);
    const stored = handler(false);
    stored.h.listed(present, true);
    expect(stored.sweeps.map((s) => s.present)).toEqual([['a', 'b']]);
  });

  let h: Harness | undefined;
  afterAll(async () => h?.stop());

  it('still marks deleted what a previous sync stored and the cluster no longer has', async () => {
    h = await startHarness({ sim: { pods: 60, seed: 'first-sweep' } });
    await h.sync.whenSynced();
    // Into an empty cluster no kind sweeps, Helm releases included.
    expect(h.sync.writerStats().sweeps).toBe(0);
    await h.sync.stop();
    const gone = h.sim.state().pods.find((p) => p.metadata.ownerReferences?.length)!;
    await h.sim.apply({ kind: 'deletePod', namespace: gone.metadata.namespace!, name: gone.metadata.name!, replace: false });

    // A new process takes the cluster over: its first lists find rows already stored, so they sweep.
    const client = KubeClient.fromKubeconfig(h.sim.kubeconfig());
    const again = new ClusterSync({
      dataSource: h.db.dataSource,
      eventBus: new InProcessEventBus(),
      config: loadConfig({}),
      cluster: { id: h.clusterId, organizationId: h.organizationId, name: 'first-sweep-again' },
      client,
      tuning: TEST_TUNING,
    });
    again.start();
    try {
      await again.whenSynced();
      // Every kind stored one row per object or release sweeps: namespaces, nodes, deployments, ReplicaSets, pods,
      // StatefulSets, DaemonSets, Jobs, CronJobs, volume claims, Helm releases and Kubernetes Events (quotas and limit
      // ranges are kept on namespace rows).
      expect(again.writerStats().sweeps).toBe(12);
      const [row] = await h.db.dataSource.query(`SELECT deleted_at FROM k8s_pods WHERE cluster_id = $1 AND uid = $2`, [h.clusterId, gone.metadata.uid]);
      expect(row.deleted_at).not.toBeNull();
      const [{ live }] = await h.db.dataSource.query(`SELECT count(*)::int AS live FROM k8s_pods WHERE cluster_id = $1 AND deleted_at IS NULL`, [h.clusterId]);
      expect(live).toBe(h.sim.state().pods.length);
    } finally {
      await again.stop();
      client.close();
    }
  });
});
