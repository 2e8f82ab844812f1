import type DataLoader from 'dataloader';
import type { LoaderKit, NestedConnectionLoader } from '../graphql/connection-loader.js';
import type { ClusterNode } from './cluster-node.type.js';
import type { Deployment } from './deployment.type.js';
import type { HelmRelease } from './helm-release.type.js';
import type { Namespace } from './namespace.type.js';
import type { Pod } from './pod.type.js';
import {
  anyWorkloadSource, clusterNodeSource, deploymentSource, helmReleaseSource, jobOfCronJobSource, namespaceSource, podOfCronJobSource,
  podOfWorkloadSource, podOnNodeSource, podSource, storedWorkloadSource,
} from './sources.js';
import type { Job, Workload } from './workload.type.js';

declare module '../graphql/context.js' {
  interface Loaders {
    namespace: DataLoader<string, Namespace | null>;
    clusterNode: DataLoader<string, ClusterNode | null>;
    deployment: DataLoader<string, Deployment | null>;
    pod: DataLoader<string, Pod | null>;
    helmRelease: DataLoader<string, HelmRelease | null>;
    /** Key: `${clusterRowId}/${nodeName}`; the live node of that name, else the latest removed one. */
    nodeByName: DataLoader<string, ClusterNode | null>;
    namespacesOfCluster: NestedConnectionLoader<Namespace>;
    nodesOfCluster: NestedConnectionLoader<ClusterNode>;
    deploymentsOfCluster: NestedConnectionLoader<Deployment>;
    podsOfCluster: NestedConnectionLoader<Pod>;
    helmReleasesOfCluster: NestedConnectionLoader<HelmRelease>;
    deploymentsOfNamespace: NestedConnectionLoader<Deployment>;
    podsOfNamespace: NestedConnectionLoader<Pod>;
    helmReleasesOfNamespace: NestedConnectionLoader<HelmRelease>;
    podsOfDeployment: NestedConnectionLoader<Pod>;
    podsOfNode: NestedConnectionLoader<Pod>;
    /** A StatefulSet, DaemonSet, Job or CronJob by row id. */
    storedWorkload: DataLoader<string, Workload | null>;
    /** Key: `${clusterRowId}/${uid}`: a StatefulSet, DaemonSet, Job or CronJob by Kubernetes uid (a pod's or Job's owner). */
    workloadByUid: DataLoader<string, Workload | null>;
    workloadsOfNamespace: NestedConnectionLoader<Workload>;
    podsOfWorkload: NestedConnectionLoader<Pod>;
    podsOfCronJob: NestedConnectionLoader<Pod>;
    jobsOfCronJob: NestedConnectionLoader<Job>;
  }
}

export function inventoryLoaders(kit: LoaderKit) {
  const nodeByName = kit.byClusterKey(
    (p) => `SELECT DISTINCT ON (nd.cluster_id, nd.name) nd.*
       FROM k8s_nodes nd JOIN k8s_clusters c ON c.id = nd.cluster_id AND c.organization_id = ${p.org}::uuid
       WHERE (nd.cluster_id, nd.name) IN (SELECT * FROM unnest(${p.clusterIds}::uuid[], ${p.keys}::text[]))
       ORDER BY nd.cluster_id, nd.name, nd.deleted_at DESC NULLS FIRST`,
    'name',
    clusterNodeSource.map,
  );

  const workloadByUid = kit.byClusterKey(
    (p) => `SELECT w.* FROM k8s_workloads w JOIN k8s_clusters c ON c.id = w.cluster_id AND c.organization_id = ${p.org}::uuid
       WHERE (w.cluster_id, w.uid) IN (SELECT * FROM unnest(${p.clusterIds}::uuid[], ${p.keys}::text[]))`,
    'uid',
    storedWorkloadSource.map,
  );

  return {
    storedWorkload: kit.byId(storedWorkloadSource),
    workloadByUid,
    workloadsOfNamespace: kit.nested(anyWorkloadSource, 'w.namespace_id'),
    podsOfWorkload: kit.nested(podOfWorkloadSource, 'pw.id'),
    podsOfCronJob: kit.nested(podOfCronJobSource, 'pc.id'),
    jobsOfCronJob: kit.nested(jobOfCronJobSource, 'wc.id'),
    namespace: kit.byId(namespaceSource),
    clusterNode: kit.byId(clusterNodeSource),
    deployment: kit.byId(deploymentSource),
    pod: kit.byId(podSource),
    helmRelease: kit.byId(helmReleaseSource),
    nodeByName,
    namespacesOfCluster: kit.nested(namespaceSource, 'n.cluster_id'),
    nodesOfCluster: kit.nested(clusterNodeSource, 'nd.cluster_id'),
    deploymentsOfCluster: kit.nested(deploymentSource, 'd.cluster_id'),
    podsOfCluster: kit.nested(podSource, 'p.cluster_id'),
    helmReleasesOfCluster: kit.nested(helmReleaseSource, 'h.cluster_id'),
    deploymentsOfNamespace: kit.nested(deploymentSource, 'd.namespace_id'),
    podsOfNamespace: kit.nested(podSource, 'p.namespace_id'),
    helmReleasesOfNamespace: kit.nested(helmReleaseSource, 'h.namespace_id'),
    podsOfDeployment: kit.nested(podSource, 'p.deployment_id'),
    podsOfNode: kit.nested(podOnNodeSource, 'pn.id'),
  };
}
