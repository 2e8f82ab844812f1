import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { logger } from '../../src/common/logger.js';
import { NAMESPACES } from '../../src/sync/inventory-tables.js';
import { mapNamespace } from '../../src/sync/namespace.mapper.js';
import { Writer } from '../../src/sync/writer.js';
import type { Row } from '../../src/sync/row-digest.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createCluster } from './sync-harness.js';

// An object's upsert and its row's extras (namespace policies) are separate changes that lock the same row: two
// batches in flight taking them in opposite orders would deadlock, so such batches never overlap.
describe('writer row locks', () => {
  let db: TestDatabase;
  const N = 150;
  const keys = { teamLabelKeys: ['team'], costCenterLabelKeys: ['cost-center'] };
  const namespace = (i: number, team: string): Row => ({
    ...mapNamespace({ metadata: { uid: `ns-uid-${i}`, name: `ns-${i}`, resourceVersion: `${team}-${i}`, labels: { team } }, status: { phase: 'Active' } }, keys),
  });

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('keeps a batch of a namespace\'s policies out of flight beside the batch upserting that namespace', async () => {
    const { clusterId, organizationId } = await createCluster(db.dataSource, 'row-locks');
    let quota = 'first';
    const writer = new Writer({
      dataSource: db.dataSource,
      eventBus: new InProcessEventBus(),
      clusterId,
      organizationId,
      log: logger,
      maxBatch: N,
      extras: () => ({ resourceQuotaHard: { pods: quota }, resourceQuotaUsed: { pods: quota }, limitRanges: [] }),
    });
    for (let i = 0; i < N; i++) writer.enqueue({ op: 'upsert', spec: NAMESPACES, key: `ns-uid-${i}`, row: namespace(i, 'a'), changedFields: [], added: true });
    await writer.flush();
    expect(writer.stats().maxInFlight).toBe(1);

    // One batch relabels every namespace; the policies of the same namespaces, in the opposite order, wait for it.
    quota = 'second';
    for (let i = 0; i < N; i++) writer.enqueue({ op: 'upsert', spec: NAMESPACES, key: `ns-uid-${i}`, row: namespace(i, 'b'), changedFields: ['team'] });
    for (let i = N - 1; i >= 0; i--) writer.enqueue({ op: 'extras', spec: NAMESPACES, key: `ns-${i}`, where: { name: `ns-${i}` } });
    await writer.flush();
    const stats = writer.stats();
    expect(stats.maxInFlight).toBe(1);
    expect(stats.retries).toBe(0);
    const rows: Array<{ team: string; quota: string; n: number }> = await db.dataSource.query(
      `SELECT team, resource_quota_used->>'pods' AS quota, count(*)::int AS n FROM k8s_namespaces WHERE cluster_id = $1 GROUP BY 1, 2`,
      [clusterId],
    );
    expect(rows).toEqual([{ team: 'b', quota: 'second', n: N }]);
    await writer.stop();
  });
});
