import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createDataSource } from '../../src/db/data-source.js';
import { listPartitions, maintainPartitions, type PartitionSettings } from '../../src/db/partition-maintenance.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertKubernetesEvent, insertMetric, insertPod, rowsByPartition, seedCluster } from './support/seed.js';
import { loadConfig } from '../../src/common/config.js';

const settings: PartitionSettings = { partitionMonthsAhead: 3, retentionMonths: { resourceMetrics: 13, pods: 25 }, k8sEventRetentionDays: 14 };
const utc = (y: number, m: number, d = 1, h = 0) => new Date(Date.UTC(y, m - 1, d, h));

async function resetPartitions(db: TestDatabase): Promise<void> {
  // Back to the state the migration leaves: only the DEFAULT partitions, no rows.
  for (const p of await listPartitions(db.dataSource)) {
    if (!p.isDefault) await db.dataSource.query(`DROP TABLE "${p.partition}"`);
  }
  await db.dataSource.query('TRUNCATE k8s_pods, k8s_resource_metrics, k8s_events');
}

describe('rows at any date are stored', () => {
  let db: TestDatabase;
  let clusterId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ clusterId } = await seedCluster(db.dataSource));
    await maintainPartitions(db.dataSource, settings);
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('next year, ten years ago and the far future are stored and read back exactly', async () => {
    const now = new Date();
    const dates = [
      new Date(Date.UTC(now.getUTCFullYear() + 1, 6, 14, 10, 30, 15, 123)),
      new Date(Date.UTC(now.getUTCFullYear() - 10, 1, 28, 23, 59, 59, 999)),
      new Date(Date.UTC(2999, 11, 31, 23, 59, 59)),
      now,
    ];
    for (const [i, d] of dates.entries()) {
      await insertPod(db.dataSource, clusterId, { uid: `pod-${i}`, createdAt: d });
      await insertMetric(db.dataSource, clusterId, d, i);
    }
    const pods: Array<{ uid: string; created_at: Date; part: string }> = await db.dataSource.query(
      `SELECT uid, created_at, tableoid::regclass::text AS part FROM k8s_pods ORDER BY uid`,
    );
    expect(pods.map((p) => p.created_at.getTime())).toEqual(dates.map((d) => d.getTime()));
    // Only the current month has a partition; the others wait in DEFAULT rather than fail.
    expect(pods.map((p) => p.part)).toEqual(['k8s_pods_default', 'k8s_pods_default', 'k8s_pods_default', `k8s_pods_p${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`]);
    const metrics: Array<{ collected_at: Date }> = await db.dataSource.query(`SELECT collected_at FROM k8s_resource_metrics ORDER BY cpu_usage_millicores`);
    expect(metrics.map((m) => m.collected_at.getTime())).toEqual(dates.map((d) => d.getTime()));
  });
});

describe('partition maintenance', () => {
  let db: TestDatabase;
  let clusterId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ clusterId } = await seedCluster(db.dataSource));
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await resetPartitions(db);
  });

  test('creates the current month and the next N with exact bounds, and a second run changes nothing', async () => {
    const first = await maintainPartitions(db.dataSource, settings, utc(2030, 6, 10));
    expect(first.created.map((c) => c.partition)).toEqual([
      'k8s_pods_p203006',
      'k8s_pods_p203007',
      'k8s_pods_p203008',
      'k8s_pods_p203009',
      'k8s_resource_metrics_p203006',
      'k8s_resource_metrics_p203007',
      'k8s_resource_metrics_p203008',
      'k8s_resource_metrics_p203009',
      'k8s_events_p203006',
      'k8s_events_p203007',
      'k8s_events_p203008',
      'k8s_events_p203009',
    ]);
    expect(first.moved).toEqual([]);
    expect(first.dropped).toEqual([]);
    const parts = await listPartitions(db.dataSource);
    expect(parts.filter((p) => p.table === 'k8s_pods').map((p) => [p.partition, p.from?.toISOString() ?? null, p.to?.toISOString() ?? null])).toEqual([
      ['k8s_pods_p203006', '2030-06-01T00:00:00.000Z', '2030-07-01T00:00:00.000Z'],
      ['k8s_pods_p203007', '2030-07-01T00:00:00.000Z', '2030-08-01T00:00:00.000Z'],
      ['k8s_pods_p203008', '2030-08-01T00:00:00.000Z', '2030-09-01T00:00:00.000Z'],
      ['k8s_pods_p203009', '2030-09-01T00:00:00.000Z', '2030-10-01T00:00:00.000Z'],
      ['k8s_pods_default', null, null],
    ]);

    const second = await maintainPartitions(db.dataSource, settings, utc(2030, 6, 10));
    expect(second).toEqual({ created: [], moved: [], dropped: [], purgedFromDefault: [], expired: [] });
    expect(await listPartitions(db.dataSource)).toEqual(parts);
  });

  test('rows waiting in DEFAULT move into the month partition created for them, keeping their ids', async () => {
    await maintainPartitions(db.dataSource, settings, utc(2030, 6, 10));
    // Beyond the horizon (2030-10 onwards) and within retention but before now: both land in DEFAULT.
    const future = [await insertMetric(db.dataSource, clusterId, utc(2030, 11, 5)), await insertMetric(db.dataSource, clusterId, utc(2030, 11, 30, 23))];
    const past = [await insertMetric(db.dataSource, clusterId, utc(2029, 8, 10))];
    const podPast = await insertPod(db.dataSource, clusterId, { uid: 'old-running', createdAt: utc(2029, 2, 3) });
    await insertMetric(db.dataSource, clusterId, utc(2030, 6, 15));
    expect(await rowsByPartition(db.dataSource, 'k8s_resource_metrics')).toMatchObject({ k8s_resource_metrics_default: 3, k8s_resource_metrics_p203006: 1 });

    // A past month within retention gets its own partition at once.
    const now = await maintainPartitions(db.dataSource, settings, utc(2030, 6, 10));
    expect(now.created.map((c) => c.partition)).toEqual(['k8s_pods_p202902', 'k8s_resource_metrics_p202908']);
    expect(now.moved).toEqual([
      { table: 'k8s_pods', partition: 'k8s_pods_p202902', rows: 1 },
      { table: 'k8s_resource_metrics', partition: 'k8s_resource_metrics_p202908', rows: 1 },
    ]);
    // Later the future month comes into the window, and its rows move too.
    const later = await maintainPartitions(db.dataSource, settings, utc(2030, 8, 20));
    expect(later.created.map((c) => c.partition)).toEqual([
      'k8s_pods_p203010',
      'k8s_pods_p203011',
      'k8s_resource_metrics_p203010',
      'k8s_resource_metrics_p203011',
      'k8s_events_p203010',
      'k8s_events_p203011',
    ]);
    expect(later.moved).toEqual([{ table: 'k8s_resource_metrics', partition: 'k8s_resource_metrics_p203011', rows: 2 }]);

    const where: Array<{ id: string; part: string }> = await db.dataSource.query(`SELECT id, tableoid::regclass::text AS part FROM k8s_resource_metrics`);
    const partOf = new Map(where.map((w) => [w.id, w.part]));
    for (const id of future) expect(partOf.get(id)).toBe('k8s_resource_metrics_p203011');
    for (const id of past) expect(partOf.get(id)).toBe('k8s_resource_metrics_p202908');
    const [pod] = await db.dataSource.query(`SELECT tableoid::regclass::text AS part FROM k8s_pods WHERE id = $1`, [podPast]);
    expect(pod.part).toBe('k8s_pods_p202902');
    expect((await rowsByPartition(db.dataSource, 'k8s_resource_metrics')).k8s_resource_metrics_default).toBe(0);
    // The DEFAULT partition is attached again with its indexes and keys working.
    await expect(insertPod(db.dataSource, clusterId, { uid: 'old-running', createdAt: utc(2029, 2, 3) })).rejects.toThrow(/duplicate key/);
    await insertPod(db.dataSource, clusterId, { uid: 'far', createdAt: utc(2040, 1, 1) });
    expect((await rowsByPartition(db.dataSource, 'k8s_pods')).k8s_pods_default).toBe(1);
  });

  test('months past retention are dropped; running pods from them are kept, deleted ones go', async () => {
    await maintainPartitions(db.dataSource, settings, utc(2026, 1, 15));
    const running = await insertPod(db.dataSource, clusterId, { uid: 'still-running', createdAt: utc(2026, 1, 2) });
    await insertPod(db.dataSource, clusterId, { uid: 'gone', createdAt: utc(2026, 1, 3), deletedAt: utc(2026, 2, 1) });
    await insertPod(db.dataSource, clusterId, { uid: 'gone-default', createdAt: utc(2025, 1, 3), deletedAt: utc(2025, 2, 1) });
    for (let i = 0; i < 5; i++) await insertMetric(db.dataSource, clusterId, utc(2026, 1, 20, i));
    await insertMetric(db.dataSource, clusterId, utc(2020, 1, 1));

    // 2028-03: pods keep 25 months (from 2026-02), metrics 13 (from 2027-02).
    const r = await maintainPartitions(db.dataSource, settings, utc(2028, 3, 15));
    expect(r.dropped).toEqual([
      { table: 'k8s_pods', partition: 'k8s_pods_p202601', keptRows: 1 },
      { table: 'k8s_resource_metrics', partition: 'k8s_resource_metrics_p202601', keptRows: 0 },
      { table: 'k8s_resource_metrics', partition: 'k8s_resource_metrics_p202602', keptRows: 0 },
      { table: 'k8s_resource_metrics', partition: 'k8s_resource_metrics_p202603', keptRows: 0 },
      { table: 'k8s_resource_metrics', partition: 'k8s_resource_metrics_p202604', keptRows: 0 },
      { table: 'k8s_events', partition: 'k8s_events_p202601', keptRows: 0 },
      { table: 'k8s_events', partition: 'k8s_events_p202602', keptRows: 0 },
      { table: 'k8s_events', partition: 'k8s_events_p202603', keptRows: 0 },
      { table: 'k8s_events', partition: 'k8s_events_p202604', keptRows: 0 },
    ]);
    expect(r.purgedFromDefault).toEqual([
      { table: 'k8s_pods', rows: 1 },
      { table: 'k8s_resource_metrics', rows: 1 },
    ]);
    const pods: Array<{ id: string; uid: string; part: string }> = await db.dataSource.query(`SELECT id, uid, tableoid::regclass::text AS part FROM k8s_pods`);
    expect(pods).toEqual([{ id: running, uid: 'still-running', part: 'k8s_pods_default' }]);
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_resource_metrics`);
    expect(n).toBe(0);
    const names = (await listPartitions(db.dataSource)).map((p) => p.partition);
    expect(names.filter((p) => p.startsWith('k8s_pods_p'))).toEqual(['k8s_pods_p202602', 'k8s_pods_p202603', 'k8s_pods_p202604', 'k8s_pods_p202803', 'k8s_pods_p202804', 'k8s_pods_p202805', 'k8s_pods_p202806']);
  });

  test('Kubernetes Events are kept KUBEGRAPH_RETENTION_EVENTS_DAYS after their creation; live ones stay', async () => {
    expect(loadConfig({}).k8sEventRetentionDays).toBe(14);
    expect(loadConfig({ KUBEGRAPH_RETENTION_EVENTS_DAYS: '3' }).k8sEventRetentionDays).toBe(3);
    expect(() => loadConfig({ KUBEGRAPH_RETENTION_EVENTS_DAYS: '0' })).toThrow(/KUBEGRAPH_RETENTION_EVENTS_DAYS/);
    await maintainPartitions(db.dataSource, settings, utc(2026, 2, 10));
    const expiredAt = utc(2026, 2, 28);
    const uids = async () => (await db.dataSource.query(`SELECT uid, tableoid::regclass::text AS part FROM k8s_events ORDER BY uid`)).map((r: { uid: string; part: string }) => `${r.uid}@${r.part}`);
    // 2026-03-06 keeps 14 days: Events created from 2026-02-20T00:00Z on.
    await insertKubernetesEvent(db.dataSource, clusterId, { uid: 'a-at-cutoff', createdAt: utc(2026, 2, 20), deletedAt: expiredAt });
    await insertKubernetesEvent(db.dataSource, clusterId, { uid: 'b-just-before', createdAt: new Date(utc(2026, 2, 20).getTime() - 1), deletedAt: expiredAt });
    await insertKubernetesEvent(db.dataSource, clusterId, { uid: 'c-live', createdAt: utc(2026, 2, 11) });
    // January has no partition (it was past retention at the first run): DEFAULT.
    await insertKubernetesEvent(db.dataSource, clusterId, { uid: 'd-old', createdAt: utc(2026, 1, 20), deletedAt: expiredAt });
    await insertKubernetesEvent(db.dataSource, clusterId, { uid: 'e-old-live', createdAt: utc(2026, 1, 5) });

    const r = await maintainPartitions(db.dataSource, settings, utc(2026, 3, 6));
    // The month the cutoff falls in stays; its rows before the cutoff and DEFAULT's go: b and d.
    expect(r.dropped).toEqual([]);
    expect(r.expired).toEqual([{ table: 'k8s_events', rows: 2 }]);
    expect(r.purgedFromDefault).toEqual([]);
    expect(await uids()).toEqual(['a-at-cutoff@k8s_events_p202602', 'c-live@k8s_events_p202602', 'e-old-live@k8s_events_default']);

    // 2026-03-16 keeps from 2026-03-02: February is dropped whole, its live Event moved to DEFAULT.
    const later = await maintainPartitions(db.dataSource, settings, utc(2026, 3, 16));
    expect(later.dropped).toEqual([{ table: 'k8s_events', partition: 'k8s_events_p202602', keptRows: 1 }]);
    expect(later.expired).toEqual([]);
    expect(await uids()).toEqual(['c-live@k8s_events_default', 'e-old-live@k8s_events_default']);
  });

  test('recreates a missing DEFAULT partition', async () => {
    await db.dataSource.query('DROP TABLE k8s_resource_metrics_default');
    await maintainPartitions(db.dataSource, settings, utc(2030, 6, 10));
    const parts = await listPartitions(db.dataSource);
    expect(parts.filter((p) => p.isDefault).map((p) => p.partition)).toEqual(['k8s_pods_default', 'k8s_resource_metrics_default', 'k8s_events_default']);
  });

  test('two processes running it at once do the work exactly once', async () => {
    const a = createDataSource(db.url, { poolSize: 2 });
    const b = createDataSource(db.url, { poolSize: 2 });
    await Promise.all([a.initialize(), b.initialize()]);
    try {
      for (const [i, when] of [utc(2031, 1, 10), utc(2031, 5, 10), utc(2032, 12, 31, 23)].entries()) {
        await insertMetric(db.dataSource, clusterId, new Date(when.getTime() + 3600_000 * 24 * 40), i);
        const results = await Promise.all([maintainPartitions(a, settings, when), maintainPartitions(b, settings, when), maintainPartitions(a, settings, when)]);
        const created = results.flatMap((r) => r.created.map((c) => c.partition));
        expect(new Set(created).size).toBe(created.length);
        const moved = results.flatMap((r) => r.moved).reduce((s, m) => s + m.rows, 0);
        expect(moved).toBe(1);
        // Each table's work was done by exactly one of the three (tables are maintained one transaction each, so two
        // runs may share them out); the others found it done.
        for (const table of new Set(results.flatMap((r) => r.created.map((c) => c.table)))) {
          expect(results.filter((r) => r.created.some((c) => c.table === table)), table).toHaveLength(1);
        }
      }
      const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_resource_metrics_default`);
      expect(n).toBe(0);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });
});
