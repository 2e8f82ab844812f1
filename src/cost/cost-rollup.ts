/**
 * The cost engine: pod metric samples → hourly cost rows per workload, storage rows per namespace
 * and an idle row per cluster → daily rows, in k8s_cost_attribution (OpenCost-compatible model).
 *
 * - a pod's workload is the top of its owner chain: ReplicaSet → Deployment, Job → CronJob; a StatefulSet,
 *   DaemonSet or Job of its own is its owner.
 * - cpu core-hours = max(request, usage) × the share of the hour the pod was sampled, likewise RAM;
 *   cost = core-hours × $/core-hour + GiB-hours × $/GiB-hour at the cluster's effective prices.
 * - storage: each persistent volume claim that existed during the hour, capacity × one hour, at the
 *   monthly price / 730, on a namespace row (no workload).
 * - idle: node capacity cost of the hour minus the CPU and RAM cost allocated to workloads, on a
 *   cluster row (no namespace), when positive.
 * - network cost is not attributed: the samples carry no destination, so egress cannot be priced by
 *   zone, region or internet; network columns stay 0.
 *
 * Each hour and each day is rewritten whole in one transaction, so a rerun (or a second replica)
 * converges on the same rows.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { AdvisoryLock, lockForTransaction } from '../db/advisory-locks.js';
import { DEFAULT_PRICING } from './pricing.js';

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Hours in the month that storage prices are quoted for (OpenCost's convention). */
const HOURS_PER_MONTH = 730;

export interface RollupResult {
  hours: number;
  days: number;
  /** Hourly rows written. */
  rows: number;
}

export function hourStart(date: Date): Date {
  return new Date(Math.floor(date.getTime() / HOUR_MS) * HOUR_MS);
}

function dayStart(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

/** Effective prices per cluster in SQL: the stored prices, or the defaults (bound as $3…$8). */
const PRICES = `SELECT c.id AS cluster_id,
    coalesce((c.pricing ->> 'cpuCoreHour')::numeric, $3) AS cpu_price,
    coalesce((c.pricing ->> 'ramGiBHour')::numeric, $4) AS ram_price,
    coalesce((c.pricing ->> 'storageGiBMonth')::numeric, $5) / ${HOURS_PER_MONTH} AS storage_price,
    coalesce(c.pricing ->> 'currency', $6) AS currency
  FROM k8s_clusters c`;

const HOUR_ROWS = `
WITH prices AS (${PRICES}),
samples AS (
  SELECT m.cluster_id, m.target_id, count(*) AS n,
    avg(coalesce(m.cpu_usage_millicores, 0)) AS cpu_use, avg(coalesce(m.cpu_request_millicores, 0)) AS cpu_req,
    avg(coalesce(m.memory_working_set_bytes, 0)) AS mem_use, avg(coalesce(m.memory_request_bytes, 0)) AS mem_req
  FROM k8s_resource_metrics m
  WHERE m.level = 'pod' AND m.collected_at >= $1 AND m.collected_at < $2
  GROUP BY 1, 2
),
pods AS (
  SELECT s.*, p.namespace,
    CASE WHEN d.id IS NOT NULL THEN 'Deployment' WHEN j.owner_kind = 'CronJob' THEN 'CronJob' WHEN p.owner_kind IS NOT NULL THEN p.owner_kind ELSE 'Pod' END AS workload_kind,
    CASE WHEN d.id IS NOT NULL THEN d.name WHEN j.owner_kind = 'CronJob' THEN j.owner_name WHEN p.owner_name IS NOT NULL THEN p.owner_name ELSE p.name END AS workload_name,
    least(1.0, s.n * $7::numeric / 3600.0) AS hours
  FROM samples s
  JOIN k8s_pods p ON p.id = s.target_id AND p.cluster_id = s.cluster_id
  LEFT JOIN k8s_deployments d ON d.id = p.deployment_id
  -- A CronJob's pods are charged to the CronJob: the pod names its Job, the Job's row names the CronJob.
  LEFT JOIN k8s_workloads j ON p.owner_kind = 'Job' AND j.cluster_id = p.cluster_id AND j.uid = p.owner_uid AND j.kind = 'Job'
),
workloads AS (
  SELECT cluster_id, namespace, workload_kind, workload_name,
    sum(greatest(cpu_req, cpu_use) / 1000.0 * hours) AS cpu_core_hours,
    sum(cpu_req / 1000.0 * hours) AS cpu_request_core_hours,
    sum(cpu_use / 1000.0 * hours) AS cpu_usage_core_hours,
    sum(greatest(mem_req, mem_use) / 1073741824.0 * hours) AS ram_gib_hours,
    sum(mem_req / 1073741824.0 * hours) AS ram_request_gib_hours,
    sum(mem_use / 1073741824.0 * hours) AS ram_usage_gib_hours
  FROM pods GROUP BY 1, 2, 3, 4
),
allocated AS (
  SELECT w.*, w.cpu_core_hours * pr.cpu_price AS cpu_cost, w.ram_gib_hours * pr.ram_price AS memory_cost, pr.currency
  FROM workloads w JOIN prices pr USING (cluster_id)
),
storage AS (
  SELECT v.cluster_id, v.namespace, sum(coalesce(v.capacity_bytes, v.requested_bytes, 0)) / 1073741824.0 AS storage_gib_hours
  FROM k8s_persistent_volume_claims v
  WHERE v.created_at < $2 AND (v.deleted_at IS NULL OR v.deleted_at > $1)
  GROUP BY 1, 2
  HAVING sum(coalesce(v.capacity_bytes, v.requested_bytes, 0)) > 0
),
capacity AS (
  SELECT nd.cluster_id, sum(nd.cpu_capacity_millicores) / 1000.0 AS cores, sum(nd.memory_capacity_bytes) / 1073741824.0 AS gib
  FROM k8s_nodes nd
  WHERE nd.created_at < $2 AND (nd.deleted_at IS NULL OR nd.deleted_at > $1)
  GROUP BY 1
),
idle AS (
  SELECT cap.cluster_id,
    cap.cores * pr.cpu_price + cap.gib * pr.ram_price - coalesce((SELECT sum(a.cpu_cost + a.memory_cost) FROM allocated a WHERE a.cluster_id = cap.cluster_id), 0) AS idle_cost,
    pr.currency
  FROM capacity cap JOIN prices pr USING (cluster_id)
),
result AS (
  SELECT cluster_id, namespace, workload_kind, workload_name, cpu_core_hours, cpu_request_core_hours, cpu_usage_core_hours,
    ram_gib_hours, ram_request_gib_hours, ram_usage_gib_hours, 0 AS storage_gib_hours,
    cpu_cost, memory_cost, 0 AS storage_cost, 0 AS idle_cost, cpu_cost + memory_cost AS total_cost, currency
  FROM allocated
  UNION ALL
  SELECT s.cluster_id, s.namespace, NULL, NULL, 0, 0, 0, 0, 0, 0, s.storage_gib_hours,
    0, 0, s.storage_gib_hours * pr.storage_price, 0, s.storage_gib_hours * pr.storage_price, pr.currency
  FROM storage s JOIN prices pr USING (cluster_id)
  UNION ALL
  SELECT cluster_id, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, idle_cost, idle_cost, currency
  FROM idle WHERE idle_cost > 0
)
INSERT INTO k8s_cost_attribution (cluster_id, namespace, team, cost_center, workload_kind, workload_name, granularity, period_start,
  cpu_core_hours, cpu_request_core_hours, cpu_usage_core_hours, ram_gib_hours, ram_request_gib_hours, ram_usage_gib_hours,
  storage_gib_hours, network_gib, cpu_cost, memory_cost, storage_cost, network_cost, idle_cost, total_cost, currency)
SELECT r.cluster_id, r.namespace, ns.team, ns.cost_center, r.workload_kind, r.workload_name, 'hour', $1,
  r.cpu_core_hours, r.cpu_request_core_hours, r.cpu_usage_core_hours, r.ram_gib_hours, r.ram_request_gib_hours, r.ram_usage_gib_hours,
  r.storage_gib_hours, 0, r.cpu_cost, r.memory_cost, r.storage_cost, 0, r.idle_cost, r.total_cost, r.currency
FROM result r
LEFT JOIN LATERAL (
  SELECT n.team, n.cost_center FROM k8s_namespaces n
  WHERE n.cluster_id = r.cluster_id AND n.name = r.namespace
  ORDER BY n.deleted_at DESC NULLS FIRST LIMIT 1
) ns ON TRUE
RETURNING id`;

const DAY_ROWS = `
INSERT INTO k8s_cost_attribution (cluster_id, namespace, team, cost_center, workload_kind, workload_name, granularity, period_start,
  cpu_core_hours, cpu_request_core_hours, cpu_usage_core_hours, ram_gib_hours, ram_request_gib_hours, ram_usage_gib_hours,
  storage_gib_hours, network_gib, cpu_cost, memory_cost, storage_cost, network_cost, idle_cost, total_cost, currency)
SELECT cluster_id, namespace, max(team), max(cost_center), workload_kind, workload_name, 'day', $1,
  sum(cpu_core_hours), sum(cpu_request_core_hours), sum(cpu_usage_core_hours), sum(ram_gib_hours), sum(ram_request_gib_hours),
  sum(ram_usage_gib_hours), sum(storage_gib_hours), sum(network_gib), sum(cpu_cost), sum(memory_cost), sum(storage_cost),
  sum(network_cost), sum(idle_cost), sum(total_cost), min(currency)
FROM k8s_cost_attribution
WHERE granularity = 'hour' AND period_start >= $1 AND period_start < $2
GROUP BY cluster_id, namespace, workload_kind, workload_name`;

async function rollUpHour(m: EntityManager, hour: Date, sampleIntervalMs: number): Promise<number> {
  const end = new Date(hour.getTime() + HOUR_MS);
  await m.query(`DELETE FROM k8s_cost_attribution WHERE granularity = 'hour' AND period_start = $1`, [hour]);
  const rows: unknown[] = await m.query(HOUR_ROWS, [
    hour,
    end,
    DEFAULT_PRICING.cpuCoreHour,
    DEFAULT_PRICING.ramGiBHour,
    DEFAULT_PRICING.storageGiBMonth,
    DEFAULT_PRICING.currency,
    sampleIntervalMs / 1000,
  ]);
  // The cluster's running cost: its latest rolled-up hour, allocated and idle.
  await m.query(
    `UPDATE k8s_clusters c SET hourly_cost_estimate = h.total
     FROM (SELECT cluster_id, sum(total_cost) AS total FROM k8s_cost_attribution WHERE granularity = 'hour' AND period_start = $1 GROUP BY 1) h
     WHERE c.id = h.cluster_id`,
    [hour],
  );
  return rows.length;
}

async function rollUpDay(m: EntityManager, day: Date): Promise<void> {
  await m.query(`DELETE FROM k8s_cost_attribution WHERE granularity = 'day' AND period_start = $1`, [day]);
  await m.query(DAY_ROWS, [day, new Date(day.getTime() + DAY_MS)]);
}

/**
 * Rolls up every complete hour that starts in [from, to) (`to` is clamped to the last complete hour
 * before `now`), then the days those hours belong to.
 */
export async function rollUpCosts(
  dataSource: DataSource,
  opts: { from: Date; to: Date; sampleIntervalMs: number; now?: Date },
): Promise<RollupResult> {
  const lastComplete = hourStart(opts.now ?? new Date());
  const end = new Date(Math.min(hourStart(opts.to).getTime(), lastComplete.getTime()));
  const result: RollupResult = { hours: 0, days: 0, rows: 0 };
  const days = new Set<number>();
  for (let hour = hourStart(opts.from); hour < end; hour = new Date(hour.getTime() + HOUR_MS)) {
    result.rows += await dataSource.transaction(async (m) => {
      await lockForTransaction(m, AdvisoryLock.costRollup);
      return rollUpHour(m, hour, opts.sampleIntervalMs);
    });
    result.hours++;
    days.add(dayStart(hour).getTime());
  }
  for (const day of [...days].sort()) {
    await dataSource.transaction(async (m) => {
      await lockForTransaction(m, AdvisoryLock.costRollup);
      await rollUpDay(m, new Date(day));
    });
    result.days++;
  }
  return result;
}
