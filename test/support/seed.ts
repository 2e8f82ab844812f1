/**
 * Bulk seeding of organisations, clusters and inventory rows straight into PostgreSQL, for API tests
 * and benchmarks. Rows are snake_case column maps; each `*Row` helper fills what the schema requires
 * and the caller overrides what the test is about.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

export type SeedRow = Record<string, unknown>;

/** Largest number of bind parameters per INSERT (PostgreSQL allows 65535). */
const MAX_PARAMS = 60_000;

function toParam(value: unknown): unknown {
  // node-postgres turns JS arrays into PostgreSQL arrays; jsonb columns want JSON text.
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

/** Inserts rows in as few statements as fit (a column a row lacks gets its DEFAULT); returns their ids in order. */
export async function insertRows(ds: DataSource, table: string, rows: readonly SeedRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const ids: string[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = columns.map((c) => {
        if (!(c in row)) return 'DEFAULT';
        params.push(toParam(row[c]));
        return `$${params.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const result: Array<{ id: string }> = await ds.query(
      `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')} RETURNING id`,
      params,
    );
    ids.push(...result.map((r) => r.id));
  }
  return ids;
}

export async function insertOrganization(ds: DataSource, name: string): Promise<string> {
  const [id] = await insertRows(ds, 'organizations', [{ name }]);
  return id;
}

const BASE_TIME = Date.parse('2026-01-01T00:00:00Z');

/** A deterministic timestamp `minutes` after 2026-01-01T00:00Z. */
export function at(minutes: number): Date {
  return new Date(BASE_TIME + minutes * 60_000);
}

export function clusterRow(o: SeedRow & { organization_id: string; name: string }): SeedRow {
  return {
    provider: 'kind',
    api_server_url: 'https://127.0.0.1:6443',
    kubernetes_version: 'v1.30.2',
    status: 'healthy',
    status_message: null,
    last_seen_at: at(0),
    node_count: 0,
    pod_count: 0,
    cpu_capacity_millicores: 0,
    memory_capacity_bytes: 0,
    labels: {},
    ...o,
  };
}

export function namespaceRow(o: SeedRow & { cluster_id: string; name: string }): SeedRow {
  return { uid: randomUUID(), phase: 'Active', labels: {}, annotations: {}, team: null, cost_center: null, pod_count: 0, created_at: at(0), ...o };
}

export function nodeRow(o: SeedRow & { cluster_id: string; name: string }): SeedRow {
  return {
    uid: randomUUID(),
    instance_type: 'm5.large',
    region: 'eu-west-1',
    zone: 'eu-west-1a',
    cpu_capacity_millicores: 4000,
    memory_capacity_bytes: 16 * 1024 ** 3,
    pods_capacity: 110,
    cpu_allocatable_millicores: 3800,
    memory_allocatable_bytes: 15 * 1024 ** 3,
    pods_allocatable: 110,
    cpu_usage_millicores: 1000,
    memory_usage_bytes: 4 * 1024 ** 3,
    labels: {},
    ready: true,
    unschedulable: false,
    kubelet_version: 'v1.30.2',
    operating_system: 'linux',
    architecture: 'amd64',
    created_at: at(0),
    ...o,
  };
}

export function deploymentRow(o: SeedRow & { cluster_id: string; namespace_id: string; namespace: string; name: string }): SeedRow {
  return {
    uid: randomUUID(),
    desired_replicas: 1,
    ready_replicas: 1,
    available_replicas: 1,
    updated_replicas: 1,
    unavailable_replicas: 0,
    strategy: 'RollingUpdate',
    max_surge: '25%',
    max_unavailable: '25%',
    containers: [{ name: 'app', image: 'nginx:1.27', cpuRequestMillicores: 100, cpuLimitMillicores: 500, memoryRequestBytes: 134217728, memoryLimitBytes: 268435456 }],
    selector: { matchLabels: { app: o.name } },
    labels: { app: o.name },
    health: 'healthy',
    generation: 1,
    observed_generation: 1,
    created_at: at(0),
    ...o,
  };
}

/** A k8s_workloads row (StatefulSet, DaemonSet, Job or CronJob); the status columns of other kinds stay null. */
export function workloadRow(o: SeedRow & { cluster_id: string; kind: 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob'; namespace: string; name: string }): SeedRow {
  return {
    namespace_id: null,
    uid: randomUUID(),
    labels: {},
    selector: {},
    containers: [{ name: 'app', image: 'nginx:1.27', cpuRequestMillicores: 100, cpuLimitMillicores: 500, memoryRequestBytes: 134217728, memoryLimitBytes: 268435456 }],
    health: 'healthy',
    created_at: at(0),
    deleted_at: null,
    ...o,
  };
}

export function podRow(o: SeedRow & { cluster_id: string; namespace: string; name: string }): SeedRow {
  return {
    namespace_id: null,
    deployment_id: null,
    uid: randomUUID(),
    owner_kind: 'ReplicaSet',
    owner_name: `${o.name}-rs`,
    node_name: null,
    phase: 'Running',
    reason: null,
    qos_class: 'Burstable',
    ready: true,
    restart_count: 0,
    container_statuses: [{ name: 'app', image: 'nginx:1.27', ready: true, restartCount: 0, state: 'running', reason: null, exitCode: null, startedAt: '2026-01-01T00:00:00.000Z', lastTerminationReason: null, lastTerminationExitCode: null, lastTerminatedAt: null }],
    containers: [{ name: 'app', image: 'nginx:1.27', cpuRequestMillicores: 100, cpuLimitMillicores: 500, memoryRequestBytes: 134217728, memoryLimitBytes: 268435456 }],
    cpu_request_millicores: 100,
    cpu_limit_millicores: 500,
    memory_request_bytes: 134217728,
    memory_limit_bytes: 268435456,
    labels: {},
    started_at: at(1),
    created_at: at(0),
    deleted_at: null,
    ...o,
  };
}

export function helmReleaseRow(o: SeedRow & { cluster_id: string; namespace: string; name: string }): SeedRow {
  return {
    namespace_id: null,
    revision: 1,
    status: 'deployed',
    chart_name: o.name,
    chart_version: '1.0.0',
    app_version: '1.0.0',
    values: {},
    first_deployed_at: at(0),
    last_deployed_at: at(0),
    ...o,
  };
}

export interface InventoryShape {
  clusters: number;
  namespacesPerCluster: number;
  deploymentsPerNamespace: number;
  podsPerDeployment: number;
  nodesPerCluster: number;
  /** Prefix of cluster names (default `cluster`). */
  clusterPrefix?: string;
}

export interface SeededDeployment {
  id: string;
  name: string;
  podIds: string[];
}

export interface SeededNamespace {
  id: string;
  name: string;
  deployments: SeededDeployment[];
}

export interface SeededCluster {
  id: string;
  name: string;
  namespaces: SeededNamespace[];
  nodes: Array<{ id: string; name: string }>;
}

function pad(n: number): string {
  return String(n).padStart(3, '0');
}

/**
 * A regular tree: clusters `cluster000…`, each with namespaces `ns000…` (team `team-<k mod 3>`),
 * deployments `ns000-dep000…`, pods `<deployment>-p000…` spread round-robin over nodes `node000…`.
 * Cluster counters (node_count, pod_count, …) match the rows.
 */
export async function seedInventory(ds: DataSource, organizationId: string, shape: InventoryShape): Promise<SeededCluster[]> {
  const prefix = shape.clusterPrefix ?? 'cluster';
  const podsPerCluster = shape.namespacesPerCluster * shape.deploymentsPerNamespace * shape.podsPerDeployment;
  const clusterIds = await insertRows(
    ds,
    'k8s_clusters',
    Array.from({ length: shape.clusters }, (_, c) =>
      clusterRow({
        organization_id: organizationId,
        name: `${prefix}${pad(c)}`,
        node_count: shape.nodesPerCluster,
        ready_node_count: shape.nodesPerCluster,
        namespace_count: shape.namespacesPerCluster,
        deployment_count: shape.namespacesPerCluster * shape.deploymentsPerNamespace,
        pod_count: podsPerCluster,
        running_pod_count: podsPerCluster,
        cpu_capacity_millicores: 4000 * shape.nodesPerCluster,
        memory_capacity_bytes: 16 * 1024 ** 3 * shape.nodesPerCluster,
      }),
    ),
  );
  const clusters: SeededCluster[] = clusterIds.map((id, c) => ({ id, name: `${prefix}${pad(c)}`, namespaces: [], nodes: [] }));

  const nodeRows = clusters.flatMap((cl) => Array.from({ length: shape.nodesPerCluster }, (_, k) => nodeRow({ cluster_id: cl.id, name: `node${pad(k)}` })));
  const nodeIds = await insertRows(ds, 'k8s_nodes', nodeRows);
  nodeRows.forEach((row, i) => clusters[Math.floor(i / shape.nodesPerCluster)].nodes.push({ id: nodeIds[i], name: row.name as string }));

  const nsRows = clusters.flatMap((cl) =>
    Array.from({ length: shape.namespacesPerCluster }, (_, k) =>
      namespaceRow({ cluster_id: cl.id, name: `ns${pad(k)}`, team: `team-${k % 3}`, labels: { team: `team-${k % 3}`, env: k % 2 ? 'dev' : 'prod' }, pod_count: shape.deploymentsPerNamespace * shape.podsPerDeployment }),
    ),
  );
  const nsIds = await insertRows(ds, 'k8s_namespaces', nsRows);
  nsRows.forEach((row, i) => clusters[Math.floor(i / shape.namespacesPerCluster)].namespaces.push({ id: nsIds[i], name: row.name as string, deployments: [] }));

  const depRows: SeedRow[] = [];
  const depParents: SeededNamespace[] = [];
  for (const cl of clusters) {
    for (const ns of cl.namespaces) {
      for (let k = 0; k < shape.deploymentsPerNamespace; k++) {
        depRows.push(deploymentRow({ cluster_id: cl.id, namespace_id: ns.id, namespace: ns.name, name: `${ns.name}-dep${pad(k)}`, desired_replicas: shape.podsPerDeployment, ready_replicas: shape.podsPerDeployment, available_replicas: shape.podsPerDeployment, updated_replicas: shape.podsPerDeployment }));
        depParents.push(ns);
      }
    }
  }
  const depIds = await insertRows(ds, 'k8s_deployments', depRows);
  depRows.forEach((row, i) => depParents[i].deployments.push({ id: depIds[i], name: row.name as string, podIds: [] }));

  const podRows: SeedRow[] = [];
  const podParents: SeededDeployment[] = [];
  for (const cl of clusters) {
    let n = 0;
    for (const ns of cl.namespaces) {
      for (const dep of ns.deployments) {
        for (let k = 0; k < shape.podsPerDeployment; k++) {
          podRows.push(
            podRow({
              cluster_id: cl.id,
              namespace_id: ns.id,
              namespace: ns.name,
              deployment_id: dep.id,
              name: `${dep.name}-p${pad(k)}`,
              node_name: shape.nodesPerCluster > 0 ? cl.nodes[n++ % shape.nodesPerCluster].name : null,
              labels: { app: dep.name },
              created_at: at(k),
            }),
          );
          podParents.push(dep);
        }
      }
    }
  }
  const podIds = await insertRows(ds, 'k8s_pods', podRows);
  podIds.forEach((id, i) => podParents[i].podIds.push(id));
  // Fresh statistics, as autovacuum would have after a real sync: plans then match the data.
  await ds.query('ANALYZE k8s_clusters, k8s_nodes, k8s_namespaces, k8s_deployments, k8s_pods');
  return clusters;
}
