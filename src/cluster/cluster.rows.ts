/** k8s_clusters and v_k8s_cluster_health rows → GraphQL objects. The kubeconfig columns are never read. */
import { withoutUrlCredentials } from '../common/formats.js';
import { num, numOrNull } from '../graphql/row-values.js';
import type { Row } from '../graphql/row-source.js';
import { toGlobalId } from '../graphql/relay/index.js';
import { ClusterHealth } from './cluster-health.type.js';
import type { ClusterProvider, ClusterStatus } from './cluster.enums.js';
import { Cluster } from './cluster.type.js';

/** The cluster columns the API reads: everything except the encrypted kubeconfig and its key id. */
export const CLUSTER_COLUMNS = [
  'id', 'organization_id', 'name', 'provider', 'api_server_url', 'kubernetes_version', 'context_name', 'status',
  'status_message', 'last_seen_at', 'last_sync_at', 'api_latency_ms', 'node_count', 'ready_node_count', 'namespace_count',
  'deployment_count', 'pod_count', 'running_pod_count', 'cpu_capacity_millicores', 'memory_capacity_bytes',
  'cpu_allocatable_millicores', 'memory_allocatable_bytes', 'hourly_cost_estimate', 'pricing', 'labels', 'created_at', 'updated_at',
].map((c) => `c.${c}`).join(', ');

export function toCluster(r: Row): Cluster {
  const cpu = num(r.cpu_capacity_millicores);
  return Object.assign(new Cluster(), {
    id: toGlobalId('Cluster', r.id as string),
    rowId: r.id as string,
    name: r.name as string,
    provider: r.provider as ClusterProvider,
    // Registration refuses URLs with credentials; a row written otherwise is still shown without them.
    apiServerUrl: r.api_server_url == null ? null : withoutUrlCredentials(r.api_server_url as string),
    kubernetesVersion: (r.kubernetes_version as string | null) ?? null,
    contextName: (r.context_name as string | null) ?? null,
    status: r.status as ClusterStatus,
    statusMessage: (r.status_message as string | null) ?? null,
    lastSeenAt: (r.last_seen_at as Date | null) ?? null,
    lastSyncAt: (r.last_sync_at as Date | null) ?? null,
    apiLatencyMs: numOrNull(r.api_latency_ms),
    nodeCount: num(r.node_count),
    readyNodeCount: num(r.ready_node_count),
    namespaceCount: num(r.namespace_count),
    deploymentCount: num(r.deployment_count),
    podCount: num(r.pod_count),
    runningPodCount: num(r.running_pod_count),
    cpuCapacityMillicores: cpu,
    cpuCapacityCores: cpu / 1000,
    memoryCapacityBytes: num(r.memory_capacity_bytes),
    cpuAllocatableMillicores: num(r.cpu_allocatable_millicores),
    memoryAllocatableBytes: num(r.memory_allocatable_bytes),
    hourlyCostEstimate: numOrNull(r.hourly_cost_estimate),
    pricingRow: r.pricing ?? null,
    labels: (r.labels as Record<string, string>) ?? {},
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  });
}

function ratio(used: number, capacity: number): number | null {
  return capacity > 0 ? used / capacity : null;
}

export function toClusterHealth(r: Row): ClusterHealth {
  const cpuCapacity = num(r.cpu_capacity_millicores);
  const cpuUsage = num(r.cpu_usage_millicores);
  const memoryCapacity = num(r.memory_capacity_bytes);
  const memoryUsage = num(r.memory_usage_bytes);
  return Object.assign(new ClusterHealth(), {
    clusterId: toGlobalId('Cluster', r.cluster_id as string),
    clusterRowId: r.cluster_id as string,
    clusterName: r.cluster_name as string,
    status: r.status as ClusterStatus,
    statusMessage: (r.status_message as string | null) ?? null,
    lastSeenAt: (r.last_seen_at as Date | null) ?? null,
    lastSyncAt: (r.last_sync_at as Date | null) ?? null,
    nodeCount: num(r.node_count),
    readyNodeCount: num(r.ready_node_count),
    deploymentCount: num(r.deployment_count),
    healthyDeploymentCount: num(r.healthy_deployment_count),
    podCount: num(r.pod_count),
    runningPodCount: num(r.running_pod_count),
    pendingPodCount: num(r.pending_pod_count),
    failedPodCount: num(r.failed_pod_count),
    cpuCapacityMillicores: cpuCapacity,
    cpuAllocatableMillicores: num(r.cpu_allocatable_millicores),
    cpuRequestMillicores: num(r.cpu_request_millicores),
    cpuUsageMillicores: cpuUsage,
    memoryCapacityBytes: memoryCapacity,
    memoryAllocatableBytes: num(r.memory_allocatable_bytes),
    memoryRequestBytes: num(r.memory_request_bytes),
    memoryUsageBytes: memoryUsage,
    cpuUtilization: ratio(cpuUsage, cpuCapacity),
    memoryUtilization: ratio(memoryUsage, memoryCapacity),
    hourlyCostEstimate: numOrNull(r.hourly_cost_estimate),
  });
}
