/** Cost queries (namespace costs, allocations grouped by team/namespace/period) and cluster pricing. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toGlobalId } from '../../src/graphql/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertRows } from '../support/seed.js';
import { authFor, data, errorCodes, execute } from './support/api-context.js';
import { seedFixture, type Fixture } from './fixtures.js';

let db: TestDatabase;
let f: Fixture;

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const todayUtc = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
};

beforeAll(async () => {
  db = await createTestDatabase();
  f = await seedFixture(db.dataSource);
  const row = (cluster: string, namespace: string, team: string | null, costCenter: string | null, granularity: 'day' | 'hour', period: Date, total: number, extra: Record<string, unknown> = {}) => ({
    cluster_id: cluster,
    namespace,
    team,
    cost_center: costCenter,
    granularity,
    period_start: period,
    cpu_cost: total / 2,
    memory_cost: total / 2,
    total_cost: total,
    cpu_core_hours: total,
    cpu_request_core_hours: 0,
    cpu_usage_core_hours: 0,
    ram_gib_hours: 0,
    ram_request_gib_hours: 0,
    ram_usage_gib_hours: 0,
    currency: 'USD',
    ...extra,
  });
  const today = todayUtc();
  const yesterday = new Date(today.getTime() - 86_400_000);
  const longAgo = new Date(today.getTime() - 40 * 86_400_000);
  await insertRows(db.dataSource, 'k8s_cost_attribution', [
    row(f.prod, 'payments', 'payments', 'cc-1', 'day', day('2026-01-01'), 10, { cpu_request_core_hours: 10, cpu_usage_core_hours: 5, ram_request_gib_hours: 8, ram_usage_gib_hours: 6 }),
    row(f.prod, 'payments', 'payments', 'cc-1', 'day', day('2026-01-02'), 20, { cpu_request_core_hours: 10, cpu_usage_core_hours: 10, ram_request_gib_hours: 8, ram_usage_gib_hours: 2 }),
    row(f.prod, 'payments', 'payments', 'cc-1', 'day', day('2026-02-01'), 5),
    row(f.prod, 'web', 'web', 'cc-2', 'day', day('2026-01-01'), 7),
    row(f.dev, 'default', 'payments', null, 'day', day('2026-01-01'), 1),
    row(f.prod, 'payments', 'payments', 'cc-1', 'hour', new Date('2026-01-01T00:00:00Z'), 0.5),
    row(f.prod, 'payments', 'payments', 'cc-1', 'hour', new Date('2026-01-01T01:00:00Z'), 0.25),
    row(f.prod, 'payments', 'payments', 'cc-1', 'day', today, 3),
    row(f.prod, 'payments', 'payments', 'cc-1', 'day', yesterday, 4),
    row(f.prod, 'web', 'web', 'cc-2', 'day', today, 2),
    row(f.prod, 'web', 'web', 'cc-2', 'day', longAgo, 100),
    row(f.otherCluster, 'payments', 'payments', null, 'day', day('2026-01-01'), 1000),
  ]);
});

afterAll(async () => {
  await db?.drop();
});

const JAN = 'from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z"';

async function allocations(args: string, fields = 'team namespace clusterName periodStart totalCost'): Promise<any[]> {
  const result = await data(db.dataSource, authFor(f.acme), `{ costAllocations(${args}) { totalCount nodes { ${fields} } } }`);
  expect(result.costAllocations.totalCount).toBe(result.costAllocations.nodes.length);
  return result.costAllocations.nodes;
}

describe('namespaceCosts', () => {
  test('the last 30 days per namespace, highest first, with the daily average', async () => {
    const result = await data(db.dataSource, authFor(f.acme), `{ namespaceCosts { totalCount nodes { namespace clusterName team costCenter daysWithCost cost30d averageDailyCost cpuCost30d currency clusterId namespaceId } } }`);
    expect(result.namespaceCosts.nodes.slice(0, 2)).toEqual([
      { namespace: 'payments', clusterName: 'prod-eu', team: 'payments', costCenter: 'cc-1', daysWithCost: 2, cost30d: 7, averageDailyCost: 3.5, cpuCost30d: 3.5, currency: 'USD', clusterId: toGlobalId('Cluster', f.prod), namespaceId: toGlobalId('Namespace', f.ns.payments) },
      { namespace: 'web', clusterName: 'prod-eu', team: 'web', costCenter: 'cc-2', daysWithCost: 1, cost30d: 2, averageDailyCost: 2, cpuCost30d: 1, currency: 'USD', clusterId: toGlobalId('Cluster', f.prod), namespaceId: toGlobalId('Namespace', f.ns.web) },
    ]);
    // Live namespaces of the organisation, plus old-ns deleted "on 2026-01-01" (more than 30 days ago: left out).
    expect(result.namespaceCosts.totalCount).toBe(4);
  });

  test('filters by team and orders by name; a namespace exposes its own cost', async () => {
    const result = await data(db.dataSource, authFor(f.acme), `{ namespaceCosts(filter: { team: "payments" }, orderBy: { field: NAMESPACE, direction: ASC }) { nodes { namespace cost30d } }
      namespaces(filter: { names: ["web"] }) { nodes { cost { cost30d daysWithCost } } } }`);
    expect(result.namespaceCosts.nodes).toEqual([{ namespace: 'default', cost30d: 0 }, { namespace: 'payments', cost30d: 7 }]);
    expect(result.namespaces.nodes).toEqual([{ cost: { cost30d: 2, daysWithCost: 1 } }]);
  });
});

describe('costAllocations', () => {
  test('per team over a month (default grouping), highest first', async () => {
    expect(await allocations(`filter: { ${JAN} }`)).toEqual([
      { team: 'payments', namespace: null, clusterName: null, periodStart: null, totalCost: 31 },
      { team: 'web', namespace: null, clusterName: null, periodStart: null, totalCost: 7 },
    ]);
  });

  test('per namespace (with its cluster) and per day', async () => {
    expect(await allocations(`filter: { ${JAN} }, groupBy: [NAMESPACE, PERIOD], orderBy: { field: PERIOD_START, direction: ASC }`)).toEqual([
      { team: null, namespace: 'default', clusterName: 'dev-us', periodStart: day('2026-01-01'), totalCost: 1 },
      { team: null, namespace: 'payments', clusterName: 'prod-eu', periodStart: day('2026-01-01'), totalCost: 10 },
      { team: null, namespace: 'web', clusterName: 'prod-eu', periodStart: day('2026-01-01'), totalCost: 7 },
      { team: null, namespace: 'payments', clusterName: 'prod-eu', periodStart: day('2026-01-02'), totalCost: 20 },
    ]);
  });

  test('per team per month from the daily rows', async () => {
    expect(await allocations('filter: { from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z", granularity: MONTH, teams: ["payments"] }, groupBy: [TEAM, PERIOD], orderBy: { field: PERIOD_START, direction: ASC }')).toEqual([
      { team: 'payments', namespace: null, clusterName: null, periodStart: day('2026-01-01'), totalCost: 31 },
      { team: 'payments', namespace: null, clusterName: null, periodStart: day('2026-02-01'), totalCost: 5 },
    ]);
  });

  test('hourly rows, cluster and cost-centre grouping, filters, efficiency and an ungrouped total', async () => {
    expect(await allocations(`filter: { ${JAN}, granularity: HOUR }, groupBy: [PERIOD], orderBy: { field: PERIOD_START, direction: DESC }`, 'periodStart totalCost granularity')).toEqual([
      { periodStart: new Date('2026-01-01T01:00:00Z'), totalCost: 0.25, granularity: 'HOUR' },
      { periodStart: new Date('2026-01-01T00:00:00Z'), totalCost: 0.5, granularity: 'HOUR' },
    ]);
    expect(await allocations(`filter: { ${JAN} }, groupBy: [CLUSTER]`, 'clusterId clusterName totalCost')).toEqual([
      { clusterId: toGlobalId('Cluster', f.prod), clusterName: 'prod-eu', totalCost: 37 },
      { clusterId: toGlobalId('Cluster', f.dev), clusterName: 'dev-us', totalCost: 1 },
    ]);
    expect(await allocations(`filter: { ${JAN} }, groupBy: [COST_CENTER], orderBy: { field: GROUP, direction: ASC }`, 'costCenter totalCost')).toEqual([
      { costCenter: '', totalCost: 1 },
      { costCenter: 'cc-1', totalCost: 30 },
      { costCenter: 'cc-2', totalCost: 7 },
    ]);
    expect(await allocations(`filter: { ${JAN}, namespaces: ["payments"], clusterIds: ["${toGlobalId('Cluster', f.prod)}"], costCenters: ["cc-1"] }, groupBy: []`, 'totalCost cpuCost memoryCost cpuCoreHours cpuEfficiency ramEfficiency currency')).toEqual([
      { totalCost: 30, cpuCost: 15, memoryCost: 15, cpuCoreHours: 30, cpuEfficiency: 15 / 20, ramEfficiency: 8 / 16, currency: 'USD' },
    ]);
  });

  test('pages through groups with cursors', async () => {
    const first = await data(db.dataSource, authFor(f.acme), `{ costAllocations(filter: { ${JAN} }, groupBy: [NAMESPACE, PERIOD], first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { totalCost } } }`);
    expect(first.costAllocations.totalCount).toBe(4);
    expect(first.costAllocations.nodes.map((n: any) => n.totalCost)).toEqual([20, 10, 7]);
    const rest = await data(db.dataSource, authFor(f.acme), `query($after: String) { costAllocations(filter: { ${JAN} }, groupBy: [NAMESPACE, PERIOD], first: 3, after: $after) { pageInfo { hasNextPage } nodes { totalCost } } }`, {
      variables: { after: first.costAllocations.pageInfo.endCursor },
    });
    expect(rest.costAllocations).toEqual({ pageInfo: { hasNextPage: false }, nodes: [{ totalCost: 1 }] });
  });

  test('bad ranges and repeated dimensions are refused', async () => {
    for (const [args, message] of [
      ['filter: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }', 'Argument "filter.to" must be later than "filter.from"'],
      ['filter: { from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", granularity: HOUR }', 'A HOUR cost range may span at most 93 days'],
      [`filter: { ${JAN} }, groupBy: [TEAM, TEAM]`, 'Argument "groupBy" names a dimension twice'],
      ['filter: { from: "0000-12-31T00:00:00Z", to: "0001-01-02T00:00:00Z" }', 'Argument "filter.from" must be between 0001-01-01 and 9999-12-31'],
    ]) {
      const result = await execute(db.dataSource, authFor(f.acme), `{ costAllocations(${args}) { totalCount } }`);
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0].message).toContain(message);
    }
  });
});

describe('setClusterPricing', () => {
  const SET = `mutation($id: ID!, $pricing: ClusterPricingInput) { setClusterPricing(clusterId: $id, pricing: $pricing) { name pricing { cpuCoreHour ramGiBHour storageGiBMonth egressZoneGiB egressRegionGiB egressInternetGiB currency isDefault } } }`;
  const prices = { cpuCoreHour: 0.05, ramGiBHour: 0.006, storageGiBMonth: 0.1, egressZoneGiB: 0.02, egressRegionGiB: 0.03, egressInternetGiB: 0.09, currency: 'EUR' };

  test('viewers and editors are refused, and nothing changes', async () => {
    for (const role of ['viewer', 'editor'] as const) {
      const result = await execute(db.dataSource, authFor(f.acme, role), SET, { variables: { id: toGlobalId('Cluster', f.dev), pricing: prices } });
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
    const [row] = await db.dataSource.query('SELECT pricing FROM k8s_clusters WHERE id = $1', [f.dev]);
    expect(row.pricing).toBeNull();
  });

  test('an admin sets prices; the cluster shows them; null returns to the defaults', async () => {
    const set = await data(db.dataSource, authFor(f.acme, 'admin'), SET, { variables: { id: toGlobalId('Cluster', f.dev), pricing: prices } });
    expect(set.setClusterPricing).toEqual({ name: 'dev-us', pricing: { ...prices, isDefault: false } });
    const read = await data(db.dataSource, authFor(f.acme), `query($id: ID!) { cluster(id: $id) { pricing { cpuCoreHour currency isDefault } } }`, { variables: { id: toGlobalId('Cluster', f.dev) } });
    expect(read.cluster.pricing).toEqual({ cpuCoreHour: 0.05, currency: 'EUR', isDefault: false });
    const reset = await data(db.dataSource, authFor(f.acme, 'admin'), SET, { variables: { id: toGlobalId('Cluster', f.dev), pricing: null } });
    expect(reset.setClusterPricing.pricing).toEqual({ cpuCoreHour: 0.031611, ramGiBHour: 0.004237, storageGiBMonth: 0.04, egressZoneGiB: 0.01, egressRegionGiB: 0.01, egressInternetGiB: 0.12, currency: 'USD', isDefault: true });
  });

  test('negative prices and bad currencies are refused, naming each problem, and nothing changes', async () => {
    const result = await execute(db.dataSource, authFor(f.acme, 'admin'), SET, {
      variables: { id: toGlobalId('Cluster', f.prod), pricing: { ...prices, cpuCoreHour: -1, egressInternetGiB: -0.5, currency: 'euro' } },
    });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].message).toBe(
      'Argument "pricing" is invalid: cpuCoreHour must not be negative (got -1); egressInternetGiB must not be negative (got -0.5); currency must be an ISO 4217 code such as USD (got "euro")',
    );
    const [row] = await db.dataSource.query('SELECT pricing FROM k8s_clusters WHERE id = $1', [f.prod]);
    expect(row.pricing).toBeNull();
    const wrongId = await execute(db.dataSource, authFor(f.acme, 'admin'), SET, { variables: { id: toGlobalId('Pod', f.pod.api1), pricing: prices } });
    expect(errorCodes(wrongId)).toEqual(['BAD_USER_INPUT']);
  });
});
