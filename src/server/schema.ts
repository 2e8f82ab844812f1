import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver.js';
import { ClusterResolver } from '../cluster/cluster.resolver.js';
import { ClusterAdminResolver } from '../cluster/cluster-admin.resolver.js';
import { ClusterStatusChangedResolver } from '../cluster/cluster-status-changed.resolver.js';
import { ClusterPricingResolver } from '../cost/cluster-pricing.resolver.js';
import { CostResolver } from '../cost/cost.resolver.js';
import { NamespaceCostResolver } from '../cost/namespace-cost.resolver.js';
import { ClusterInventoryResolver } from '../inventory/cluster-inventory.resolver.js';
import { ClusterNodeResolver } from '../inventory/cluster-node.resolver.js';
import { DeploymentResolver } from '../inventory/deployment.resolver.js';
import { HelmReleaseResolver } from '../inventory/helm-release.resolver.js';
import { NamespaceResolver } from '../inventory/namespace.resolver.js';
import { PodResolver } from '../inventory/pod.resolver.js';
import { PodChangedResolver } from '../inventory/pod-changed.resolver.js';
import { DeploymentChangedResolver } from '../inventory/deployment-changed.resolver.js';
import { NodeChangedResolver } from '../inventory/node-changed.resolver.js';
import { CronJobResolver, JobResolver } from '../inventory/cron-job.resolver.js';
import { bindWorkloadTypeResolver, WorkloadResolver } from '../inventory/workload.resolver.js';
import { ClusterNodeEventsResolver, NamespaceEventsResolver, PodEventsResolver, WorkloadEventsResolver } from '../kubernetes-events/inventory-events.resolver.js';
import { KubernetesEventResolver } from '../kubernetes-events/kubernetes-event.resolver.js';
import { bindScheduledNodeField } from '../inventory/scheduled-nodes.js';
import { MetricsResolver } from '../metrics/metrics.resolver.js';
import { bindConnectionCounts } from '../graphql/relay/connection.js';
import { bindNodeTypeResolver } from '../graphql/relay/node.js';
import { NodeResolver } from './node.resolver.js';

/** Every resolver class of the API; each domain adds its own line here. */
const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  ClusterResolver,
  ClusterAdminResolver,
  ClusterInventoryResolver,
  NamespaceResolver,
  DeploymentResolver,
  PodResolver,
  WorkloadResolver,
  CronJobResolver,
  JobResolver,
  ClusterNodeResolver,
  HelmReleaseResolver,
  KubernetesEventResolver,
  PodEventsResolver,
  WorkloadEventsResolver,
  ClusterNodeEventsResolver,
  NamespaceEventsResolver,
  MetricsResolver,
  CostResolver,
  NamespaceCostResolver,
  ClusterPricingResolver,
  AuthResolver,
  PodChangedResolver,
  DeploymentChangedResolver,
  NodeChangedResolver,
  ClusterStatusChangedResolver,
];

/**
 * type-graphql insists on a PubSub once any subscription exists, but ours read the EventBus through
 * their own `subscribe` functions; topic-based subscriptions are a mistake this makes loud.
 */
const noTopicPubSub: PubSub = {
  publish() {
    throw new Error('topic-based subscriptions are not used: subscribe to the EventBus in @Subscription({ subscribe })');
  },
  subscribe() {
    throw new Error('topic-based subscriptions are not used: subscribe to the EventBus in @Subscription({ subscribe })');
  },
};

export async function buildKubegraphSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Input classes may carry class-validator constraints; objects without them pass as they are.
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
    pubSub: noTopicPubSub,
  });
  // Resolvers graphql-js and the compiled executor (graphql-jit) run alike: a synchronous Node type, counts called,
  // nodes loaded with their pods' page answered at once.
  bindNodeTypeResolver(schema);
  bindConnectionCounts(schema);
  bindScheduledNodeField(schema);
  bindWorkloadTypeResolver(schema);
  return schema;
}
