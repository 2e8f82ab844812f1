import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionType, Node } from '../graphql/relay/index.js';
import type { ClusterNode } from './cluster-node.type.js';
import { ContainerStatus } from './container-status.type.js';
import { ContainerSpec } from './container-spec.type.js';
import { PodPhase } from './inventory.enums.js';

@ObjectType({
  simpleResolvers: true,
  implements: Node, description: 'A Kubernetes pod. Deleted pods keep their row (with `deletedAt`) for history and cost.' })
export class Pod {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  /** Row id (k8s_pods.id) and links; not part of the schema. */
  rowId: string;
  clusterRowId: string;
  namespaceRowId: string | null;
  deploymentRowId: string | null;
  /** The controlling owner's uid (metadata.ownerReferences), how `owner` finds a StatefulSet, DaemonSet or Job. */
  ownerUid: string | null;
  /** The node, when loaded with the page the pod came in (see `loadScheduledNodes`); undefined otherwise. */
  scheduledNode?: ClusterNode | null;

  @Field({ description: 'Kubernetes uid (metadata.uid).' })
  uid: string;

  @Field({ description: 'Pod name.' })
  name: string;

  @Field({ description: 'Name of the namespace the pod lives in.' })
  namespaceName: string;

  @Field(() => PodPhase, { description: 'Pod phase (status.phase).' })
  phase: PodPhase;

  @Field(() => String, { nullable: true, description: 'Why the pod is in this state (status.reason, for example Evicted), the waiting/termination reason of a failing container, or Unschedulable for a pending pod no node can take.' })
  reason: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Kubernetes\' explanation of the pod\'s state: status.message (why it was evicted), or why it cannot be scheduled (the PodScheduled condition\'s message).',
  })
  message: string | null;

  @Field(() => String, { nullable: true, description: 'QoS class: Guaranteed, Burstable or BestEffort.' })
  qosClass: string | null;

  @Field({ description: 'True when the pod Ready condition is True.' })
  ready: boolean;

  @Field(() => Int, { description: 'Restarts summed over all containers.' })
  restartCount: number;

  @Field(() => String, { nullable: true, description: 'Name of the node the pod is scheduled on; null while unscheduled.' })
  nodeName: string | null;

  @Field(() => String, { nullable: true, description: 'Kind of the controlling owner (ReplicaSet, StatefulSet, DaemonSet, Job, …).' })
  ownerKind: string | null;

  @Field(() => String, { nullable: true, description: 'Name of the controlling owner.' })
  ownerName: string | null;

  @Field(() => String, { nullable: true, description: 'Pod IP address (status.podIP); null before the pod has one.' })
  podIp: string | null;

  @Field(() => [ContainerStatus], { description: 'State of each container.' })
  containers: ContainerStatus[];

  @Field(() => [ContainerSpec], { description: 'Containers as declared in the pod spec, with their requests and limits.' })
  containerSpecs: ContainerSpec[];

  @Field(() => Float, { description: 'CPU requested by all containers, in millicores.' })
  cpuRequestMillicores: number;

  @Field(() => Float, { description: 'CPU requested by all containers, in cores.' })
  cpuRequestCores: number;

  @Field(() => Float, { nullable: true, description: 'CPU limit of all containers, in millicores; null when a container has no limit.' })
  cpuLimitMillicores: number | null;

  @Field(() => Float, { description: 'Memory requested by all containers, in bytes.' })
  memoryRequestBytes: number;

  @Field(() => Float, { nullable: true, description: 'Memory limit of all containers, in bytes; null when a container has no limit.' })
  memoryLimitBytes: number | null;

  @Field(() => GraphQLJSONObject, { description: 'Kubernetes labels.' })
  labels: Record<string, string>;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the pod started on its node (status.startTime).' })
  startedAt: Date | null;

  @Field(() => GraphQLDateTime, { description: 'Creation time in Kubernetes (metadata.creationTimestamp).' })
  createdAt: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the pod was deleted in Kubernetes; null while it exists.' })
  deletedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the row was last written by the sync.' })
  syncedAt: Date | null;
}

export const PodConnection = connectionType('Pod', () => Pod);
