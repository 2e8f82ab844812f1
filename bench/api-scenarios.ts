/** The API benchmark's requests: what a dashboard asks, and a check that each response is complete. */

const CLUSTER_OVERVIEW = `query ClusterOverview {
  clusters(first: 20) { totalCount nodes { id name provider status statusMessage lastSyncAt podCount
    health { nodeCount readyNodeCount runningPodCount pendingPodCount failedPodCount deploymentCount healthyDeploymentCount cpuUtilization memoryUtilization hourlyCostEstimate }
    namespaces(first: 5, orderBy: { field: POD_COUNT, direction: DESC }) { totalCount nodes { name team podCount } } } }
}`;

const DRILL_DOWN = `query FourLevels {
  clusters(first: 20) { nodes { name status
    namespaces(first: 5) { totalCount nodes { name team
      deployments(first: 5) { totalCount nodes { name health desiredReplicas readyReplicas
        pods(first: 5) { totalCount nodes { name phase ready restartCount node { name zone ready } } } } } } } } }
}`;

const POD_TABLE = `query PodTable($filter: PodFilter) {
  pods(first: 100, filter: $filter, orderBy: { field: RESTART_COUNT, direction: DESC }) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id name namespaceName phase reason ready restartCount nodeName cpuRequestMillicores memoryRequestBytes createdAt
      deployment { name } cluster { name } } } }
}`;

/** The least a data request costs here (token, Apollo, one statement): no overview can be served faster. */
const FLOOR = `query Floor { clusters(first: 1) { nodes { name } } }`;

export interface Scenario {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  check(data: any): void;
}

/** Run like the others, and used to bound their ratios: what the lightest data request costs in each mode. */
export const FLOOR_SCENARIO: Scenario = { name: 'request floor (one cluster name, one statement)', query: FLOOR, check: (d) => assertEqual(d.clusters.nodes.length, 1) };

export const SCENARIOS: Scenario[] = [
  { name: 'cluster overview (20 clusters, health, top 5 namespaces)', query: CLUSTER_OVERVIEW, check: (d) => assertEqual(d.clusters.nodes.length, 20) },
  {
    name: 'four-level drill-down (20 × 5 × 5 × 5 = 2,500 pods with node)',
    query: DRILL_DOWN,
    check: (d) => assertEqual(d.clusters.nodes.flatMap((c: any) => c.namespaces.nodes.flatMap((n: any) => n.deployments.nodes.flatMap((x: any) => x.pods.nodes))).length, 2500),
  },
  { name: 'pod table page (100 of 20,000, filtered by phase)', query: POD_TABLE, variables: { filter: { phases: ['RUNNING'] } }, check: (d) => assertEqual(d.pods.edges.length, 100) },
  FLOOR_SCENARIO,
];

function assertEqual(actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`benchmark response check failed: expected ${expected}, got ${actual}`);
}

