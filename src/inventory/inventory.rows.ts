/** Database rows (snake_case, as PostgreSQL returns them) → GraphQL objects of the inventory. */
import { toGlobalId } from '../server/relay/index.js';
import { ClusterNode } from './cluster-node.type.js';
import { ContainerSpec } from './container-spec.type.js';
import { ContainerStatus } from './container-status.type.js';
import { Deployment } from './deployment.type.js';
import { HelmRelease } from './helm-release.type.js';
import type { DeploymentHealth, PodPhase } from './inventory.enums.js';
import { Namespace } from './namespace.type.js';
import { Pod } from './pod.type.js';

export type Row = Record<string, unknown>;

/** bigint and numeric columns arrive as strings. */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function date(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string') return new Date(value);
  return null;
}

function object(value: unknown): Record<string, string> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object') : [];
}

export function toNamespace(r: Row): Namespace {
  const cpu = numOrNull(r.cpu_usage_millicores);
  return Object.assign(new Namespace(), {
    id: toGlobalId('Namespace', r.id as string),
    rowId: r.id as string,
    clusterRowId: r.cluster_id as string,
    uid: r.uid as string,
    name: r.name as string,
    phase: str(r.phase),
    labels: object(r.labels),
    annotations: object(r.annotations),
    team: str(r.team),
    costCenter: str(r.cost_center),
    resourceQuotaHard: r.resource_quota_hard ?? null,
    resourceQuotaUsed: r.resource_quota_used ?? null,
    limitRanges: r.limit_ranges ?? null,
    cpuUsageMillicores: cpu,
    cpuUsageCores: cpu === null ? null : cpu / 1000,
    memoryUsageBytes: numOrNull(r.memory_usage_bytes),
    podCount: num(r.pod_count),
    createdAt: date(r.created_at),
    syncedAt: date(r.synced_at),
    deletedAt: date(r.deleted_at),
  });
}

export function toClusterNode(r: Row): ClusterNode {
  const cpuCapacity = num(r.cpu_capacity_millicores);
  const cpuUsage = numOrNull(r.cpu_usage_millicores);
  return Object.assign(new ClusterNode(), {
    id: toGlobalId('ClusterNode', r.id as string),
    rowId: r.id as string,
    clusterRowId: r.cluster_id as string,
    uid: r.uid as string,
    name: r.name as string,
    providerId: str(r.provider_id),
    instanceType: str(r.instance_type),
    region: str(r.region),
    zone: str(r.zone),
    cpuCapacityMillicores: cpuCapacity,
    cpuCapacityCores: cpuCapacity / 1000,
    memoryCapacityBytes: num(r.memory_capacity_bytes),
    podCapacity: num(r.pods_capacity),
    ephemeralStorageCapacityBytes: num(r.ephemeral_storage_capacity_bytes),
    cpuAllocatableMillicores: num(r.cpu_allocatable_millicores),
    memoryAllocatableBytes: num(r.memory_allocatable_bytes),
    podAllocatable: num(r.pods_allocatable),
    ephemeralStorageAllocatableBytes: num(r.ephemeral_storage_allocatable_bytes),
    cpuUsageMillicores: cpuUsage,
    cpuUsageCores: cpuUsage === null ? null : cpuUsage / 1000,
    memoryUsageBytes: numOrNull(r.memory_usage_bytes),
    labels: object(r.labels),
    taints: r.taints ?? [],
    conditions: r.conditions ?? [],
    ready: r.ready === true,
    unschedulable: r.unschedulable === true,
    kubeletVersion: str(r.kubelet_version),
    containerRuntimeVersion: str(r.container_runtime_version),
    osImage: str(r.os_image),
    operatingSystem: str(r.operating_system),
    architecture: str(r.architecture),
    createdAt: date(r.created_at),
    syncedAt: date(r.synced_at),
    deletedAt: date(r.deleted_at),
  });
}

function toContainerSpec(c: Record<string, unknown>): ContainerSpec {
  return Object.assign(new ContainerSpec(), {
    name: typeof c.name === 'string' ? c.name : '',
    image: str(c.image),
    cpuRequestMillicores: numOrNull(c.cpuRequestMillicores),
    cpuLimitMillicores: numOrNull(c.cpuLimitMillicores),
    memoryRequestBytes: numOrNull(c.memoryRequestBytes),
    memoryLimitBytes: numOrNull(c.memoryLimitBytes),
  });
}

function toContainerStatus(c: Record<string, unknown>): ContainerStatus {
  return Object.assign(new ContainerStatus(), {
    name: typeof c.name === 'string' ? c.name : '',
    image: str(c.image),
    ready: c.ready === true,
    restartCount: num(c.restartCount),
    state: str(c.state),
    reason: str(c.reason),
    exitCode: numOrNull(c.exitCode),
    lastTerminationReason: str(c.lastTerminationReason),
    startedAt: date(c.startedAt),
    lastTerminationExitCode: numOrNull(c.lastTerminationExitCode),
    lastTerminatedAt: date(c.lastTerminatedAt),
  });
}

export function toDeployment(r: Row): Deployment {
  return Object.assign(new Deployment(), {
    id: toGlobalId('Deployment', r.id as string),
    rowId: r.id as string,
    clusterRowId: r.cluster_id as string,
    namespaceRowId: str(r.namespace_id),
    uid: r.uid as string,
    name: r.name as string,
    namespaceName: r.namespace as string,
    desiredReplicas: num(r.desired_replicas),
    readyReplicas: num(r.ready_replicas),
    availableReplicas: num(r.available_replicas),
    updatedReplicas: num(r.updated_replicas),
    unavailableReplicas: num(r.unavailable_replicas),
    strategy: str(r.strategy),
    maxSurge: str(r.max_surge),
    maxUnavailable: str(r.max_unavailable),
    health: r.health as DeploymentHealth,
    containers: list(r.containers).map(toContainerSpec),
    selector: r.selector ?? {},
    labels: object(r.labels),
    annotations: object(r.annotations),
    generation: numOrNull(r.generation),
    observedGeneration: numOrNull(r.observed_generation),
    conditions: r.conditions ?? [],
    createdAt: date(r.created_at),
    syncedAt: date(r.synced_at),
    deletedAt: date(r.deleted_at),
  });
}

export function toPod(r: Row): Pod {
  const cpuRequest = num(r.cpu_request_millicores);
  return Object.assign(new Pod(), {
    id: toGlobalId('Pod', r.id as string),
    rowId: r.id as string,
    clusterRowId: r.cluster_id as string,
    namespaceRowId: str(r.namespace_id),
    deploymentRowId: str(r.deployment_id),
    uid: r.uid as string,
    name: r.name as string,
    namespaceName: r.namespace as string,
    phase: r.phase as PodPhase,
    reason: str(r.reason),
    qosClass: str(r.qos_class),
    ready: r.ready === true,
    restartCount: num(r.restart_count),
    nodeName: str(r.node_name),
    ownerKind: str(r.owner_kind),
    ownerName: str(r.owner_name),
    podIp: str(r.pod_ip),
    containers: list(r.container_statuses).map(toContainerStatus),
    containerSpecs: list(r.containers).map(toContainerSpec),
    cpuRequestMillicores: cpuRequest,
    cpuRequestCores: cpuRequest / 1000,
    cpuLimitMillicores: numOrNull(r.cpu_limit_millicores),
    memoryRequestBytes: num(r.memory_request_bytes),
    memoryLimitBytes: numOrNull(r.memory_limit_bytes),
    labels: object(r.labels),
    startedAt: date(r.started_at),
    createdAt: date(r.created_at),
    deletedAt: date(r.deleted_at),
    syncedAt: date(r.synced_at),
  });
}

export function toHelmRelease(r: Row): HelmRelease {
  return Object.assign(new HelmRelease(), {
    id: toGlobalId('HelmRelease', r.id as string),
    rowId: r.id as string,
    clusterRowId: r.cluster_id as string,
    namespaceRowId: str(r.namespace_id),
    name: r.name as string,
    namespaceName: r.namespace as string,
    revision: num(r.revision),
    status: r.status as string,
    chartName: str(r.chart_name),
    chartVersion: str(r.chart_version),
    appVersion: str(r.app_version),
    values: r.values ?? {},
    firstDeployedAt: date(r.first_deployed_at),
    lastDeployedAt: date(r.last_deployed_at),
    syncedAt: date(r.synced_at),
    deletedAt: date(r.deleted_at),
  });
}
