/** Every inventory query, filter and ordering, and navigation in both directions, over real PostgreSQL. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getNamedType, isLeafType, isObjectType, type GraphQLObjectType } from 'graphql';
import { toGlobalId } from '../../src/graphql/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { apiSchema, authFor, data, errorCodes, execute } from './support/api-context.js';
import { seedFixture, type Fixture } from './fixtures.js';

let db: TestDatabase;
let f: Fixture;

beforeAll(async () => {
  db = await createTestDatabase();
  f = await seedFixture(db.dataSource);
});

afterAll(async () => {
  await db?.drop();
});

const acme = () => authFor(f.acme);

async function names(field: string, args = '', extra = ''): Promise<string[]> {
  const result = await data<Record<string, { nodes: Array<{ name: string }> }>>(db.dataSource, acme(), `{ ${field}${args ? `(${args})` : ''} { nodes { name ${extra} } } }`);
  return result[field].nodes.map((n) => n.name);
}

describe('clusters', () => {
  test('lists the organisation’s clusters by name, with counts and the default prices', async () => {
    const result = await data(db.dataSource, acme(), `{ clusters { totalCount nodes { id name provider status nodeCount podCount labels pricing { cpuCoreHour ramGiBHour currency isDefault } } } }`);
    expect(result.clusters.totalCount).toBe(2);
    expect(result.clusters.nodes.map((c: any) => c.name)).toEqual(['dev-us', 'prod-eu']);
    const prod = result.clusters.nodes[1];
    expect(prod).toMatchObject({ id: toGlobalId('Cluster', f.prod), provider: 'EKS', status: 'HEALTHY', nodeCount: 2, podCount: 4, labels: { env: 'prod', region: 'eu' } });
    expect(prod.pricing).toEqual({ cpuCoreHour: 0.031611, ramGiBHour: 0.004237, currency: 'USD', isDefault: true });
  });

  test('filters by status, provider, label selector and name', async () => {
    expect(await names('clusters', 'filter: { statuses: [UNREACHABLE] }')).toEqual(['dev-us']);
    expect(await names('clusters', 'filter: { providers: [EKS, GKE] }')).toEqual(['prod-eu']);
    expect(await names('clusters', 'filter: { labelSelector: "env in (prod,staging),region" }')).toEqual(['prod-eu']);
    expect(await names('clusters', 'filter: { labelSelector: "env!=prod" }')).toEqual(['dev-us']);
    expect(await names('clusters', 'filter: { search: "EU" }')).toEqual(['prod-eu']);
  });

  test('orders by name, creation, last seen and pod count in both directions', async () => {
    expect(await names('clusters', 'orderBy: { field: NAME, direction: DESC }')).toEqual(['prod-eu', 'dev-us']);
    expect(await names('clusters', 'orderBy: { field: CREATED_AT }')).toEqual(['prod-eu', 'dev-us']);
    expect(await names('clusters', 'orderBy: { field: LAST_SEEN_AT, direction: DESC }')).toEqual(['prod-eu', 'dev-us']);
    expect(await names('clusters', 'orderBy: { field: POD_COUNT }')).toEqual(['dev-us', 'prod-eu']);
  });

  test('an unreachable cluster still answers from the database and says why', async () => {
    const result = await data(db.dataSource, acme(), `query($id: ID!) { cluster(id: $id) { name status statusMessage lastSeenAt health { status statusMessage podCount nodeCount }
      namespaces { nodes { name pods { nodes { name phase } } } } } }`, { variables: { id: toGlobalId('Cluster', f.dev) } });
    expect(result.cluster).toEqual({
      name: 'dev-us',
      status: 'UNREACHABLE',
      statusMessage: 'connect ECONNREFUSED 10.0.0.1:6443',
      lastSeenAt: new Date('2026-01-01T00:50:00.000Z'),
      health: { status: 'UNREACHABLE', statusMessage: 'connect ECONNREFUSED 10.0.0.1:6443', podCount: 1, nodeCount: 1 },
      namespaces: { nodes: [{ name: 'default', pods: { nodes: [{ name: 'hello-1', phase: 'RUNNING' }] } }] },
    });
  });

  test('cluster(id:) refuses an id of another type and answers NOT_FOUND for an unknown id', async () => {
    const wrongType = await execute(db.dataSource, acme(), `{ cluster(id: "${toGlobalId('Pod', f.pod.api1)}") { name } }`);
    expect(errorCodes(wrongType)).toEqual(['BAD_USER_INPUT']);
    const unknown = await execute(db.dataSource, acme(), `{ cluster(id: "${toGlobalId('Cluster', '00000000-0000-4000-8000-000000000001')}") { name } }`);
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
  });

  test('health aggregates nodes, deployments, pods and usage from the view', async () => {
    const result = await data(db.dataSource, acme(), `{ clusterHealth { totalCount nodes { clusterId clusterName nodeCount readyNodeCount deploymentCount healthyDeploymentCount podCount runningPodCount pendingPodCount failedPodCount cpuCapacityMillicores cpuUsageMillicores cpuUtilization memoryUsageBytes } } }`);
    expect(result.clusterHealth.totalCount).toBe(2);
    expect(result.clusterHealth.nodes.map((h: any) => h.clusterName)).toEqual(['dev-us', 'prod-eu']);
    expect(result.clusterHealth.nodes[1]).toEqual({
      clusterId: toGlobalId('Cluster', f.prod),
      clusterName: 'prod-eu',
      nodeCount: 2,
      readyNodeCount: 1,
      deploymentCount: 3,
      healthyDeploymentCount: 1,
      podCount: 4,
      runningPodCount: 3,
      pendingPodCount: 1,
      failedPodCount: 0,
      cpuCapacityMillicores: 12000,
      cpuUsageMillicores: 2000,
      cpuUtilization: 2000 / 12000,
      memoryUsageBytes: 3 * 1024 ** 3,
    });
    const one = await data(db.dataSource, acme(), `query($ids: [ID!]) { clusterHealth(clusterIds: $ids) { nodes { clusterName } } }`, { variables: { ids: [toGlobalId('Cluster', f.dev)] } });
    expect(one.clusterHealth.nodes).toEqual([{ clusterName: 'dev-us' }]);
  });
});

describe('pods', () => {
  test('live pods of the organisation by name; deleted ones on request', async () => {
    expect(await names('pods')).toEqual(['api-1', 'api-2', 'frontend-1', 'hello-1', 'worker-1']);
    expect(await names('pods', 'filter: { includeDeleted: true }')).toEqual(['api-1', 'api-2', 'frontend-1', 'hello-1', 'old-1', 'worker-1']);
  });

  test('each filter narrows the list', async () => {
    expect(await names('pods', `filter: { clusterIds: ["${toGlobalId('Cluster', f.dev)}"] }`)).toEqual(['hello-1']);
    expect(await names('pods', 'filter: { namespaces: ["web", "default"] }')).toEqual(['frontend-1', 'hello-1']);
    expect(await names('pods', `filter: { deploymentIds: ["${toGlobalId('Deployment', f.dep.api)}"] }`)).toEqual(['api-1', 'api-2']);
    expect(await names('pods', 'filter: { phases: [PENDING] }')).toEqual(['worker-1']);
    expect(await names('pods', 'filter: { ready: false }')).toEqual(['api-2', 'worker-1']);
    expect(await names('pods', 'filter: { labelSelector: "tier=backend,!canary" }')).toEqual(['api-1', 'worker-1']);
    expect(await names('pods', 'filter: { labelSelector: "app notin (api,worker)" }')).toEqual(['frontend-1', 'hello-1']);
    expect(await names('pods', 'filter: { nodeName: "n1" }')).toEqual(['api-1', 'frontend-1']);
    expect(await names('pods', 'filter: { team: "payments" }')).toEqual(['api-1', 'api-2', 'hello-1', 'worker-1']);
    expect(await names('pods', 'filter: { search: "API" }')).toEqual(['api-1', 'api-2']);
    expect(await names('pods', 'filter: { team: "payments", phases: [RUNNING], ready: true, clusterIds: [] }')).toEqual([]);
    expect(await names('pods', 'filter: { team: "payments", phases: [RUNNING], ready: true }')).toEqual(['api-1', 'hello-1']);
  });

  test('search matches % and _ literally', async () => {
    expect(await names('pods', 'filter: { search: "%" }')).toEqual([]);
    expect(await names('pods', 'filter: { search: "api_" }')).toEqual([]);
    expect(await names('pods', 'filter: { search: "-" }')).toHaveLength(5);
  });

  test('orders by restarts, creation, namespace, cpu and memory requests, phase', async () => {
    expect(await names('pods', 'orderBy: { field: RESTART_COUNT, direction: DESC }, first: 2')).toEqual(['api-2', 'frontend-1']);
    expect(await names('pods', 'orderBy: { field: CREATED_AT, direction: DESC }')).toEqual(['hello-1', 'frontend-1', 'worker-1', 'api-2', 'api-1']);
    expect(await names('pods', 'orderBy: { field: NAMESPACE }')).toEqual(['hello-1', 'api-1', 'api-2', 'worker-1', 'frontend-1']);
    expect(await names('pods', 'orderBy: { field: CPU_REQUEST, direction: DESC }, first: 3')).toEqual(['worker-1', 'api-2', 'api-1']);
    expect(await names('pods', 'orderBy: { field: MEMORY_REQUEST, direction: DESC }, first: 2')).toEqual(['api-1', 'api-2']);
    expect(await names('pods', 'orderBy: { field: PHASE }, first: 1')).toEqual(['worker-1']);
  });

  test('a pod shows its containers, units and links upwards to deployment, namespace, cluster and node', async () => {
    const result = await data(db.dataSource, acme(), `query($id: ID!) { node(id: $id) { ... on Pod { name phase ready reason restartCount cpuRequestMillicores cpuRequestCores memoryRequestBytes
      containers { name state reason restartCount lastTerminationReason lastTerminationExitCode }
      deployment { name } namespace { name team } cluster { name } node { name ready } } } }`, { variables: { id: toGlobalId('Pod', f.pod.api2) } });
    expect(result.node).toEqual({
      name: 'api-2',
      phase: 'RUNNING',
      ready: false,
      reason: 'CrashLoopBackOff',
      restartCount: 5,
      cpuRequestMillicores: 500,
      cpuRequestCores: 0.5,
      memoryRequestBytes: 256 * 1024 ** 2,
      containers: [{ name: 'app', state: 'waiting', reason: 'CrashLoopBackOff', restartCount: 5, lastTerminationReason: 'OOMKilled', lastTerminationExitCode: 137 }],
      deployment: { name: 'api' },
      namespace: { name: 'payments', team: 'payments' },
      cluster: { name: 'prod-eu' },
      node: { name: 'n2', ready: false },
    });
    const unscheduled = await data(db.dataSource, acme(), `query($id: ID!) { node(id: $id) { ... on Pod { node { name } } } }`, { variables: { id: toGlobalId('Pod', f.pod.worker1) } });
    expect(unscheduled.node).toEqual({ node: null });
  });

  test('pods listed with their node get the same node as each pod alone, at every level and under aliases', async () => {
    const one = async (id: string) =>
      (await data(db.dataSource, acme(), `query($id: ID!) { node(id: $id) { ... on Pod { name node { name zone ready } } } }`, { variables: { id } })).node;
    const listed = await data(db.dataSource, acme(), `{
      pods(filter: { includeDeleted: true }) { nodes { id name node { name zone ready } } }
      clusters { nodes { namespaces { nodes { deployments { nodes { pods { nodes { id node { name } } } } } } } } }
      bare: pods(filter: { includeDeleted: true }) { nodes { id name } }
      again: pods(filter: { includeDeleted: true }) { nodes { id name node { name } } } }`);
    const pods: Array<{ id: string; name: string; node: { name: string } | null }> = listed.pods.nodes;
    // Nodes shared by several pods, in two clusters, and a pod not scheduled at all.
    expect(pods.map((p) => p.node?.name ?? null)).toEqual(expect.arrayContaining(['n1', 'n2', 'dev-node', null]));
    for (const pod of pods) expect({ name: pod.name, node: pod.node }).toEqual(await one(pod.id));
    const nodeOf = new Map(pods.map((p) => [p.id, p.node?.name ?? null]));
    const nested = listed.clusters.nodes.flatMap((c: any) => c.namespaces.nodes.flatMap((n: any) => n.deployments.nodes.flatMap((d: any) => d.pods.nodes)));
    expect(nested.length).toBeGreaterThan(0);
    for (const pod of [...nested, ...listed.again.nodes]) expect(pod.node?.name ?? null).toBe(nodeOf.get(pod.id));
    expect(listed.bare.nodes).toHaveLength(pods.length);
  });
});

describe('deployments', () => {
  test('filters by health, label selector, team, namespace, name and deletion', async () => {
    expect(await names('deployments')).toEqual(['api', 'frontend', 'hello', 'worker']);
    expect(await names('deployments', 'filter: { health: [DEGRADED, PROGRESSING] }')).toEqual(['api', 'frontend']);
    expect(await names('deployments', 'filter: { labelSelector: "tier" }')).toEqual(['api', 'frontend', 'worker']);
    expect(await names('deployments', 'filter: { team: "web", includeDeleted: true }')).toEqual(['frontend', 'old']);
    expect(await names('deployments', 'filter: { namespaces: ["payments"] }')).toEqual(['api', 'worker']);
    expect(await names('deployments', 'filter: { search: "end" }')).toEqual(['frontend']);
    expect(await names('deployments', `filter: { clusterIds: ["${toGlobalId('Cluster', f.prod)}"] }, orderBy: { field: DESIRED_REPLICAS, direction: DESC }`)).toEqual(['frontend', 'api', 'worker']);
    expect(await names('deployments', 'orderBy: { field: UNAVAILABLE_REPLICAS, direction: DESC }, first: 1')).toEqual(['api']);
    expect(await names('deployments', 'orderBy: { field: HEALTH }')).toEqual(['api', 'hello', 'worker', 'frontend']);
  });

  test('a deployment lists its pods and links to its namespace and cluster', async () => {
    const result = await data(db.dataSource, acme(), `{ deployments(filter: { namespaces: ["payments"] }) { nodes { name health desiredReplicas readyReplicas maxSurge containers { name cpuRequestMillicores memoryLimitBytes }
      namespace { name } cluster { name } pods(orderBy: { field: NAME, direction: DESC }) { totalCount nodes { name } } } } }`);
    expect(result.deployments.nodes).toEqual([
      { name: 'api', health: 'DEGRADED', desiredReplicas: 2, readyReplicas: 1, maxSurge: '25%', containers: [{ name: 'app', cpuRequestMillicores: 100, memoryLimitBytes: 268435456 }], namespace: { name: 'payments' }, cluster: { name: 'prod-eu' }, pods: { totalCount: 2, nodes: [{ name: 'api-2' }, { name: 'api-1' }] } },
      { name: 'worker', health: 'HEALTHY', desiredReplicas: 1, readyReplicas: 1, maxSurge: '25%', containers: [{ name: 'app', cpuRequestMillicores: 100, memoryLimitBytes: 268435456 }], namespace: { name: 'payments' }, cluster: { name: 'prod-eu' }, pods: { totalCount: 1, nodes: [{ name: 'worker-1' }] } },
    ]);
  });
});

describe('namespaces', () => {
  test('filters by team, cost centre, labels, names, search and deletion; orders by team and pod count', async () => {
    expect(await names('namespaces')).toEqual(['default', 'kube-system', 'payments', 'web']);
    expect(await names('namespaces', 'filter: { team: "payments" }')).toEqual(['default', 'payments']);
    expect(await names('namespaces', 'filter: { costCenter: "cc-2" }')).toEqual(['web']);
    expect(await names('namespaces', 'filter: { labelSelector: "env=prod" }')).toEqual(['payments', 'web']);
    expect(await names('namespaces', 'filter: { names: ["web", "old-ns"], includeDeleted: true }')).toEqual(['old-ns', 'web']);
    expect(await names('namespaces', 'filter: { search: "SYS" }')).toEqual(['kube-system']);
    expect(await names('namespaces', 'orderBy: { field: TEAM }')).toEqual(['kube-system', 'default', 'payments', 'web']);
    expect(await names('namespaces', 'orderBy: { field: POD_COUNT, direction: DESC }, first: 1')).toEqual(['payments']);
  });

  test('a namespace lists its deployments, pods and Helm releases and links to its cluster', async () => {
    const result = await data(db.dataSource, acme(), `{ namespaces(filter: { names: ["web"] }) { nodes { name team costCenter cluster { name }
      deployments { totalCount nodes { name } } pods { nodes { name } } helmReleases(filter: { includeDeleted: true }) { nodes { name status } } } } }`);
    expect(result.namespaces.nodes).toEqual([
      { name: 'web', team: 'web', costCenter: 'cc-2', cluster: { name: 'prod-eu' }, deployments: { totalCount: 1, nodes: [{ name: 'frontend' }] }, pods: { nodes: [{ name: 'frontend-1' }] }, helmReleases: { nodes: [{ name: 'frontend', status: 'failed' }, { name: 'removed', status: 'uninstalled' }] } },
    ]);
  });
});

describe('cluster nodes', () => {
  test('filters by readiness, cordon, zone, instance type, labels and deletion', async () => {
    expect(await names('clusterNodes')).toEqual(['dev-node', 'n1', 'n2']);
    expect(await names('clusterNodes', 'filter: { ready: false }')).toEqual(['n2']);
    expect(await names('clusterNodes', 'filter: { unschedulable: false }')).toEqual(['dev-node', 'n1']);
    expect(await names('clusterNodes', 'filter: { zones: ["eu-west-1b"] }')).toEqual(['n2']);
    expect(await names('clusterNodes', 'filter: { instanceTypes: ["m5.xlarge"] }')).toEqual(['n2']);
    expect(await names('clusterNodes', 'filter: { labelSelector: "node-role.kubernetes.io/worker" }')).toEqual(['n1']);
    expect(await names('clusterNodes', `filter: { includeDeleted: true, clusterIds: ["${toGlobalId('Cluster', f.prod)}"] }`)).toEqual(['n-old', 'n1', 'n2']);
    expect(await names('clusterNodes', 'orderBy: { field: CPU_CAPACITY, direction: DESC }, first: 1')).toEqual(['n2']);
    expect(await names('clusterNodes', 'orderBy: { field: CPU_USAGE, direction: DESC }, first: 1')).toEqual(['n1']);
  });

  test('cluster → nodes → pods, with usage in cores and bytes', async () => {
    const result = await data(db.dataSource, acme(), `query($id: ID!) { cluster(id: $id) { nodes { totalCount nodes { name cpuCapacityCores cpuUsageMillicores cpuUsageCores memoryUsageBytes cluster { name } pods { totalCount nodes { name } } } } } }`, {
      variables: { id: toGlobalId('Cluster', f.prod) },
    });
    expect(result.cluster.nodes).toEqual({
      totalCount: 2,
      nodes: [
        { name: 'n1', cpuCapacityCores: 4, cpuUsageMillicores: 1500, cpuUsageCores: 1.5, memoryUsageBytes: 2 * 1024 ** 3, cluster: { name: 'prod-eu' }, pods: { totalCount: 2, nodes: [{ name: 'api-1' }, { name: 'frontend-1' }] } },
        { name: 'n2', cpuCapacityCores: 8, cpuUsageMillicores: 500, cpuUsageCores: 0.5, memoryUsageBytes: 1024 ** 3, cluster: { name: 'prod-eu' }, pods: { totalCount: 1, nodes: [{ name: 'api-2' }] } },
      ],
    });
  });
});

describe('Helm releases', () => {
  test('filters by status, chart, namespace and deletion; per cluster and per namespace', async () => {
    expect(await names('helmReleases')).toEqual(['api', 'frontend']);
    expect(await names('helmReleases', 'filter: { statuses: ["failed"] }')).toEqual(['frontend']);
    expect(await names('helmReleases', 'filter: { chartName: "api-chart" }')).toEqual(['api']);
    expect(await names('helmReleases', 'filter: { namespaces: ["web"], includeDeleted: true }')).toEqual(['frontend', 'removed']);
    expect(await names('helmReleases', 'orderBy: { field: LAST_DEPLOYED_AT, direction: DESC }')).toEqual(['api', 'frontend']);
    const result = await data(db.dataSource, acme(), `query($id: ID!) { cluster(id: $id) { helmReleases { nodes { name revision chartName values namespace { name } cluster { name } } } } }`, {
      variables: { id: toGlobalId('Cluster', f.prod) },
    });
    expect(result.cluster.helmReleases.nodes).toEqual([
      { name: 'api', revision: 3, chartName: 'api-chart', values: { replicas: 2 }, namespace: { name: 'payments' }, cluster: { name: 'prod-eu' } },
      { name: 'frontend', revision: 1, chartName: 'frontend-chart', values: {}, namespace: { name: 'web' }, cluster: { name: 'prod-eu' } },
    ]);
  });
});

describe('Relay node lookups', () => {
  test('node(id:) and nodes(ids:) resolve every inventory type', async () => {
    const ids = [
      toGlobalId('Cluster', f.prod),
      toGlobalId('Namespace', f.ns.web),
      toGlobalId('Deployment', f.dep.frontend),
      toGlobalId('Pod', f.pod.frontend1),
      toGlobalId('ClusterNode', f.node.n1),
      toGlobalId('HelmRelease', f.helm.apiChart),
      toGlobalId('Pod', '00000000-0000-4000-8000-000000000002'),
    ];
    const result = await data(db.dataSource, acme(), `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Cluster { name } ... on Namespace { name } ... on Deployment { name } ... on Pod { name } ... on ClusterNode { name } ... on HelmRelease { name } } }`, {
      variables: { ids },
    });
    expect(result.nodes).toEqual([
      { __typename: 'Cluster', id: ids[0], name: 'prod-eu' },
      { __typename: 'Namespace', id: ids[1], name: 'web' },
      { __typename: 'Deployment', id: ids[2], name: 'frontend' },
      { __typename: 'Pod', id: ids[3], name: 'frontend-1' },
      { __typename: 'ClusterNode', id: ids[4], name: 'n1' },
      { __typename: 'HelmRelease', id: ids[5], name: 'api' },
      null,
    ]);
  });
});

describe('column projection', () => {
  /** Every field of a type that is data rather than a relation, with sub-selections for value objects. */
  function dataFields(type: GraphQLObjectType): string {
    return Object.values(type.getFields())
      .filter((f) => f.args.length === 0)
      .map((f) => {
        const named = getNamedType(f.type);
        if (isLeafType(named)) return f.name;
        if (isObjectType(named) && !named.getInterfaces().some((i) => i.name === 'Node')) return `${f.name} { ${dataFields(named)} }`;
        return '';
      })
      .filter(Boolean)
      .join(' ');
  }

  test.each([
    ['Pod', 'pods', 'filter: { includeDeleted: true }'],
    ['Deployment', 'deployments', 'filter: { includeDeleted: true }'],
    ['Namespace', 'namespaces', 'filter: { includeDeleted: true }'],
    ['ClusterNode', 'clusterNodes', 'filter: { includeDeleted: true }'],
  ])('%s: every field read through a list equals the same field read by id (whole row)', async (typeName, list, args) => {
    const schema = await apiSchema();
    const fields = dataFields(schema.getType(typeName) as GraphQLObjectType);
    const listed = await data(db.dataSource, acme(), `{ ${list}(${args}) { nodes { ${fields} } } }`);
    const nodes = listed[list].nodes as Array<{ id: string }>;
    expect(nodes.length).toBeGreaterThan(2);
    const byId = await data(db.dataSource, acme(), `query($ids: [ID!]!) { nodes(ids: $ids) { ... on ${typeName} { ${fields} } } }`, { variables: { ids: nodes.map((n) => n.id) } });
    expect(nodes).toEqual(byId.nodes);
  });

  test('a list that selects only relations reads their link columns: every link equals the one read by id', async () => {
    const links = 'cluster { name } namespace { name } deployment { name } node { name }';
    const listed = await data(db.dataSource, acme(), `{ pods(filter: { includeDeleted: true }) { nodes { id ${links} } } }`);
    const nodes = listed.pods.nodes as Array<{ id: string; deployment: unknown; node: unknown }>;
    expect(nodes.some((n) => n.deployment !== null) && nodes.some((n) => n.node !== null)).toBe(true);
    const byId = await data(db.dataSource, acme(), `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Pod { id ${links} } } }`, { variables: { ids: nodes.map((n) => n.id) } });
    expect(nodes).toEqual(byId.nodes);
    const deployments = await data(db.dataSource, acme(), `{ deployments(filter: { includeDeleted: true }) { nodes { cluster { name } namespace { name } } } }`);
    expect(deployments.deployments.nodes.every((d: any) => d.cluster.name && d.namespace?.name)).toBe(true);
  });
});

