/** The row sources of every object type the API lists. */
import type { ClusterNode } from './cluster-node.type.js';
import type { Deployment } from './deployment.type.js';
import type { HelmRelease } from './helm-release.type.js';
import { toClusterNode, toDeployment, toHelmRelease, toNamespace, toPod } from './inventory.rows.js';
import type { Namespace } from './namespace.type.js';
import type { Pod } from './pod.type.js';
import type { RowSource } from '../graphql/row-source.js';

const same = (...fields: string[]) => Object.fromEntries(fields.map((f) => [f, [f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]]));
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

