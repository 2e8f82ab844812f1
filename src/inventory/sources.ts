/** The row sources of every object type the API lists. */
import { CLUSTER_COLUMNS, toCluster } from '../cluster/cluster.rows.js';
import type { Cluster } from '../cluster/cluster.type.js';
import type { ClusterNode } from './cluster-node.type.js';
import type { Deployment } from './deployment.type.js';
import type { HelmRelease } from './helm-release.type.js';
import { toClusterNode, toDeployment, toHelmRelease, toNamespace, toPod } from './inventory.rows.js';
import type { Namespace } from './namespace.type.js';
import type { Pod } from './pod.type.js';
import type { RowSource } from './row-source.js';

export const clusterSource: RowSource<Cluster> = { table: 'k8s_clusters', alias: 'c', key: ['id'], select: CLUSTER_COLUMNS, map: toCluster };
export const namespaceSource: RowSource<Namespace> = { table: 'k8s_namespaces', alias: 'n', key: ['id'], select: 'n.*', map: toNamespace };
export const clusterNodeSource: RowSource<ClusterNode> = { table: 'k8s_nodes', alias: 'nd', key: ['id'], select: 'nd.*', map: toClusterNode };
export const deploymentSource: RowSource<Deployment> = { table: 'k8s_deployments', alias: 'd', key: ['id'], select: 'd.*', map: toDeployment };
export const podSource: RowSource<Pod> = { table: 'k8s_pods', alias: 'p', key: ['id', 'created_at'], select: 'p.*', map: toPod };
export const helmReleaseSource: RowSource<HelmRelease> = { table: 'k8s_helm_releases', alias: 'h', key: ['id'], select: 'h.*', map: toHelmRelease };

/** Pods under the node they are scheduled on: pods name their node, so the node row is joined by (cluster, name). */
export const podOnNodeSource: RowSource<Pod> = {
  ...podSource,
  joins: 'JOIN k8s_nodes pn ON pn.cluster_id = p.cluster_id AND pn.name = p.node_name',
};
