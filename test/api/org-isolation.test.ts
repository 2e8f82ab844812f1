/** Every query is confined to the caller's organisation in SQL: another organisation's rows are absent and its ids NOT_FOUND or null. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toGlobalId } from '../../src/graphql/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { at, insertRows } from '../support/seed.js';
import { authFor, data, errorCodes, execute } from './support/api-context.js';
import { seedFixture, type Fixture } from './fixtures.js';

let db: TestDatabase;
let f: Fixture;

beforeAll(async () => {
  db = await createTestDatabase();
  f = await seedFixture(db.dataSource);
  const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
  await insertRows(db.dataSource, 'k8s_cost_attribution', [
    { cluster_id: f.prod, namespace: 'payments', team: 'payments', granularity: 'day', period_start: today, total_cost: 10, cpu_cost: 10 },
    { cluster_id: f.otherCluster, namespace: 'payments', team: 'payments', granularity: 'day', period_start: today, total_cost: 3, cpu_cost: 3 },
  ]);
  await insertRows(db.dataSource, 'k8s_resource_metrics', [
    { cluster_id: f.prod, level: 'pod', target_id: f.pod.api1, target_name: 'api-1', namespace: 'payments', cpu_usage_millicores: 100, collected_at: at(0) },
    { cluster_id: f.otherCluster, level: 'pod', target_id: f.pod.otherPod, target_name: 'api-1', namespace: 'payments', cpu_usage_millicores: 7, collected_at: at(0) },
  ]);
});

afterAll(async () => {
  await db?.drop();
});

const other = () => authFor(f.other, 'admin');

describe("another organisation's data", () => {
  test('lists show only the caller’s rows, even when asked for the other organisation’s clusters', async () => {
    const acmeProd = toGlobalId('Cluster', f.prod);
    const result = await data(db.dataSource, other(), `query($ids: [ID!]) {
      clusters { nodes { name namespaces { nodes { name deployments { nodes { name pods { nodes { name node { name } } } } } } } } }
      pods { nodes { name } } deployments { nodes { name } } namespaces { nodes { name } } clusterNodes { nodes { name } } helmReleases { nodes { name } }
      byId: pods(filter: { clusterIds: $ids }) { totalCount } health: clusterHealth(clusterIds: $ids) { nodes { clusterName } } allHealth: clusterHealth { nodes { clusterName } }
      namespaceCosts { nodes { namespace cost30d } }
      costAllocations(filter: { from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z", granularity: MONTH }) { nodes { team totalCost } }
    }`, { variables: { ids: [acmeProd] } });
    expect(result).toEqual({
      clusters: { nodes: [{ name: 'prod-eu', namespaces: { nodes: [{ name: 'payments', deployments: { nodes: [{ name: 'api', pods: { nodes: [{ name: 'api-1', node: { name: 'n1' } }] } }] } }] } }] },
      pods: { nodes: [{ name: 'api-1' }] },
      deployments: { nodes: [{ name: 'api' }] },
      namespaces: { nodes: [{ name: 'payments' }] },
      clusterNodes: { nodes: [{ name: 'n1' }] },
      helmReleases: { nodes: [{ name: 'api' }] },
      byId: { totalCount: 0 },
      health: { nodes: [] },
      allHealth: { nodes: [{ clusterName: 'prod-eu' }] },
      namespaceCosts: { nodes: [{ namespace: 'payments', cost30d: 3 }] },
      costAllocations: { nodes: [{ team: 'payments', totalCost: 3 }] },
    });
  });

  test('node(id:) and nodes(ids:) answer null for every type of the other organisation', async () => {
    const ids = [
      toGlobalId('Cluster', f.prod),
      toGlobalId('Namespace', f.ns.payments),
      toGlobalId('Deployment', f.dep.api),
      toGlobalId('Pod', f.pod.api1),
      toGlobalId('ClusterNode', f.node.n1),
      toGlobalId('HelmRelease', f.helm.apiChart),
    ];
    for (const id of ids) {
      const one = await data(db.dataSource, other(), `query($id: ID!) { node(id: $id) { id } }`, { variables: { id } });
      expect(one.node, id).toBeNull();
    }
    const many = await data(db.dataSource, other(), `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { variables: { ids } });
    expect(many.nodes).toEqual(ids.map(() => null));
    // The caller's own objects resolve, so the nulls above are not a broken lookup.
    const own = await data(db.dataSource, other(), `query($id: ID!) { node(id: $id) { id } }`, { variables: { id: toGlobalId('Pod', f.pod.otherPod) } });
    expect(own.node).toEqual({ id: toGlobalId('Pod', f.pod.otherPod) });
  });

  test('cluster(id:), metrics and setClusterPricing answer NOT_FOUND and change nothing', async () => {
    const cluster = await execute(db.dataSource, other(), `query($id: ID!) { cluster(id: $id) { name } }`, { variables: { id: toGlobalId('Cluster', f.prod) } });
    expect(errorCodes(cluster)).toEqual(['NOT_FOUND']);
    const metrics = await execute(db.dataSource, other(), `query($id: ID!) { metrics(level: POD, targetId: $id, from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z", step: "1h") { sampleCount } }`, {
      variables: { id: toGlobalId('Pod', f.pod.api1) },
    });
    expect(errorCodes(metrics)).toEqual(['NOT_FOUND']);
    const ownMetrics = await data(db.dataSource, other(), `query($id: ID!) { metrics(level: POD, targetId: $id, from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z", step: "1h") { sampleCount cpuAvgMillicores } }`, {
      variables: { id: toGlobalId('Pod', f.pod.otherPod) },
    });
    expect(ownMetrics.metrics).toEqual([{ sampleCount: 1, cpuAvgMillicores: 7 }]);
    const pricing = await execute(db.dataSource, other(), `mutation($id: ID!) { setClusterPricing(clusterId: $id, pricing: { cpuCoreHour: 1, ramGiBHour: 1, storageGiBMonth: 1, egressZoneGiB: 1, egressRegionGiB: 1, egressInternetGiB: 1 }) { name } }`, {
      variables: { id: toGlobalId('Cluster', f.prod) },
    });
    expect(errorCodes(pricing)).toEqual(['NOT_FOUND']);
    const [row] = await db.dataSource.query('SELECT pricing FROM k8s_clusters WHERE id = $1', [f.prod]);
    expect(row.pricing).toBeNull();
  });

  test('without a token every query answers UNAUTHENTICATED', async () => {
    const queries = [
      '{ clusters { totalCount } }',
      `{ cluster(id: "${toGlobalId('Cluster', f.prod)}") { name } }`,
      '{ pods { totalCount } }',
      '{ deployments { totalCount } }',
      '{ namespaces { totalCount } }',
      '{ clusterNodes { totalCount } }',
      '{ helmReleases { totalCount } }',
      '{ clusterHealth { totalCount } }',
      '{ namespaceCosts { totalCount } }',
      '{ costAllocations(filter: { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }) { totalCount } }',
      `{ metrics(level: POD, targetId: "${toGlobalId('Pod', f.pod.api1)}", from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z") { sampleCount } }`,
      `{ node(id: "${toGlobalId('Pod', f.pod.api1)}") { id } }`,
    ];
    for (const query of queries) {
      const result = await execute(db.dataSource, null, query);
      expect(errorCodes(result), query).toEqual(['UNAUTHENTICATED']);
    }
  });
});
