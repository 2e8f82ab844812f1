/**
 * Every request the sync makes to a cluster's API server, declared once: the sync builds its paths from here, and the
 * ClusterRole of deploy/kubernetes grants exactly what these need (test/deploy/manifests.test.ts derives its check
 * from this file). All of them are GETs.
 */

/** Collections listed and watched across all namespaces, by resource name. */
export const WATCHED_COLLECTIONS = {
  namespaces: '/api/v1/namespaces',
  deployments: '/apis/apps/v1/deployments',
  replicasets: '/apis/apps/v1/replicasets',
  statefulsets: '/apis/apps/v1/statefulsets',
  daemonsets: '/apis/apps/v1/daemonsets',
  jobs: '/apis/batch/v1/jobs',
  cronjobs: '/apis/batch/v1/cronjobs',
  nodes: '/api/v1/nodes',
  pods: '/api/v1/pods',
  persistentvolumeclaims: '/api/v1/persistentvolumeclaims',
  // Helm keeps each release revision in a Secret; only those are selected (cluster-sync.ts), but RBAC cannot grant by selector.
  secrets: '/api/v1/secrets',
  resourcequotas: '/api/v1/resourcequotas',
  limitranges: '/api/v1/limitranges',
  // Kubernetes Events; an API server that does not serve events.k8s.io (404) is read through FALLBACK_COLLECTIONS.
  events: '/apis/events.k8s.io/v1/events',
} as const;

export type WatchedResource = keyof typeof WATCHED_COLLECTIONS;

/** Collections read instead when the API server answers 404 to the first list of the watched one. */
export const FALLBACK_COLLECTIONS: Partial<Record<WatchedResource, string>> = {
  events: '/api/v1/events',
};

const segment = encodeURIComponent;

/** Single GETs besides the lists and watches. */
export const CLUSTER_API_PATHS = {
  /** The health probe. */
  version: () => '/version',
  /** Usage from metrics.k8s.io (metrics-server). */
  nodeMetrics: () => '/apis/metrics.k8s.io/v1beta1/nodes',
  podMetrics: () => '/apis/metrics.k8s.io/v1beta1/pods',
  /** Network and storage usage from the kubelet Summary API, through the API server's node proxy. */
  nodeSummary: (node: string) => `/api/v1/nodes/${segment(node)}/proxy/stats/summary`,
  /** A Helm release revision read again when the latest revision's Secret goes. */
  secret: (namespace: string, name: string) => `/api/v1/namespaces/${segment(namespace)}/secrets/${segment(name)}`,
} as const;
