/** The row sources of every object type the API lists. */
import { snakeCase } from '../common/formats.js';
import type { ClusterNode } from './cluster-node.type.js';
import type { Deployment } from './deployment.type.js';
import type { HelmRelease } from './helm-release.type.js';
import { toClusterNode, toDeployment, toHelmRelease, toNamespace, toPod, toStoredWorkload, toWorkload } from './inventory.rows.js';
import type { Namespace } from './namespace.type.js';
import type { Pod } from './pod.type.js';
import type { RowSource } from '../graphql/row-source.js';
import type { Job, Workload } from './workload.type.js';

const same = (...fields: string[]) => Object.fromEntries(fields.map((f) => [f, [snakeCase(f)]]));
/** Relations resolved by the object's own id (its children) read no column beyond it. */
const byOwnId = (...fields: string[]) => Object.fromEntries(fields.map((f) => [f, []]));

/**
 * Pods: the widest rows (container statuses and specs, labels), and the longest lists. Only the id is
 * always read; a relation reads the link column its loader needs. Every column is also a cost per row
 * in transfer and parsing (2,500 rows: about half a millisecond per uuid column, more for a timestamp).
 */
export const POD_PROJECTION: NonNullable<RowSource<unknown>['projection']> = {
  always: ['id'],
  fields: {
    ...same('id', 'uid', 'name', 'phase', 'reason', 'message', 'qosClass', 'ready', 'restartCount', 'nodeName', 'ownerKind', 'ownerName', 'labels', 'startedAt', 'createdAt', 'deletedAt', 'syncedAt'),
    ...same('cpuRequestMillicores', 'cpuLimitMillicores', 'memoryRequestBytes', 'memoryLimitBytes'),
    namespaceName: ['namespace'],
    podIp: ['pod_ip'],
    containers: ['container_statuses'],
    containerSpecs: ['containers'],
    cpuRequestCores: ['cpu_request_millicores'],
    cluster: ['cluster_id'],
    namespace: ['namespace_id'],
    deployment: ['deployment_id'],
    owner: ['cluster_id', 'deployment_id', 'owner_kind', 'owner_uid'],
    node: ['cluster_id', 'node_name'],
  },
};

export const DEPLOYMENT_PROJECTION: NonNullable<RowSource<unknown>['projection']> = {
  always: ['id'],
  fields: {
    ...same('id', 'uid', 'name', 'health', 'desiredReplicas', 'readyReplicas', 'availableReplicas', 'updatedReplicas', 'unavailableReplicas'),
    ...same('strategy', 'maxSurge', 'maxUnavailable', 'containers', 'selector', 'labels', 'annotations', 'generation', 'observedGeneration', 'conditions'),
    ...same('createdAt', 'syncedAt', 'deletedAt'),
    namespaceName: ['namespace'],
    cluster: ['cluster_id'],
    namespace: ['namespace_id'],
    ...byOwnId('pods'),
  },
};

const NAMESPACE_PROJECTION: RowSource<unknown>['projection'] = {
  always: ['id'],
  fields: {
    ...same('id', 'uid', 'name', 'phase', 'labels', 'annotations', 'team', 'costCenter', 'resourceQuotaHard', 'resourceQuotaUsed', 'limitRanges'),
    ...same('cpuUsageMillicores', 'memoryUsageBytes', 'podCount', 'createdAt', 'syncedAt', 'deletedAt'),
    cpuUsageCores: ['cpu_usage_millicores'],
    cluster: ['cluster_id'],
    ...byOwnId('deployments', 'pods', 'helmReleases', 'cost'),
  },
};

export const CLUSTER_NODE_PROJECTION: NonNullable<RowSource<unknown>['projection']> = {
  always: ['id'],
  fields: {
    ...same('id', 'uid', 'name', 'providerId', 'instanceType', 'region', 'zone', 'cpuCapacityMillicores', 'memoryCapacityBytes'),
    ...same('ephemeralStorageCapacityBytes', 'cpuAllocatableMillicores', 'memoryAllocatableBytes', 'ephemeralStorageAllocatableBytes'),
    ...same('cpuUsageMillicores', 'memoryUsageBytes', 'labels', 'taints', 'conditions', 'ready', 'unschedulable', 'kubeletVersion'),
    ...same('containerRuntimeVersion', 'osImage', 'operatingSystem', 'architecture', 'createdAt', 'syncedAt', 'deletedAt'),
    podCapacity: ['pods_capacity'],
    podAllocatable: ['pods_allocatable'],
    cpuCapacityCores: ['cpu_capacity_millicores'],
    cpuUsageCores: ['cpu_usage_millicores'],
    cluster: ['cluster_id'],
    ...byOwnId('pods'),
  },
};

export const namespaceSource: RowSource<Namespace> = { table: 'k8s_namespaces', alias: 'n', key: ['id'], select: 'n.*', map: toNamespace, projection: NAMESPACE_PROJECTION };
export const clusterNodeSource: RowSource<ClusterNode> = { table: 'k8s_nodes', alias: 'nd', key: ['id'], select: 'nd.*', map: toClusterNode, projection: CLUSTER_NODE_PROJECTION };
export const deploymentSource: RowSource<Deployment> = { table: 'k8s_deployments', alias: 'd', key: ['id'], select: 'd.*', map: toDeployment, projection: DEPLOYMENT_PROJECTION };
export const podSource: RowSource<Pod> = { table: 'k8s_pods', alias: 'p', key: ['id', 'created_at'], select: 'p.*', map: toPod, projection: POD_PROJECTION };
export const helmReleaseSource: RowSource<HelmRelease> = { table: 'k8s_helm_releases', alias: 'h', key: ['id'], select: 'h.*', map: toHelmRelease };

/** Pods under the node they are scheduled on: pods name their node, so the node row is joined by (cluster, name). */
export const podOnNodeSource: RowSource<Pod> = {
  ...podSource,
  joins: 'JOIN k8s_nodes pn ON pn.cluster_id = p.cluster_id AND pn.name = p.node_name',
};


/**
 * Every workload, Deployments included, as one relation with k8s_workloads' columns and the Deployment-only ones
 * (NULL on the side that lacks them). UNION ALL of plain columns: PostgreSQL flattens it into an append of the two
 * tables and pushes each condition (namespace, cluster, kind, name) into both scans.
 */
const WORKLOAD_UNION_COLUMNS: Array<[column: string, deployment: string, workload: string]> = [
  ['id', 'id', 'id'], ['cluster_id', 'cluster_id', 'cluster_id'], ['namespace_id', 'namespace_id', 'namespace_id'],
  ['kind', `'Deployment'::text`, 'kind'], ['namespace', 'namespace', 'namespace'], ['uid', 'uid', 'uid'], ['name', 'name', 'name'],
  ['labels', 'labels', 'labels'], ['annotations', 'annotations', 'annotations'], ['selector', 'selector', 'selector'],
  ['health', 'health', 'health'], ['containers', 'containers', 'containers'], ['conditions', 'conditions', 'conditions'],
  ['desired_replicas', 'desired_replicas', 'desired_replicas'], ['ready_replicas', 'ready_replicas', 'ready_replicas'],
  ['available_replicas', 'available_replicas', 'available_replicas'], ['updated_replicas', 'updated_replicas', 'updated_replicas'],
  ['current_replicas', 'NULL::integer', 'current_replicas'], ['unavailable_replicas', 'unavailable_replicas', 'NULL::integer'],
  ['strategy', 'strategy', 'NULL::text'], ['max_surge', 'max_surge', 'NULL::text'], ['max_unavailable', 'max_unavailable', 'NULL::text'],
  ['generation', 'generation', 'NULL::bigint'], ['observed_generation', 'observed_generation', 'NULL::bigint'],
  ['succeeded', 'NULL::integer', 'succeeded'], ['failed', 'NULL::integer', 'failed'], ['active', 'NULL::integer', 'active'],
  ['completions', 'NULL::integer', 'completions'], ['suspend', 'NULL::boolean', 'suspend'], ['schedule', 'NULL::text', 'schedule'],
  ['start_time', 'NULL::timestamptz', 'start_time'], ['completion_time', 'NULL::timestamptz', 'completion_time'],
  ['last_schedule_time', 'NULL::timestamptz', 'last_schedule_time'], ['last_successful_time', 'NULL::timestamptz', 'last_successful_time'],
  ['owner_kind', 'NULL::text', 'owner_kind'], ['owner_uid', 'NULL::text', 'owner_uid'],
  ['created_at', 'created_at', 'created_at'], ['synced_at', 'synced_at', 'synced_at'], ['deleted_at', 'deleted_at', 'deleted_at'],
];

const WORKLOAD_UNION = `(SELECT ${WORKLOAD_UNION_COLUMNS.map(([c, d]) => `${d} AS ${c}`).join(', ')} FROM k8s_deployments
  UNION ALL SELECT ${WORKLOAD_UNION_COLUMNS.map(([c, , w]) => `${w} AS ${c}`).join(', ')} FROM k8s_workloads)`;

/** Deployments, StatefulSets, DaemonSets, Jobs and CronJobs in one list. */
export const anyWorkloadSource: RowSource<Workload> = { table: WORKLOAD_UNION, alias: 'w', select: 'w.*', map: toWorkload };
/** StatefulSets, DaemonSets, Jobs and CronJobs (k8s_workloads). */
export const storedWorkloadSource: RowSource<Workload> = { table: 'k8s_workloads', alias: 'w', key: ['id'], select: 'w.*', map: toStoredWorkload };
/** Jobs under the CronJob (`wc`) that started them. */
export const jobOfCronJobSource: RowSource<Job> = {
  ...(storedWorkloadSource as unknown as RowSource<Job>),
  joins: 'JOIN k8s_workloads wc ON wc.cluster_id = w.cluster_id AND wc.uid = w.owner_uid',
};
/** Pods under their controlling StatefulSet, DaemonSet or Job (`pw`), found by the owner uid the pod stores. */
export const podOfWorkloadSource: RowSource<Pod> = {
  ...podSource,
  joins: 'JOIN k8s_workloads pw ON pw.cluster_id = p.cluster_id AND pw.uid = p.owner_uid',
};
/** Pods under the CronJob (`pc`) whose Job (`pj`) runs them. */
export const podOfCronJobSource: RowSource<Pod> = {
  ...podSource,
  joins: `JOIN k8s_workloads pj ON pj.cluster_id = p.cluster_id AND pj.uid = p.owner_uid
    JOIN k8s_workloads pc ON pc.cluster_id = pj.cluster_id AND pc.uid = pj.owner_uid`,
};
