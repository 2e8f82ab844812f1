import { GraphQLDateTime } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionType } from '../graphql/relay/index.js';
import { ClusterStatus } from './cluster.enums.js';

@ObjectType({ simpleResolvers: true, description: 'Health summary of one cluster (view v_k8s_cluster_health), computed from the stored inventory.' })
export class ClusterHealth {
  @Field(() => ID, { description: 'Global id of the cluster this summary describes.' })
  clusterId: string;

  /** Row id of the cluster; not part of the schema. */
  clusterRowId: string;

  @Field({ description: 'Cluster name.' })
  clusterName: string;

  @Field(() => ClusterStatus, { description: 'Connection and sync state of the cluster.' })
  status: ClusterStatus;

  @Field(() => String, { nullable: true, description: 'Why the cluster is not HEALTHY; null when healthy.' })
  statusMessage: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Last time the API server answered.' })
  lastSeenAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Last time a full list of every kind was committed.' })
  lastSyncAt: Date | null;

  @Field(() => Int, { description: 'Nodes known (not deleted).' })
  nodeCount: number;

  @Field(() => Int, { description: 'Nodes whose Ready condition is True.' })
  readyNodeCount: number;

  @Field(() => Int, { description: 'Deployments known (not deleted).' })
  deploymentCount: number;

  @Field(() => Int, { description: 'Deployments whose health is HEALTHY.' })
  healthyDeploymentCount: number;

  @Field(() => Int, { description: 'Live (not deleted) pods in any phase.' })
  podCount: number;

  @Field(() => Int, { description: 'Live pods in phase Running.' })
  runningPodCount: number;

  @Field(() => Int, { description: 'Live pods in phase Pending.' })
  pendingPodCount: number;

  @Field(() => Int, { description: 'Live pods in phase Failed.' })
  failedPodCount: number;

  @Field(() => Float, { description: 'CPU capacity of the nodes, in millicores.' })
  cpuCapacityMillicores: number;

  @Field(() => Float, { description: 'CPU allocatable to pods on the nodes, in millicores.' })
  cpuAllocatableMillicores: number;

  @Field(() => Float, { description: 'CPU requested by Pending and Running pods, in millicores.' })
  cpuRequestMillicores: number;

  @Field(() => Float, { description: 'Current CPU usage of the nodes, in millicores.' })
  cpuUsageMillicores: number;

  @Field(() => Float, { description: 'Memory capacity of the nodes, in bytes.' })
  memoryCapacityBytes: number;

  @Field(() => Float, { description: 'Memory allocatable to pods on the nodes, in bytes.' })
  memoryAllocatableBytes: number;

  @Field(() => Float, { description: 'Memory requested by Pending and Running pods, in bytes.' })
  memoryRequestBytes: number;

  @Field(() => Float, { description: 'Current memory usage (working set) of the nodes, in bytes.' })
  memoryUsageBytes: number;

  @Field(() => Float, { nullable: true, description: 'CPU usage ÷ capacity, between 0 and 1; null without capacity.' })
  cpuUtilization: number | null;

  @Field(() => Float, { nullable: true, description: 'Memory usage ÷ capacity, between 0 and 1; null without capacity.' })
  memoryUtilization: number | null;

  @Field(() => Float, { nullable: true, description: 'Estimated cost per hour, in the cluster currency.' })
  hourlyCostEstimate: number | null;
}

export const ClusterHealthConnection = connectionType('ClusterHealth', () => ClusterHealth);
