import { ViewColumn, ViewEntity } from 'typeorm';
import { numberTransformer } from '../transformers.js';

/** `v_k8s_cluster_health`: one row per cluster, counting live objects only. Defined in the migration. */
@ViewEntity({ name: 'v_k8s_cluster_health', synchronize: false })
export class ClusterHealthView {
  @ViewColumn({ name: 'cluster_id' })
  clusterId: string;

  @ViewColumn({ name: 'organization_id' })
  organizationId: string;

  @ViewColumn({ name: 'cluster_name' })
  clusterName: string;

  @ViewColumn({ name: 'status' })
  status: string;

  @ViewColumn({ name: 'status_message' })
  statusMessage: string | null;

  @ViewColumn({ name: 'last_seen_at' })
  lastSeenAt: Date | null;

  @ViewColumn({ name: 'last_sync_at' })
  lastSyncAt: Date | null;

  @ViewColumn({ name: 'node_count' })
  nodeCount: number;

  @ViewColumn({ name: 'ready_node_count' })
  readyNodeCount: number;

  @ViewColumn({ name: 'deployment_count' })
  deploymentCount: number;

  @ViewColumn({ name: 'healthy_deployment_count' })
  healthyDeploymentCount: number;

  @ViewColumn({ name: 'pod_count' })
  podCount: number;

  @ViewColumn({ name: 'running_pod_count' })
  runningPodCount: number;

  @ViewColumn({ name: 'pending_pod_count' })
  pendingPodCount: number;

  @ViewColumn({ name: 'failed_pod_count' })
  failedPodCount: number;

  @ViewColumn({ name: 'cpu_capacity_millicores', transformer: numberTransformer })
  cpuCapacityMillicores: number;

  @ViewColumn({ name: 'cpu_allocatable_millicores', transformer: numberTransformer })
  cpuAllocatableMillicores: number;

  /** Requests of Pending and Running pods. */
  @ViewColumn({ name: 'cpu_request_millicores', transformer: numberTransformer })
  cpuRequestMillicores: number;

  @ViewColumn({ name: 'cpu_usage_millicores' })
  cpuUsageMillicores: number;

  @ViewColumn({ name: 'memory_capacity_bytes', transformer: numberTransformer })
  memoryCapacityBytes: number;

  @ViewColumn({ name: 'memory_allocatable_bytes', transformer: numberTransformer })
  memoryAllocatableBytes: number;

  @ViewColumn({ name: 'memory_request_bytes', transformer: numberTransformer })
  memoryRequestBytes: number;

  @ViewColumn({ name: 'memory_usage_bytes', transformer: numberTransformer })
  memoryUsageBytes: number;

  @ViewColumn({ name: 'hourly_cost_estimate', transformer: numberTransformer })
  hourlyCostEstimate: number | null;
}
