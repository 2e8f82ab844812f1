import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionType, Node } from '../graphql/relay/index.js';
import { ContainerSpec } from './container-spec.type.js';
import { DeploymentHealth, WorkloadKind } from './inventory.enums.js';
import { Workload } from './workload.type.js';

@ObjectType({ simpleResolvers: true, implements: [Node, Workload], description: 'A Kubernetes Deployment; its pods are linked through their ReplicaSets.' })
export class Deployment {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  /** Row id (k8s_deployments.id); not part of the schema. */
  rowId: string;

  /** Row ids of the owning cluster and namespace; not part of the schema. */
  clusterRowId: string;
  namespaceRowId: string | null;

  @Field(() => WorkloadKind, { description: 'Kubernetes kind: always DEPLOYMENT.' })
  readonly kind = WorkloadKind.DEPLOYMENT;

  @Field({ description: 'Kubernetes uid (metadata.uid).' })
  uid: string;

  @Field({ description: 'Deployment name, unique within its namespace.' })
  name: string;

  @Field({ description: 'Name of the namespace the Deployment lives in.' })
  namespaceName: string;

  @Field(() => Int, { description: 'Replicas desired (spec.replicas).' })
  desiredReplicas: number;

  @Field(() => Int, { description: 'Replicas whose pods are Ready.' })
  readyReplicas: number;

  @Field(() => Int, { description: 'Replicas available for at least minReadySeconds.' })
  availableReplicas: number;

  @Field(() => Int, { description: 'Replicas running the current pod template.' })
  updatedReplicas: number;

  @Field(() => Int, { description: 'Replicas not available.' })
  unavailableReplicas: number;

  @Field(() => String, { nullable: true, description: 'Rollout strategy: RollingUpdate or Recreate.' })
  strategy: string | null;

  @Field(() => String, { nullable: true, description: 'RollingUpdate maxSurge as given (a count such as "1" or a percentage such as "25%").' })
  maxSurge: string | null;

  @Field(() => String, { nullable: true, description: 'RollingUpdate maxUnavailable as given (a count or a percentage).' })
  maxUnavailable: string | null;

  @Field(() => DeploymentHealth, { description: 'Health derived from replica counts and conditions.' })
  health: DeploymentHealth;

  @Field(() => [ContainerSpec], { description: 'Containers of the pod template with their requests and limits.' })
  containers: ContainerSpec[];

  @Field(() => GraphQLJSON, { description: 'Pod selector (spec.selector: matchLabels and matchExpressions).' })
  selector: unknown;

  @Field(() => GraphQLJSONObject, { description: 'Kubernetes labels.' })
  labels: Record<string, string>;

  @Field(() => GraphQLJSONObject, { description: 'Kubernetes annotations.' })
  annotations: Record<string, string>;

  @Field(() => Float, { nullable: true, description: 'metadata.generation.' })
  generation: number | null;

  @Field(() => Float, { nullable: true, description: 'status.observedGeneration; lower than generation while the controller catches up.' })
  observedGeneration: number | null;

  @Field(() => GraphQLJSON, { description: 'Conditions (status.conditions): a list of { type, status, reason, message }.' })
  conditions: unknown;

  @Field(() => GraphQLDateTime, { description: 'Creation time in Kubernetes.' })
  createdAt: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the row was last written by the sync.' })
  syncedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the Deployment was deleted; null while it exists.' })
  deletedAt: Date | null;
}

export const DeploymentConnection = connectionType('Deployment', () => Deployment);
