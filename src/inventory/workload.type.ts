import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, InterfaceType, ObjectType } from 'type-graphql';
import { connectionType, Node } from '../graphql/relay/index.js';
import { ContainerSpec } from './container-spec.type.js';
import { DeploymentHealth, WorkloadKind } from './inventory.enums.js';

/**
 * What every controller of pods has: Deployments (k8s_deployments) and StatefulSets, DaemonSets, Jobs and CronJobs
 * (k8s_workloads). `cluster`, `namespace` and `pods` are resolved in workload.resolver.ts (Deployment's own in
 * deployment.resolver.ts). The concrete type is chosen by `bindWorkloadTypeResolver`.
 */
@InterfaceType('Workload', { implements: Node, description: 'A controller of pods: a Deployment, StatefulSet, DaemonSet, Job or CronJob.' })
export class Workload {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  /** Row ids of the workload, its cluster and its namespace; not part of the schema. */
  rowId: string;
  clusterRowId: string;
  namespaceRowId: string | null;

  @Field(() => WorkloadKind, { description: 'Kubernetes kind.' })
  kind: WorkloadKind;

  @Field({ description: 'Kubernetes uid (metadata.uid).' })
  uid: string;

  @Field({ description: 'Name, unique among live workloads of its kind in its namespace.' })
  name: string;

  @Field({ description: 'Name of the namespace the workload lives in.' })
  namespaceName: string;

  @Field(() => DeploymentHealth, { description: 'Health derived from replica counts, runs and conditions.' })
  health: DeploymentHealth;

  @Field(() => [ContainerSpec], { description: 'Containers of the pod template with their requests and limits.' })
  containers: ContainerSpec[];

  @Field(() => GraphQLJSONObject, { description: 'Kubernetes labels.' })
  labels: Record<string, string>;

  @Field(() => GraphQLJSONObject, { description: 'Kubernetes annotations.' })
  annotations: Record<string, string>;

  @Field(() => GraphQLDateTime, { description: 'Creation time in Kubernetes.' })
  createdAt: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the row was last written by the sync.' })
  syncedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the workload was deleted; null while it exists.' })
  deletedAt: Date | null;
}

/** The fields of a k8s_workloads row the four kinds share beyond the interface; not part of the schema. */
abstract class StoredWorkload extends Workload {
  /** The controller of this workload (a Job's CronJob); not part of the schema. */
  ownerKind: string | null;
  ownerUid: string | null;
}

@ObjectType({ simpleResolvers: true, implements: [Node, Workload], description: 'A Kubernetes StatefulSet: pods with stable names (`<name>-<ordinal>`) and a claim per replica.' })
export class StatefulSet extends StoredWorkload {
  @Field(() => Int, { description: 'Replicas desired (spec.replicas).' })
  desiredReplicas: number;

  @Field(() => Int, { description: 'Replicas whose pods are Ready.' })
  readyReplicas: number;

  @Field(() => Int, { description: 'Replicas of the current revision (status.currentReplicas).' })
  currentReplicas: number;

  @Field(() => Int, { description: 'Replicas available for at least minReadySeconds.' })
  availableReplicas: number;

  @Field(() => Int, { description: 'Replicas of the update revision.' })
  updatedReplicas: number;

  @Field(() => GraphQLJSON, { description: 'Pod selector (spec.selector).' })
  selector: unknown;

  @Field(() => GraphQLJSON, { description: 'Conditions (status.conditions).' })
  conditions: unknown;
}

@ObjectType({ simpleResolvers: true, implements: [Node, Workload], description: 'A Kubernetes DaemonSet: one pod on each node it selects.' })
export class DaemonSet extends StoredWorkload {
  @Field(() => Int, { description: 'Nodes that should run the pod (status.desiredNumberScheduled).' })
  desiredNumberScheduled: number;

  @Field(() => Int, { description: 'Nodes running the pod (status.currentNumberScheduled).' })
  currentNumberScheduled: number;

  @Field(() => Int, { description: 'Nodes whose pod is Ready (status.numberReady).' })
  numberReady: number;

  @Field(() => Int, { description: 'Nodes whose pod is available (status.numberAvailable).' })
  numberAvailable: number;

  @Field(() => Int, { description: 'Nodes running the current pod template (status.updatedNumberScheduled).' })
  updatedNumberScheduled: number;

  @Field(() => GraphQLJSON, { description: 'Pod selector (spec.selector).' })
  selector: unknown;

  @Field(() => GraphQLJSON, { description: 'Conditions (status.conditions).' })
  conditions: unknown;
}

@ObjectType({ simpleResolvers: true, implements: [Node, Workload], description: 'A Kubernetes Job: pods run to completion; a CronJob’s Jobs name it in `cronJob`.' })
export class Job extends StoredWorkload {
  @Field(() => Int, { description: 'Pods that succeeded (status.succeeded).' })
  succeeded: number;

  @Field(() => Int, { description: 'Pods that failed (status.failed).' })
  failed: number;

  @Field(() => Int, { description: 'Pods running or pending (status.active).' })
  active: number;

  @Field(() => Int, { nullable: true, description: 'Successful pods wanted (spec.completions); null: any one success.' })
  completions: number | null;

  @Field(() => Boolean, { description: 'Whether the Job is suspended (spec.suspend).' })
  suspend: boolean;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the Job started (status.startTime).' })
  startTime: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the Job completed (status.completionTime); null unless it succeeded.' })
  completionTime: Date | null;

  @Field(() => GraphQLJSON, { description: 'Conditions (status.conditions): Complete or Failed once finished.' })
  conditions: unknown;
}

@ObjectType({ simpleResolvers: true, implements: [Node, Workload], description: 'A Kubernetes CronJob: starts a Job on a schedule; its pods are those of its Jobs.' })
export class CronJob extends StoredWorkload {
  @Field(() => String, { description: 'Cron schedule (spec.schedule).' })
  schedule: string;

  @Field(() => Boolean, { description: 'Whether the schedule is suspended (spec.suspend).' })
  suspend: boolean;

  @Field(() => Int, { description: 'Jobs it is running now (status.active).' })
  activeJobs: number;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When a Job was last started (status.lastScheduleTime).' })
  lastScheduleTime: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When a Job last succeeded (status.lastSuccessfulTime).' })
  lastSuccessfulTime: Date | null;
}

export const WorkloadConnection = connectionType('Workload', () => Workload);
export const JobConnection = connectionType('Job', () => Job);
