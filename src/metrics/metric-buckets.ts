/**
 * Resource-metric time buckets computed in PostgreSQL (date_bin + avg/max), reading only the monthly
 * partitions of k8s_resource_metrics that overlap [from, to): the range is a plain condition on the
 * partition key, so the planner prunes the others.
 */
import { parseDuration } from '../common/config.js';
import { numOrNull, num } from '../graphql/row-values.js';
import type { SqlRunner } from '../graphql/row-source.js';
import { SqlParams } from '../graphql/sql-params.js';
import { checkDateTimeArgument } from '../graphql/date-time-argument.js';
import { badInput } from '../graphql/errors.js';
import { MetricLevel } from './metric-level.enum.js';
import { MetricPoint } from './metric-point.type.js';

/** Most buckets one request may ask for. */
export const MAX_BUCKETS = 10_000;

/** The GraphQL type whose global id names a target of each level. */
export const TARGET_TYPE: Record<MetricLevel, string> = {
  [MetricLevel.CLUSTER]: 'Cluster',
  [MetricLevel.NAMESPACE]: 'Namespace',
  [MetricLevel.DEPLOYMENT]: 'Deployment',
  [MetricLevel.POD]: 'Pod',
  [MetricLevel.NODE]: 'ClusterNode',
};

export interface MetricBucketQuery {
  organizationId: string;
  level: MetricLevel;
  /** Row id of the target. */
  targetRowId: string;
  from: Date;
  to: Date;
  /** Duration text: `30s`, `5m`, `1h`. */
  step: string;
}

function stepMilliseconds(step: string): number {
  try {
    return parseDuration('step', step);
  } catch (err) {
    throw badInput(`Argument "step" ${(err as Error).message.replace(/^step /, '')}`, { argumentName: 'step' });
  }
}

/** SQL text and parameters of the bucket query (also used by the partition-pruning test's EXPLAIN). */
export function metricBucketsSql(q: MetricBucketQuery): { text: string; params: unknown[] } {
  checkDateTimeArgument(q.from, 'from');
  checkDateTimeArgument(q.to, 'to');
  const rangeMs = q.to.getTime() - q.from.getTime();
  if (rangeMs <= 0) throw badInput('Argument "to" must be later than "from"', { argumentName: 'to' });
  const stepMs = stepMilliseconds(q.step);
  if (stepMs < 1000) throw badInput('Argument "step" must be at least 1s', { argumentName: 'step' });
  const buckets = Math.ceil(rangeMs / stepMs);
  if (buckets > MAX_BUCKETS) {
    throw badInput(`The range from "from" to "to" holds ${buckets} steps of ${q.step}; at most ${MAX_BUCKETS} are allowed: use a larger step`, { argumentName: 'step' });
  }
  const p = new SqlParams();
  // A step longer than the range makes one bucket of the whole range, as a step of the range's length does;
  // bounded so, it stays an interval PostgreSQL can hold however large the step asked for.
  const step = `${p.add(`${Math.min(stepMs, rangeMs) / 1000} seconds`)}::interval`;
  const from = `${p.add(q.from.toISOString())}::timestamptz`;
  const to = `${p.add(q.to.toISOString())}::timestamptz`;
  const text = `WITH agg AS (
  SELECT date_bin(${step}, m.collected_at, ${from}) AS bucket,
    count(*) AS sample_count,
    avg(m.cpu_usage_millicores) AS cpu_avg, max(m.cpu_usage_millicores) AS cpu_max,
    avg(m.cpu_request_millicores) AS cpu_request_avg,
    avg(m.memory_working_set_bytes) AS memory_avg, max(m.memory_working_set_bytes) AS memory_max,
    avg(m.memory_request_bytes) AS memory_request_avg,
    max(m.network_rx_bytes) AS rx_max, max(m.network_tx_bytes) AS tx_max,
    avg(m.storage_used_bytes) AS storage_avg, max(m.storage_used_bytes) AS storage_max,
    max(m.restarts) AS restarts_max, max(m.oom_kills) AS oom_kills_max
  FROM k8s_resource_metrics m
  JOIN k8s_clusters c ON c.id = m.cluster_id AND c.organization_id = ${p.add(q.organizationId)}::uuid
  WHERE m.level = ${p.add(q.level)} AND m.target_id = ${p.add(q.targetRowId)}::uuid
    AND m.collected_at >= ${from} AND m.collected_at < ${to}
  GROUP BY 1
)
SELECT b.bucket_start, agg.*
FROM generate_series(${from}, ${to} - interval '1 microsecond', ${step}) AS b(bucket_start)
LEFT JOIN agg ON agg.bucket = b.bucket_start
ORDER BY b.bucket_start`;
  return { text, params: p.values };
}

/** Runs a query prepared (and so validated) by `metricBucketsSql`. */
export async function metricBuckets(sql: SqlRunner, query: { text: string; params: unknown[] }): Promise<MetricPoint[]> {
  const rows = await sql(query.text, query.params);
  return rows.map((r) => {
    const cpuAvg = numOrNull(r.cpu_avg);
    const cpuMax = numOrNull(r.cpu_max);
    return Object.assign(new MetricPoint(), {
      bucketStart: r.bucket_start as Date,
      sampleCount: num(r.sample_count),
      cpuAvgMillicores: cpuAvg,
      cpuMaxMillicores: cpuMax,
      cpuAvgCores: cpuAvg === null ? null : cpuAvg / 1000,
      cpuMaxCores: cpuMax === null ? null : cpuMax / 1000,
      cpuRequestAvgMillicores: numOrNull(r.cpu_request_avg),
      memoryAvgBytes: numOrNull(r.memory_avg),
      memoryMaxBytes: numOrNull(r.memory_max),
      memoryRequestAvgBytes: numOrNull(r.memory_request_avg),
      networkRxBytesMax: numOrNull(r.rx_max),
      networkTxBytesMax: numOrNull(r.tx_max),
      storageUsedAvgBytes: numOrNull(r.storage_avg),
      storageUsedMaxBytes: numOrNull(r.storage_max),
      restartsMax: numOrNull(r.restarts_max),
      oomKillsMax: numOrNull(r.oom_kills_max),
    });
  });
}
