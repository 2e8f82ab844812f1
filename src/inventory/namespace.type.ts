import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionType, Node } from '../graphql/relay/index.js';

@ObjectType({
  simpleResolvers: true,
  implements: Node, description: 'A Kubernetes namespace of one cluster, with the team and cost centre taken from its labels.' })
export class Namespace {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  /** Row id (k8s_namespaces.id); not part of the schema. */
  rowId: string;

  /** Row id of the owning cluster; not part of the schema. */
  clusterRowId: string;

  @Field({ description: 'Kubernetes uid (metadata.uid).' })
  uid: string;

  @Field({ description: 'Namespace name, unique within its cluster.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Kubernetes phase: Active or Terminating.' })
  phase: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Kubernetes labels (string keys and values).' })
  labels: Record<string, string>;

  @Field(() => GraphQLJSONObject, { description: 'Kubernetes annotations (string keys and values).' })
  annotations: Record<string, string>;

  @Field(() => String, { nullable: true, description: 'Owning team, from the configured team label (default `team`).' })
  team: string | null;

  @Field(() => String, { nullable: true, description: 'Cost centre, from the configured label (default `cost-center`).' })
  costCenter: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'ResourceQuota hard limits (status.hard), as Kubernetes reports them (quantity strings such as "4" or "8Gi").' })
  resourceQuotaHard: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'ResourceQuota current use (status.used), as Kubernetes reports them (quantity strings).' })
  resourceQuotaUsed: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'LimitRange items of the namespace, as Kubernetes reports them.' })
  limitRanges: unknown;

  @Field(() => Float, { nullable: true, description: 'Current CPU usage of the pods in the namespace, in millicores.' })
  cpuUsageMillicores: number | null;

  @Field(() => Float, { nullable: true, description: 'Current CPU usage of the pods in the namespace, in cores.' })
  cpuUsageCores: number | null;

  @Field(() => Float, { nullable: true, description: 'Current memory usage (working set) of the pods in the namespace, in bytes.' })
  memoryUsageBytes: number | null;

  @Field(() => Int, { description: 'Live pods in the namespace, as of the last sync.' })
  podCount: number;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Creation time in Kubernetes (metadata.creationTimestamp).' })
  createdAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the row was last written by the sync.' })
  syncedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the namespace was deleted in Kubernetes; null while it exists.' })
  deletedAt: Date | null;
}

export const NamespaceConnection = connectionType('Namespace', () => Namespace);
