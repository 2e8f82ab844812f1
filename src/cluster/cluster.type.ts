import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionType, Node } from '../graphql/relay/index.js';
import { ClusterProvider, ClusterStatus } from './cluster.enums.js';

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description:
    'A registered Kubernetes cluster. Every field answers from the database, also while the cluster is unreachable: `status`, `statusMessage` and `lastSeenAt` then say why and since when. The kubeconfig is never exposed.',
})
export class Cluster {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  /** Row id (k8s_clusters.id); not part of the schema. */
  rowId: string;

  @Field({ description: 'Name, unique within the organisation.' })
  name: string;

  @Field(() => ClusterProvider, { description: 'Detected distribution or cloud provider.' })
  provider: ClusterProvider;

  @Field(() => String, { nullable: true, description: 'URL of the Kubernetes API server.' })
  apiServerUrl: string | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes version reported by /version (for example v1.30.2).' })
  kubernetesVersion: string | null;

  @Field(() => String, { nullable: true, description: 'Kubeconfig context used to connect.' })
  contextName: string | null;

  @Field(() => ClusterStatus, { description: 'Connection and sync state.' })
  status: ClusterStatus;

  @Field(() => String, { nullable: true, description: 'Why the cluster is not HEALTHY (for example "connect ECONNREFUSED"); null when healthy.' })
  statusMessage: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Last time the API server answered.' })
  lastSeenAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Last time a full list of every kind was committed.' })
  lastSyncAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'Latest measured API server round-trip time, in milliseconds.' })
  apiLatencyMs: number | null;

  @Field(() => Int, { description: 'Number of nodes, as of the last sync.' })
  nodeCount: number;

  @Field(() => Int, { description: 'Nodes whose Ready condition is True, as of the last sync.' })
  readyNodeCount: number;

  @Field(() => Int, { description: 'Namespaces, as of the last sync.' })
  namespaceCount: number;

  @Field(() => Int, { description: 'Deployments, as of the last sync.' })
  deploymentCount: number;

  @Field(() => Int, { description: 'Live (not deleted) pods, as of the last sync.' })
  podCount: number;

  @Field(() => Int, { description: 'Pods in phase Running, as of the last sync.' })
  runningPodCount: number;

  @Field(() => Float, { description: 'Total CPU capacity of all nodes, in millicores (1000 = one core).' })
  cpuCapacityMillicores: number;

  @Field(() => Float, { description: 'Total CPU capacity of all nodes, in cores.' })
  cpuCapacityCores: number;

  @Field(() => Float, { description: 'Total memory capacity of all nodes, in bytes.' })
  memoryCapacityBytes: number;

  @Field(() => Float, { description: 'CPU allocatable to pods on all nodes, in millicores.' })
  cpuAllocatableMillicores: number;

  @Field(() => Float, { description: 'Memory allocatable to pods on all nodes, in bytes.' })
  memoryAllocatableBytes: number;

  @Field(() => Float, { nullable: true, description: 'Estimated cost of the cluster per hour at its effective prices, in `pricing.currency`.' })
  hourlyCostEstimate: number | null;

  /** k8s_clusters.pricing as stored (null: the defaults); the cost domain serves the effective prices as `pricing`. */
  pricingRow: unknown;

  @Field(() => GraphQLJSONObject, { description: 'Labels given at registration (string keys and values).' })
  labels: Record<string, string>;

  @Field(() => GraphQLDateTime, { description: 'When the cluster was registered.' })
  createdAt: Date;

  @Field(() => GraphQLDateTime, { description: 'When the cluster row last changed.' })
  updatedAt: Date;
}

export const ClusterConnection = connectionType('Cluster', () => Cluster);
