import { registerEnumType } from 'type-graphql';

/** Values are the strings stored in k8s_resource_metrics.level. */
export enum MetricLevel {
  CLUSTER = 'cluster',
  NAMESPACE = 'namespace',
  DEPLOYMENT = 'deployment',
  POD = 'pod',
  NODE = 'node',
}

registerEnumType(MetricLevel, {
  name: 'MetricLevel',
  description: 'What a resource-metric series describes; `targetId` is then the global id of an object of that type.',
  valuesConfig: {
    CLUSTER: { description: 'A whole cluster (target: a Cluster id).' },
    NAMESPACE: { description: 'A namespace (target: a Namespace id).' },
    DEPLOYMENT: { description: 'A Deployment, summed over its pods (target: a Deployment id).' },
    POD: { description: 'A single pod (target: a Pod id).' },
    NODE: { description: 'A Kubernetes node (target: a ClusterNode id).' },
  },
});
