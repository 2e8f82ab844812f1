/** Metric time buckets computed in SQL: exact values, empty buckets, bad input, and partition pruning. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { maintainPartitions } from '../../src/db/partition-maintenance.js';
import { metricBucketsSql } from '../../src/metrics/metric-buckets.js';
import { MetricLevel } from '../../src/metrics/metric-level.enum.js';
import { toGlobalId } from '../../src/graphql/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { clusterRow, insertOrganization, insertRows, namespaceRow, podRow } from '../support/seed.js';
import { authFor, data, errorCodes, execute } from './support/api-context.js';

let db: TestDatabase;
let org: string;
let cluster: string;
let pod: string;
let otherPod: string;

const t = (iso: string) => new Date(`2026-02-10T${iso}Z`);

beforeAll(async () => {
  db = await createTestDatabase();
  // Monthly partitions for January–April 2026 (maintenance as `serve` runs it, on a fixed date).
  await maintainPartitions(db.dataSource, { partitionMonthsAhead: 3, retentionMonths: { resourceMetrics: 13, pods: 25 }, k8sEventRetentionDays: 14 }, new Date('2026-01-15T00:00:00Z'));
  org = await insertOrganization(db.dataSource, 'acme');
  [cluster] = await insertRows(db.dataSource, 'k8s_clusters', [clusterRow({ organization_id: org, name: 'c' })]);
  const [ns] = await insertRows(db.dataSource, 'k8s_namespaces', [namespaceRow({ cluster_id: cluster, name: 'ns' })]);
  [pod, otherPod] = await insertRows(db.dataSource, 'k8s_pods', [
    podRow({ cluster_id: cluster, namespace_id: ns, namespace: 'ns', name: 'p' }),
    podRow({ cluster_id: cluster, namespace_id: ns, namespace: 'ns', name: 'q' }),
  ]);
  const sample = (target: string, at: Date, cpu: number, memory: number, extra: Record<string, unknown> = {}) => ({
    cluster_id: cluster,
    level: 'pod',
    target_id: target,
    target_name: 'p',
    namespace: 'ns',
    cpu_usage_millicores: cpu,
    memory_working_set_bytes: memory,
    network_rx_bytes: null,
    restarts: 0,
    oom_kills: 0,
    collected_at: at,
    ...extra,
  });
  await insertRows(db.dataSource, 'k8s_resource_metrics', [
    sample(pod, t('00:00:00'), 100, 1000, { network_rx_bytes: 10, restarts: 1 }),
    sample(pod, t('00:02:30'), 300, 3000, { network_rx_bytes: 40, restarts: 2, oom_kills: 1 }),
    sample(pod, t('00:05:00'), 50, 500),
    sample(pod, t('00:11:00'), 10, 100),
    sample(pod, t('00:15:00'), 999, 999),
    sample(pod, new Date('2026-02-09T23:59:59Z'), 999, 999),
    sample(otherPod, t('00:01:00'), 777, 777),
    sample(pod, t('00:01:00'), 555, 555, { level: 'node' }),
    sample(pod, new Date('2026-01-20T00:00:00Z'), 1, 1),
    sample(pod, new Date('2026-03-20T00:00:00Z'), 1, 1),
  ]);
  await db.dataSource.query('ANALYZE k8s_resource_metrics');
});

afterAll(async () => {
  await db?.drop();
});

const METRICS = `query($id: ID!, $from: DateTime!, $to: DateTime!, $step: String!, $level: MetricLevel!) {
  metrics(level: $level, targetId: $id, from: $from, to: $to, step: $step) {
    bucketStart sampleCount cpuAvgMillicores cpuMaxMillicores cpuAvgCores cpuMaxCores memoryAvgBytes memoryMaxBytes networkRxBytesMax restartsMax oomKillsMax
  }
}`;

describe('metrics(level, targetId, from, to, step)', () => {
  test('averages and maxima per bucket, every bucket of the range, `to` exclusive', async () => {
    const result = await data(db.dataSource, authFor(org), METRICS, {
      variables: { id: toGlobalId('Pod', pod), level: 'POD', from: '2026-02-10T00:00:00Z', to: '2026-02-10T00:15:00Z', step: '5m' },
    });
    expect(result.metrics).toEqual([
      { bucketStart: t('00:00:00'), sampleCount: 2, cpuAvgMillicores: 200, cpuMaxMillicores: 300, cpuAvgCores: 0.2, cpuMaxCores: 0.3, memoryAvgBytes: 2000, memoryMaxBytes: 3000, networkRxBytesMax: 40, restartsMax: 2, oomKillsMax: 1 },
      { bucketStart: t('00:05:00'), sampleCount: 1, cpuAvgMillicores: 50, cpuMaxMillicores: 50, cpuAvgCores: 0.05, cpuMaxCores: 0.05, memoryAvgBytes: 500, memoryMaxBytes: 500, networkRxBytesMax: null, restartsMax: 0, oomKillsMax: 0 },
      { bucketStart: t('00:10:00'), sampleCount: 1, cpuAvgMillicores: 10, cpuMaxMillicores: 10, cpuAvgCores: 0.01, cpuMaxCores: 0.01, memoryAvgBytes: 100, memoryMaxBytes: 100, networkRxBytesMax: null, restartsMax: 0, oomKillsMax: 0 },
    ]);
  });

  test('buckets align to `from`; empty buckets carry sampleCount 0 and nulls', async () => {
    const result = await data(db.dataSource, authFor(org), METRICS, {
      variables: { id: toGlobalId('Pod', pod), level: 'POD', from: '2026-02-10T00:01:00Z', to: '2026-02-10T00:21:00Z', step: '300s' },
    });
    expect(result.metrics.map((m: any) => [m.bucketStart.toISOString(), m.sampleCount, m.cpuAvgMillicores])).toEqual([
      ['2026-02-10T00:01:00.000Z', 2, 175],
      ['2026-02-10T00:06:00.000Z', 0, null],
      ['2026-02-10T00:11:00.000Z', 2, 504.5],
      ['2026-02-10T00:16:00.000Z', 0, null],
    ]);
  });

  test('a step longer than the range, however long, makes one bucket of the whole range', async () => {
    for (const step of ['2h', '99999999999h']) {
      const result = await data(db.dataSource, authFor(org), METRICS, {
        variables: { id: toGlobalId('Pod', pod), level: 'POD', from: '2026-02-10T00:00:00Z', to: '2026-02-10T00:15:00Z', step },
      });
      expect(result.metrics.map((m: any) => [m.bucketStart.toISOString(), m.sampleCount, m.cpuMaxMillicores]), step).toEqual([['2026-02-10T00:00:00.000Z', 4, 300]]);
    }
  });

  test('bad ranges, steps and ids are refused with BAD_USER_INPUT', async () => {
    const base = { id: toGlobalId('Pod', pod), level: 'POD', from: '2026-02-10T00:00:00Z', to: '2026-02-10T01:00:00Z', step: '5m' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ step: '5x' }, 'Argument "step" must be a duration'],
      [{ step: '500ms' }, 'Argument "step" must be at least 1s'],
      [{ to: '2026-02-10T00:00:00Z' }, 'Argument "to" must be later than "from"'],
      [{ from: '2020-01-01T00:00:00Z', step: '1s' }, 'at most 10000 are allowed'],
      [{ level: 'CLUSTER' }, 'is a Pod id; expected a Cluster id'],
      [{ from: '0000-12-31T23:00:00Z', to: '0001-01-01T00:00:00Z' }, 'Argument "from" must be between 0001-01-01 and 9999-12-31'],
    ];
    for (const [override, message] of cases) {
      const result = await execute(db.dataSource, authFor(org), METRICS, { variables: { ...base, ...override } });
      expect(errorCodes(result), message).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0].message).toContain(message);
    }
  });
});

function relationsIn(plan: unknown): string[] {
  const found: string[] = [];
  const walk = (node: any) => {
    if (node && typeof node === 'object') {
      if (typeof node['Relation Name'] === 'string') found.push(node['Relation Name']);
      for (const value of Object.values(node)) walk(value);
    }
  };
  walk(plan);
  return [...new Set(found)].filter((r) => r.startsWith('k8s_resource_metrics')).sort();
}

async function scannedPartitions(from: string, to: string): Promise<string[]> {
  const { text, params } = metricBucketsSql({ organizationId: org, level: MetricLevel.POD, targetRowId: pod, from: new Date(from), to: new Date(to), step: '1h' });
  const rows = await db.dataSource.query(`EXPLAIN (FORMAT JSON) ${text}`, params);
  return relationsIn(rows[0]['QUERY PLAN']);
}

describe('partition pruning', () => {
  test('the partitions exist as maintenance made them', async () => {
    const rows = await db.dataSource.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'k8s_resource_metrics'::regclass ORDER BY 1`,
    );
    expect(rows.map((r: { relname: string }) => r.relname)).toEqual([
      'k8s_resource_metrics_default',
      'k8s_resource_metrics_p202601',
      'k8s_resource_metrics_p202602',
      'k8s_resource_metrics_p202603',
      'k8s_resource_metrics_p202604',
    ]);
  });

  test('a range inside one month scans only that month', async () => {
    expect(await scannedPartitions('2026-02-10T00:00:00Z', '2026-02-11T00:00:00Z')).toEqual(['k8s_resource_metrics_p202602']);
  });

  test('a range across a month boundary scans exactly the two months', async () => {
    expect(await scannedPartitions('2026-01-31T00:00:00Z', '2026-02-02T00:00:00Z')).toEqual(['k8s_resource_metrics_p202601', 'k8s_resource_metrics_p202602']);
  });

  test('a range with no monthly partition falls to DEFAULT only', async () => {
    expect(await scannedPartitions('2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z')).toEqual(['k8s_resource_metrics_default']);
  });
});
