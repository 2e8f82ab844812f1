import { registerEnumType } from 'type-graphql';

/** Values are the strings stored in k8s_clusters.provider. */
export enum ClusterProvider {
  EKS = 'eks',
  GKE = 'gke',
  AKS = 'aks',
  K3S = 'k3s',
  KIND = 'kind',
  OPENSHIFT = 'openshift',
  VANILLA = 'vanilla',
  UNKNOWN = 'unknown',
}

/** Values are the strings stored in k8s_clusters.status. */
export enum ClusterStatus {
  PENDING = 'pending',
  HEALTHY = 'healthy',
  DEGRADED = 'degraded',
  UNREACHABLE = 'unreachable',
  ERROR = 'error',
}

registerEnumType(ClusterProvider, {
  name: 'ClusterProvider',
  description: 'Where a cluster runs, detected from its API server URL, /version and node provider ids.',
  valuesConfig: {
    EKS: { description: 'Amazon Elastic Kubernetes Service.' },
    GKE: { description: 'Google Kubernetes Engine.' },
    AKS: { description: 'Azure Kubernetes Service.' },
    K3S: { description: 'k3s (lightweight Kubernetes).' },
    KIND: { description: 'kind (Kubernetes in Docker).' },
    OPENSHIFT: { description: 'Red Hat OpenShift.' },
    VANILLA: { description: 'Upstream Kubernetes without a recognised distribution.' },
    UNKNOWN: { description: 'Not detected yet (the cluster has not been reached).' },
  },
});

registerEnumType(ClusterStatus, {
  name: 'ClusterStatus',
  description: 'Connection and sync state of a cluster; `statusMessage` says why when it is not HEALTHY.',
  valuesConfig: {
    PENDING: { description: 'Registered; the first sync has not finished.' },
    HEALTHY: { description: 'Reachable, every watch running, every node Ready.' },
    DEGRADED: { description: 'Reachable, but some nodes are NotReady or some watches are failing.' },
    UNREACHABLE: { description: 'The API server has not answered for longer than the grace period; data is as of `lastSeenAt`.' },
    ERROR: { description: 'The cluster cannot be synced (for example rejected credentials); see `statusMessage`.' },
  },
});
