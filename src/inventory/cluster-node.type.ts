import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionType, Node } from '../graphql/relay/index.js';

@ObjectType({
  simpleResolvers: true,
  implements: Node, description: 'A Kubernetes node (a machine of a cluster).' })
export class ClusterNode {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  /** Row id (k8s_nodes.id); not part of the schema. */
  rowId: string;

  /** Row id of the owning cluster; not part of the schema. */
  clusterRowId: string;

  @Field({ description: 'Kubernetes uid (metadata.uid).' })
  uid: string;

  @Field({ description: 'Node name, unique within its cluster.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Cloud provider id (spec.providerID), for example aws:///eu-west-1a/i-0abc.' })
  providerId: string | null;

  @Field(() => String, { nullable: true, description: 'Instance type (label node.kubernetes.io/instance-type).' })
  instanceType: string | null;

  @Field(() => String, { nullable: true, description: 'Region (label topology.kubernetes.io/region).' })
  region: string | null;

  @Field(() => String, { nullable: true, description: 'Zone (label topology.kubernetes.io/zone).' })
  zone: string | null;

  @Field(() => Float, { description: 'CPU capacity, in millicores.' })
  cpuCapacityMillicores: number;

  @Field(() => Float, { description: 'CPU capacity, in cores.' })
  cpuCapacityCores: number;

  @Field(() => Float, { description: 'Memory capacity, in bytes.' })
  memoryCapacityBytes: number;

  @Field(() => Int, { description: 'Maximum number of pods.' })
  podCapacity: number;

  @Field(() => Float, { description: 'Ephemeral storage capacity, in bytes.' })
  ephemeralStorageCapacityBytes: number;

  @Field(() => Float, { description: 'CPU allocatable to pods, in millicores.' })
  cpuAllocatableMillicores: number;

  @Field(() => Float, { description: 'Memory allocatable to pods, in bytes.' })
  memoryAllocatableBytes: number;

  @Field(() => Int, { description: 'Pods allocatable.' })
  podAllocatable: number;

  @Field(() => Float, { description: 'Ephemeral storage allocatable, in bytes.' })
  ephemeralStorageAllocatableBytes: number;

  @Field(() => Float, { nullable: true, description: 'Current CPU usage (metrics.k8s.io), in millicores.' })
  cpuUsageMillicores: number | null;

  @Field(() => Float, { nullable: true, description: 'Current CPU usage, in cores.' })
  cpuUsageCores: number | null;

  @Field(() => Float, { nullable: true, description: 'Current memory usage (working set), in bytes.' })
  memoryUsageBytes: number | null;

  @Field(() => GraphQLJSONObject, { description: 'Kubernetes labels.' })
  labels: Record<string, string>;

  @Field(() => GraphQLJSON, { description: 'Taints (spec.taints): a list of { key, value, effect }.' })
  taints: unknown;

  @Field(() => GraphQLJSON, { description: 'Conditions (status.conditions): a list of { type, status, reason, message }.' })
  conditions: unknown;

  @Field({ description: 'True when the Ready condition is True.' })
  ready: boolean;

  @Field({ description: 'True when the node is cordoned (spec.unschedulable).' })
  unschedulable: boolean;

  @Field(() => String, { nullable: true, description: 'Kubelet version (for example v1.30.2).' })
  kubeletVersion: string | null;

  @Field(() => String, { nullable: true, description: 'Container runtime and version (for example containerd://1.7.13).' })
  containerRuntimeVersion: string | null;

  @Field(() => String, { nullable: true, description: 'OS image (for example Ubuntu 22.04.4 LTS).' })
  osImage: string | null;

  @Field(() => String, { nullable: true, description: 'Operating system (linux, windows).' })
  operatingSystem: string | null;

  @Field(() => String, { nullable: true, description: 'CPU architecture (amd64, arm64).' })
  architecture: string | null;

  @Field(() => GraphQLDateTime, { description: 'Creation time in Kubernetes.' })
  createdAt: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the row was last written by the sync.' })
  syncedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the node was removed from the cluster; null while it exists.' })
  deletedAt: Date | null;
}

export const ClusterNodeConnection = connectionType('ClusterNode', () => ClusterNode);
