/** Database rows (snake_case, as PostgreSQL returns them) → GraphQL objects of the inventory. */
import { toGlobalId } from '../graphql/relay/index.js';
import { ClusterNode } from './cluster-node.type.js';
import { ContainerSpec } from './container-spec.type.js';
import { ContainerStatus } from './container-status.type.js';
import { Deployment } from './deployment.type.js';
import { HelmRelease } from './helm-release.type.js';
import { type DeploymentHealth, type PodPhase, WorkloadKind } from './inventory.enums.js';
import { Namespace } from './namespace.type.js';
import { Pod } from './pod.type.js';
import { CronJob, DaemonSet, Job, StatefulSet, type Workload } from './workload.type.js';

import type { Row } from '../graphql/row-source.js';
import { num, numOrNull } from '../graphql/row-values.js';

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function date(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string') return new Date(value);
  return null;
}

/**
 * What a column a list does not read (see the sources' projections) maps to: one shared, frozen value
 * instead of a fresh object per row, since thousands of rows are mapped per request.
 */
const NO_OBJECT: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_ITEMS: never[] = Object.freeze([]) as unknown as never[];

function object(value: unknown): Record<string, string> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : NO_OBJECT;
}

function list<T>(value: unknown, map: (item: Record<string, unknown>) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) return NO_ITEMS;
  const items: T[] = [];
  for (const v of value) if (v && typeof v === 'object') items.push(map(v as Record<string, unknown>));
  return items;
}

export function toNamespace(r: Row): Namespace {
  const cpu = numOrNull(r.cpu_usage_millicores);
  const namespace = new Namespace();
  namespace.id = toGlobalId('Namespace', r.id as string);
  namespace.rowId = r.id as string;
  namespace.clusterRowId = r.cluster_id as string;
  namespace.uid = r.uid as string;
  namespace.name = r.name as string;
  namespace.phase = str(r.phase);
  namespace.labels = object(r.labels);
  namespace.annotations = object(r.annotations);
  namespace.team = str(r.team);
  namespace.costCenter = str(r.cost_center);
  namespace.resourceQuotaHard = r.resource_quota_hard ?? null;
  namespace.resourceQuotaUsed = r.resource_quota_used ?? null;
  namespace.limitRanges = r.limit_ranges ?? null;
  namespace.cpuUsageMillicores = cpu;
  namespace.cpuUsageCores = cpu === null ? null : cpu / 1000;
  namespace.memoryUsageBytes = numOrNull(r.memory_usage_bytes);
  namespace.podCount = num(r.pod_count);
  namespace.createdAt = date(r.created_at);
  namespace.syncedAt = date(r.synced_at);
  namespace.deletedAt = date(r.deleted_at);
  return namespace;
}

export function toClusterNode(r: Row): ClusterNode {
  const cpuCapacity = num(r.cpu_capacity_millicores);
  const cpuUsage = numOrNull(r.cpu_usage_millicores);
  const clusterNode = new ClusterNode();
  clusterNode.id = toGlobalId('ClusterNode', r.id as string);
  clusterNode.rowId = r.id as string;
  clusterNode.clusterRowId = r.cluster_id as string;
  clusterNode.uid = r.uid as string;
  clusterNode.name = r.name as string;
  clusterNode.providerId = str(r.provider_id);
  clusterNode.instanceType = str(r.instance_type);
  clusterNode.region = str(r.region);
  clusterNode.zone = str(r.zone);
  clusterNode.cpuCapacityMillicores = cpuCapacity;
  clusterNode.cpuCapacityCores = cpuCapacity / 1000;
  clusterNode.memoryCapacityBytes = num(r.memory_capacity_bytes);
  clusterNode.podCapacity = num(r.pods_capacity);
  clusterNode.ephemeralStorageCapacityBytes = num(r.ephemeral_storage_capacity_bytes);
  clusterNode.cpuAllocatableMillicores = num(r.cpu_allocatable_millicores);
  clusterNode.memoryAllocatableBytes = num(r.memory_allocatable_bytes);
  clusterNode.podAllocatable = num(r.pods_allocatable);
  clusterNode.ephemeralStorageAllocatableBytes = num(r.ephemeral_storage_allocatable_bytes);
  clusterNode.cpuUsageMillicores = cpuUsage;
  clusterNode.cpuUsageCores = cpuUsage === null ? null : cpuUsage / 1000;
  clusterNode.memoryUsageBytes = numOrNull(r.memory_usage_bytes);
  clusterNode.labels = object(r.labels);
  clusterNode.taints = r.taints ?? [];
  clusterNode.conditions = r.conditions ?? [];
  clusterNode.ready = r.ready === true;
  clusterNode.unschedulable = r.unschedulable === true;
  clusterNode.kubeletVersion = str(r.kubelet_version);
  clusterNode.containerRuntimeVersion = str(r.container_runtime_version);
  clusterNode.osImage = str(r.os_image);
  clusterNode.operatingSystem = str(r.operating_system);
  clusterNode.architecture = str(r.architecture);
  clusterNode.createdAt = date(r.created_at) as Date;
  clusterNode.syncedAt = date(r.synced_at);
  clusterNode.deletedAt = date(r.deleted_at);
  return clusterNode;
}

function toContainerSpec(c: Record<string, unknown>): ContainerSpec {
  const containerSpec = new ContainerSpec();
  containerSpec.name = typeof c.name === 'string' ? c.name : '';
  containerSpec.image = str(c.image);
  containerSpec.cpuRequestMillicores = numOrNull(c.cpuRequestMillicores);
  containerSpec.cpuLimitMillicores = numOrNull(c.cpuLimitMillicores);
  containerSpec.memoryRequestBytes = numOrNull(c.memoryRequestBytes);
  containerSpec.memoryLimitBytes = numOrNull(c.memoryLimitBytes);
  return containerSpec;
}

function toContainerStatus(c: Record<string, unknown>): ContainerStatus {
  const containerStatus = new ContainerStatus();
  containerStatus.name = typeof c.name === 'string' ? c.name : '';
  containerStatus.image = str(c.image);
  containerStatus.ready = c.ready === true;
  containerStatus.restartCount = num(c.restartCount);
  containerStatus.state = str(c.state);
  containerStatus.reason = str(c.reason);
  containerStatus.message = str(c.message);
  containerStatus.exitCode = numOrNull(c.exitCode);
  containerStatus.lastTerminationReason = str(c.lastTerminationReason);
  containerStatus.startedAt = date(c.startedAt);
  containerStatus.lastTerminationExitCode = numOrNull(c.lastTerminationExitCode);
  containerStatus.lastTerminatedAt = date(c.lastTerminatedAt);
  return containerStatus;
}

export function toDeployment(r: Row): Deployment {
  const deployment = new Deployment();
  deployment.id = toGlobalId('Deployment', r.id as string);
  deployment.rowId = r.id as string;
  deployment.clusterRowId = r.cluster_id as string;
  deployment.namespaceRowId = str(r.namespace_id);
  deployment.uid = r.uid as string;
  deployment.name = r.name as string;
  deployment.namespaceName = r.namespace as string;
  deployment.desiredReplicas = num(r.desired_replicas);
  deployment.readyReplicas = num(r.ready_replicas);
  deployment.availableReplicas = num(r.available_replicas);
  deployment.updatedReplicas = num(r.updated_replicas);
  deployment.unavailableReplicas = num(r.unavailable_replicas);
  deployment.strategy = str(r.strategy);
  deployment.maxSurge = str(r.max_surge);
  deployment.maxUnavailable = str(r.max_unavailable);
  deployment.health = r.health as DeploymentHealth;
  deployment.containers = list(r.containers, toContainerSpec);
  deployment.selector = r.selector ?? {};
  deployment.labels = object(r.labels);
  deployment.annotations = object(r.annotations);
  deployment.generation = numOrNull(r.generation);
  deployment.observedGeneration = numOrNull(r.observed_generation);
  deployment.conditions = r.conditions ?? [];
  deployment.createdAt = date(r.created_at) as Date;
  deployment.syncedAt = date(r.synced_at);
  deployment.deletedAt = date(r.deleted_at);
  return deployment;
}

export function toPod(r: Row): Pod {
  const cpuRequest = num(r.cpu_request_millicores);
  const pod = new Pod();
  pod.id = toGlobalId('Pod', r.id as string);
  pod.rowId = r.id as string;
  pod.clusterRowId = r.cluster_id as string;
  pod.namespaceRowId = str(r.namespace_id);
  pod.deploymentRowId = str(r.deployment_id);
  pod.uid = r.uid as string;
  pod.name = r.name as string;
  pod.namespaceName = r.namespace as string;
  pod.phase = r.phase as PodPhase;
  pod.reason = str(r.reason);
  pod.message = str(r.message);
  pod.qosClass = str(r.qos_class);
  pod.ready = r.ready === true;
  pod.restartCount = num(r.restart_count);
  pod.nodeName = str(r.node_name);
  pod.ownerKind = str(r.owner_kind);
  pod.ownerName = str(r.owner_name);
  pod.ownerUid = str(r.owner_uid);
  pod.podIp = str(r.pod_ip);
  pod.containers = list(r.container_statuses, toContainerStatus);
  pod.containerSpecs = list(r.containers, toContainerSpec);
  pod.cpuRequestMillicores = cpuRequest;
  pod.cpuRequestCores = cpuRequest / 1000;
  pod.cpuLimitMillicores = numOrNull(r.cpu_limit_millicores);
  pod.memoryRequestBytes = num(r.memory_request_bytes);
  pod.memoryLimitBytes = numOrNull(r.memory_limit_bytes);
  pod.labels = object(r.labels);
  pod.startedAt = date(r.started_at);
  pod.createdAt = date(r.created_at) as Date;
  pod.deletedAt = date(r.deleted_at);
  pod.syncedAt = date(r.synced_at);
  return pod;
}

export function toHelmRelease(r: Row): HelmRelease {
  const helmRelease = new HelmRelease();
  helmRelease.id = toGlobalId('HelmRelease', r.id as string);
  helmRelease.rowId = r.id as string;
  helmRelease.clusterRowId = r.cluster_id as string;
  helmRelease.namespaceRowId = str(r.namespace_id);
  helmRelease.name = r.name as string;
  helmRelease.namespaceName = r.namespace as string;
  helmRelease.revision = num(r.revision);
  helmRelease.status = r.status as string;
  helmRelease.chartName = str(r.chart_name);
  helmRelease.chartVersion = str(r.chart_version);
  helmRelease.appVersion = str(r.app_version);
  helmRelease.values = r.values ?? {};
  helmRelease.firstDeployedAt = date(r.first_deployed_at);
  helmRelease.lastDeployedAt = date(r.last_deployed_at);
  helmRelease.syncedAt = date(r.synced_at);
  helmRelease.deletedAt = date(r.deleted_at);
  return helmRelease;
}

type StoredKind = StatefulSet | DaemonSet | Job | CronJob;

/** A k8s_workloads row as its kind's object; the status columns of other kinds are not read. */
export function toStoredWorkload(r: Row): StoredKind {
  const kind = r.kind as WorkloadKind;
  let w: StoredKind;
  if (kind === WorkloadKind.STATEFUL_SET) {
    const s = new StatefulSet();
    s.desiredReplicas = num(r.desired_replicas);
    s.readyReplicas = num(r.ready_replicas);
    s.currentReplicas = num(r.current_replicas);
    s.availableReplicas = num(r.available_replicas);
    s.updatedReplicas = num(r.updated_replicas);
    s.selector = r.selector ?? {};
    s.conditions = r.conditions ?? [];
    w = s;
  } else if (kind === WorkloadKind.DAEMON_SET) {
    const d = new DaemonSet();
    d.desiredNumberScheduled = num(r.desired_replicas);
    d.currentNumberScheduled = num(r.current_replicas);
    d.numberReady = num(r.ready_replicas);
    d.numberAvailable = num(r.available_replicas);
    d.updatedNumberScheduled = num(r.updated_replicas);
    d.selector = r.selector ?? {};
    d.conditions = r.conditions ?? [];
    w = d;
  } else if (kind === WorkloadKind.JOB) {
    const j = new Job();
    j.succeeded = num(r.succeeded);
    j.failed = num(r.failed);
    j.active = num(r.active);
    j.completions = numOrNull(r.completions);
    j.suspend = r.suspend === true;
    j.startTime = date(r.start_time);
    j.completionTime = date(r.completion_time);
    j.conditions = r.conditions ?? [];
    w = j;
  } else {
    const c = new CronJob();
    c.schedule = str(r.schedule) ?? '';
    c.suspend = r.suspend === true;
    c.activeJobs = num(r.active);
    c.lastScheduleTime = date(r.last_schedule_time);
    c.lastSuccessfulTime = date(r.last_successful_time);
    w = c;
  }
  w.id = toGlobalId(kind, r.id as string);
  w.rowId = r.id as string;
  w.kind = kind;
  w.clusterRowId = r.cluster_id as string;
  w.namespaceRowId = str(r.namespace_id);
  w.uid = r.uid as string;
  w.name = r.name as string;
  w.namespaceName = r.namespace as string;
  w.health = r.health as DeploymentHealth;
  w.containers = list(r.containers, toContainerSpec);
  w.labels = object(r.labels);
  w.annotations = object(r.annotations);
  w.ownerKind = str(r.owner_kind);
  w.ownerUid = str(r.owner_uid);
  w.createdAt = date(r.created_at) as Date;
  w.syncedAt = date(r.synced_at);
  w.deletedAt = date(r.deleted_at);
  return w;
}

/** A row of the union of k8s_deployments and k8s_workloads (sources.ts) as its kind's object. */
export function toWorkload(r: Row): Workload {
  return r.kind === WorkloadKind.DEPLOYMENT ? (toDeployment(r) as unknown as Workload) : toStoredWorkload(r);
}
