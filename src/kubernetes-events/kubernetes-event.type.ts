import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, Node } from '../graphql/relay/index.js';

export enum KubernetesEventType {
  NORMAL = 'Normal',
  WARNING = 'Warning',
}

registerEnumType(KubernetesEventType, {
  name: 'KubernetesEventType',
  description: 'Severity of a Kubernetes Event (its `type`).',
  valuesConfig: {
    NORMAL: { description: 'Something expected happened (Scheduled, Pulled, Started, …).' },
    WARNING: { description: 'Something may be wrong (BackOff, Unhealthy, FailedScheduling, OOMKilling, …).' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'The object a Kubernetes Event is about (`regarding`, or core `involvedObject`).' })
export class InvolvedObject {
  @Field(() => String, { nullable: true, description: 'Kind, for example Pod, Node, ReplicaSet, Job.' })
  kind: string | null;

  @Field(() => String, { nullable: true, description: 'Name of the object.' })
  name: string | null;

  @Field(() => String, { nullable: true, description: 'Namespace of the object; null for cluster-scoped objects (nodes).' })
  namespace: string | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes uid of the object (a node’s kubelet reports the node name here).' })
  uid: string | null;
}

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description:
    'A Kubernetes Event (events.k8s.io/v1 or core v1 `Event`): what the cluster’s components reported about an object, for example a pod’s `BackOff` or a node’s `NodeNotReady`. ' +
    'One per Event uid, its `count` and `lastSeen` following repeats. Kept after the cluster deletes it (`expiredAt`) until KUBEGRAPH_RETENTION_EVENTS_DAYS. ' +
    'Not to be confused with the change events of subscriptions (`podChanged`).',
})
export class KubernetesEvent {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  /** Row id (k8s_events.id) and links; not part of the schema. */
  rowId: string;
  clusterRowId: string;
  namespaceRowId: string | null;

  @Field({ description: 'Kubernetes uid of the Event (metadata.uid).' })
  uid: string;

  @Field({ description: 'Name of the Event object (metadata.name).' })
  name: string;

  @Field({ description: 'Namespace the Event was written in.' })
  namespaceName: string;

  @Field(() => String, { nullable: true, description: 'Short, machine-readable reason, for example BackOff, Unhealthy, FailedScheduling.' })
  reason: string | null;

  @Field(() => KubernetesEventType, { nullable: true, description: 'NORMAL or WARNING; null for a type Kubernetes does not define.' })
  type: KubernetesEventType | null;

  @Field(() => String, { nullable: true, description: 'Human-readable message (`note`, core `message`).' })
  message: string | null;

  @Field(() => Int, { description: 'How many times it happened (`series.count`, core `count`), 1 for a single occurrence.' })
  count: number;

  @Field(() => GraphQLDateTime, { description: 'When it first happened (`eventTime`, core `firstTimestamp`).' })
  firstSeen: Date;

  @Field(() => GraphQLDateTime, { description: 'When it last happened (`series.lastObservedTime`, core `lastTimestamp`).' })
  lastSeen: Date;

  @Field(() => InvolvedObject, { description: 'The object it is about.' })
  involvedObject: InvolvedObject;

  @Field(() => String, { nullable: true, description: 'Component that reported it, for example kubelet, default-scheduler.' })
  reportingController: string | null;

  @Field(() => String, { nullable: true, description: 'Instance of that component, for example the node of a kubelet.' })
  reportingInstance: string | null;

  @Field(() => String, { nullable: true, description: 'What the reporter did or failed to do (`action`, for example Binding).' })
  action: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the cluster deleted the Event (its TTL, one hour by default); null while it exists.' })
  expiredAt: Date | null;
}

export const KubernetesEventConnection = connectionType('KubernetesEvent', () => KubernetesEvent);
