/** The cost engine: hourly rows per workload, storage per namespace, idle per cluster, daily sums. */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rollUpCosts } from '../../src/cost/cost-rollup.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { clusterRow, deploymentRow, insertOrganization, insertRows, namespaceRow, nodeRow, podRow } from '../support/seed.js';
import { authFor, data } from './support/api-context.js';

const GiB = 1024 ** 3;
const HOUR = new Date('2026-03-10T10:00:00Z');
const NOW = new Date('2026-03-10T12:30:00Z');
const SAMPLE_MS = 30 * 60_000;
const at = (hhmm: string) => new Date(`2026-03-10T${hhmm}:00Z`);

let db: TestDatabase;
let org: string;
let a: string;
let b: string;

beforeAll(async () => {
  db = await createTestDatabase();
  org = await insertOrganization(db.dataSource, 'acme');
  [a, b] = await insertRows(db.dataSource, 'k8s_clusters', [
    clusterRow({ organization_id: org, name: 'a' }),
    clusterRow({ organization_id: org, name: 'b', pricing: { cpuCoreHour: 1, ramGiBHour: 0.5, storageGiBMonth: 0, egressZoneGiB: 0, egressRegionGiB: 0, egressInternetGiB: 0, currency: 'EUR' } }),
  ]);
  await insertRows(db.dataSource, 'k8s_nodes', [
    nodeRow({ cluster_id: a, name: 'n', cpu_capacity_millicores: 4000, memory_capacity_bytes: 16 * GiB, created_at: at('00:00') }),
    nodeRow({ cluster_id: a, name: 'gone', cpu_capacity_millicores: 64000, memory_capacity_bytes: 256 * GiB, created_at: at('00:00'), deleted_at: at('09:00') }),
    nodeRow({ cluster_id: b, name: 'n', cpu_capacity_millicores: 1000, memory_capacity_bytes: 1 * GiB, created_at: at('00:00') }),
  ]);
  const [shop, bns] = await insertRows(db.dataSource, 'k8s_namespaces', [
    namespaceRow({ cluster_id: a, name: 'shop', team: 'shop', cost_center: 'cc' }),
    namespaceRow({ cluster_id: b, name: 'default' }),
  ]);
  const [web] = await insertRows(db.dataSource, 'k8s_deployments', [deploymentRow({ cluster_id: a, namespace_id: shop, namespace: 'shop', name: 'web' })]);
  const [web1, batch1, solo, bpod] = await insertRows(db.dataSource, 'k8s_pods', [
    podRow({ cluster_id: a, namespace_id: shop, namespace: 'shop', deployment_id: web, name: 'web-1', created_at: at('00:00') }),
    podRow({ cluster_id: a, namespace_id: shop, namespace: 'shop', name: 'batch-1', owner_kind: 'Job', owner_name: 'batch', created_at: at('00:00') }),
    podRow({ cluster_id: a, namespace_id: shop, namespace: 'shop', name: 'solo', owner_kind: null, owner_name: null, created_at: at('00:00') }),
    podRow({ cluster_id: b, namespace_id: bns, namespace: 'default', name: 'x', owner_kind: null, owner_name: null, created_at: at('00:00') }),
  ]);
  const sample = (cluster: string, pod: string, time: string, cpu: number, cpuRequest: number, memory: number, memoryRequest: number) => ({
    cluster_id: cluster, level: 'pod', target_id: pod, target_name: 'p', namespace: 'ns', collected_at: at(time),
    cpu_usage_millicores: cpu, cpu_request_millicores: cpuRequest, memory_working_set_bytes: memory, memory_request_bytes: memoryRequest,
  });
  await insertRows(db.dataSource, 'k8s_resource_metrics', [
    sample(a, web1, '10:00', 200, 500, 0.5 * GiB, GiB),
    sample(a, web1, '10:30', 800, 500, 1.5 * GiB, GiB),
    sample(a, web1, '09:59', 99999, 0, 0, 0),
    sample(a, web1, '11:00', 99999, 0, 0, 0),
    sample(a, batch1, '10:15', 1000, 0, 0, 0),
    sample(a, solo, '10:45', 100, 100, 0, 0),
    sample(b, bpod, '10:10', 0, 1000, 0, 0),
  ]);
  await insertRows(db.dataSource, 'k8s_persistent_volume_claims', [
    { cluster_id: a, namespace_id: shop, namespace: 'shop', uid: 'pvc-1', name: 'data', capacity_bytes: 10 * GiB, created_at: at('00:00') },
    { cluster_id: a, namespace_id: shop, namespace: 'shop', uid: 'pvc-2', name: 'old', capacity_bytes: 1000 * GiB, created_at: at('00:00'), deleted_at: at('09:30') },
  ]);
});

afterAll(async () => {
  await db?.drop();
});

async function rows(granularity: 'hour' | 'day') {
  return db.dataSource.query(
    `SELECT c.name AS cluster, ca.namespace, ca.team, ca.cost_center, ca.workload_kind, ca.workload_name, ca.period_start,
       ca.cpu_core_hours::float8, ca.cpu_request_core_hours::float8, ca.cpu_usage_core_hours::float8, ca.ram_gib_hours::float8,
       ca.storage_gib_hours::float8, ca.cpu_cost::float8, ca.memory_cost::float8, ca.storage_cost::float8, ca.idle_cost::float8, ca.total_cost::float8, ca.currency
     FROM k8s_cost_attribution ca JOIN k8s_clusters c ON c.id = ca.cluster_id
     WHERE ca.granularity = $1 ORDER BY c.name, ca.namespace NULLS LAST, ca.workload_kind NULLS LAST`,
    [granularity],
  );
}

describe('rollUpCosts', () => {
  test('hourly rows: max(request, usage) per workload at the cluster’s prices, storage per namespace, idle per cluster', async () => {
    const result = await rollUpCosts(db.dataSource, { from: HOUR, to: new Date(HOUR.getTime() + 3_600_000), sampleIntervalMs: SAMPLE_MS, now: NOW });
    expect(result).toEqual({ hours: 1, days: 1, rows: 7 });
    const hour = await rows('hour');
    expect(hour.map((r: any) => [r.cluster, r.namespace, r.workload_kind, r.workload_name, r.team, r.cost_center, r.currency])).toEqual([
      ['a', 'shop', 'Deployment', 'web', 'shop', 'cc', 'USD'],
      ['a', 'shop', 'Job', 'batch', 'shop', 'cc', 'USD'],
      ['a', 'shop', 'Pod', 'solo', 'shop', 'cc', 'USD'],
      ['a', 'shop', null, null, 'shop', 'cc', 'USD'],
      ['a', null, null, null, null, null, 'USD'],
      ['b', 'default', 'Pod', 'x', null, null, 'EUR'],
      ['b', null, null, null, null, null, 'EUR'],
    ]);
    const [web, batch, solo, storage, idleA, bx, idleB] = hour;
    // web: two samples fill the hour; avg usage 500m = avg request 500m; memory avg 1 GiB = request.
    expect(web).toMatchObject({ cpu_core_hours: 0.5, cpu_request_core_hours: 0.5, cpu_usage_core_hours: 0.5, ram_gib_hours: 1 });
    // Costs are stored with 6 decimals.
    expect(web.cpu_cost).toBeCloseTo(0.5 * 0.031611, 5);
    expect(web.memory_cost).toBeCloseTo(0.004237, 5);
    // batch: one sample = half an hour at 1000m, no request.
    expect(batch).toMatchObject({ cpu_core_hours: 0.5, cpu_request_core_hours: 0, ram_gib_hours: 0 });
    expect(solo.cpu_core_hours).toBeCloseTo(0.05, 6);
    // storage: the live 10 GiB claim for one hour at 0.04 $/GiB-month (730 h); the deleted one is left out.
    expect(storage).toMatchObject({ storage_gib_hours: 10, cpu_cost: 0, idle_cost: 0 });
    expect(storage.storage_cost).toBeCloseTo((10 * 0.04) / 730, 5);
    // idle: the live node's capacity cost (4 cores, 16 GiB) minus what the workloads were allocated.
    const allocated = web.cpu_cost + web.memory_cost + batch.cpu_cost + solo.cpu_cost;
    expect(idleA.idle_cost).toBeCloseTo(4 * 0.031611 + 16 * 0.004237 - allocated, 5);
    expect(idleA.total_cost).toBe(idleA.idle_cost);
    // cluster b's own prices: 1 core-hour and 1 GiB-hour of capacity, half a core-hour requested.
    expect(bx).toMatchObject({ cpu_core_hours: 0.5, cpu_cost: 0.5, total_cost: 0.5 });
    expect(idleB).toMatchObject({ idle_cost: 1, total_cost: 1 });
  });

  test('daily rows sum the hours; the cluster’s hourly estimate is its latest hour; a rerun rewrites the same rows', async () => {
    const day = await rows('day');
    const hour = await rows('hour');
    expect(day.map((r: any) => ({ ...r, period_start: undefined }))).toEqual(hour.map((r: any) => ({ ...r, period_start: undefined })));
    expect(day[0].period_start).toEqual(new Date('2026-03-10T00:00:00Z'));
    const [estimateA] = await db.dataSource.query('SELECT hourly_cost_estimate::float8 AS e FROM k8s_clusters WHERE id = $1', [a]);
    expect(estimateA.e).toBeCloseTo(hour.filter((r: any) => r.cluster === 'a').reduce((s: number, r: any) => s + r.total_cost, 0), 6);
    // Capacity cost plus storage: allocation only splits the node cost between workloads and idle.
    expect(estimateA.e).toBeCloseTo(4 * 0.031611 + 16 * 0.004237 + (10 * 0.04) / 730, 5);

    await rollUpCosts(db.dataSource, { from: HOUR, to: NOW, sampleIntervalMs: SAMPLE_MS, now: NOW });
    expect(await rows('day')).toHaveLength(day.length);
    expect((await rows('hour')).filter((r: any) => r.period_start.getTime() === HOUR.getTime())).toEqual(hour);
  });

  test('hours that are not complete yet are left alone', async () => {
    const result = await rollUpCosts(db.dataSource, { from: new Date('2026-03-10T12:00:00Z'), to: new Date('2026-03-10T14:00:00Z'), sampleIntervalMs: SAMPLE_MS, now: NOW });
    expect(result).toEqual({ hours: 0, days: 0, rows: 0 });
  });

  test('the API reports the rolled-up cost of an hour per team', async () => {
    const result = await data(db.dataSource, authFor(org), `{ costAllocations(filter: { from: "2026-03-10T00:00:00Z", to: "2026-03-11T00:00:00Z", clusterIds: [] }) { totalCount } shop: costAllocations(filter: { from: "2026-03-10T10:00:00Z", to: "2026-03-10T11:00:00Z", granularity: HOUR, teams: ["shop"] }, groupBy: [TEAM, NAMESPACE]) { nodes { team namespace cpuCoreHours storageGiBHours } } }`);
    expect(result.costAllocations.totalCount).toBe(0);
    expect(result.shop.nodes).toHaveLength(1);
    expect(result.shop.nodes[0]).toMatchObject({ team: 'shop', namespace: 'shop', storageGiBHours: 10 });
    expect(result.shop.nodes[0].cpuCoreHours).toBeCloseTo(1.05, 6);
  });
});

describe('kubegraph cost rollup', () => {
  test('rolls up the given range and says what it did; a bad date changes nothing', async () => {
    const run = promisify(execFile);
    // The fixture's hours stay within retention whenever the test runs.
    const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', KUBEGRAPH_RETENTION_METRICS_MONTHS: '1200' };
    await db.dataSource.query(`DELETE FROM k8s_cost_attribution`);
    const { stdout } = await run('node', ['bin/kubegraph.js', 'cost', 'rollup', '--from', '2026-03-10T10:00:00Z', '--to', '2026-03-10T11:00:00Z'], { env });
    expect(stdout).toBe('cost: rolled up 1 hour(s) into 7 hourly row(s) and 1 day(s), 2026-03-10T10:00:00.000Z to 2026-03-10T11:00:00.000Z\n');
    const [{ count }] = await db.dataSource.query(`SELECT count(*)::int AS count FROM k8s_cost_attribution WHERE granularity = 'hour'`);
    expect(count).toBe(7);
    const failed = await run('node', ['bin/kubegraph.js', 'cost', 'rollup', '--from', 'yesterday'], { env }).catch((err: { code: number; stderr: string }) => err);
    expect(failed).toMatchObject({ code: 1, stderr: 'kubegraph: --from must be an ISO date or date-time such as 2026-03-01 or 2026-03-01T10:00:00Z (got "yesterday")\n' });
    const noSuchDay = await run('node', ['bin/kubegraph.js', 'cost', 'rollup', '--from', '2026-02-30'], { env }).catch((err: { code: number; stderr: string }) => err);
    expect(noSuchDay).toMatchObject({ code: 1, stderr: 'kubegraph: --from is not a day of the calendar (got "2026-02-30")\n' });
    // Hours whose metrics are past retention would be rolled up to nothing, erasing the cost rows kept for them.
    const pastRetention = await run('node', ['bin/kubegraph.js', 'cost', 'rollup', '--from', '2026-03-10T10:00:00Z'], { env: { ...env, KUBEGRAPH_RETENTION_METRICS_MONTHS: '1' } })
      .catch((err: { code: number; stderr: string }) => err);
    expect(pastRetention).toMatchObject({ code: 1 });
    expect((pastRetention as { stderr: string }).stderr).toMatch(
      /^kubegraph: --from must be \d{4}-\d{2}-01 or later: metrics of earlier months are dropped \(KUBEGRAPH_RETENTION_METRICS_MONTHS=1\), and rolling up their hours again would erase their cost rows \(got "2026-03-10T10:00:00Z"\)\n$/,
    );
    const [{ count: kept }] = await db.dataSource.query(`SELECT count(*)::int AS count FROM k8s_cost_attribution WHERE granularity = 'hour'`);
    expect(kept).toBe(7);
    // A date-time without an offset is UTC, as --help says, whatever the host's time zone.
    const local = await run('node', ['bin/kubegraph.js', 'cost', 'rollup', '--from', '2026-03-10T10:00:00', '--to', '2026-03-10T11:00'], { env: { ...env, TZ: 'America/New_York' } });
    expect(local.stdout).toBe('cost: rolled up 1 hour(s) into 7 hourly row(s) and 1 day(s), 2026-03-10T10:00:00.000Z to 2026-03-10T11:00:00.000Z\n');
  });
});

