import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { numberTransformer } from '../db/transformers.js';

export interface NodeTaint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A Kubernetes node (machine) of a cluster. */
@Entity({ name: 'k8s_nodes' })
export class NodeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster: Relation<ClusterEntity>;

  @Column({ name: 'uid', type: 'text' })
  uid: string;

  @Column({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'resource_version', type: 'text', nullable: true })
  resourceVersion: string | null;

  @Column({ name: 'provider_id', type: 'text', nullable: true })
  providerId: string | null;

  @Column({ name: 'instance_type', type: 'text', nullable: true })
  instanceType: string | null;

  @Column({ name: 'region', type: 'text', nullable: true })
  region: string | null;

  @Column({ name: 'zone', type: 'text', nullable: true })
  zone: string | null;

  @Column({ name: 'cpu_capacity_millicores', type: 'bigint', default: 0, transformer: numberTransformer })
  cpuCapacityMillicores: number;

  @Column({ name: 'memory_capacity_bytes', type: 'bigint', default: 0, transformer: numberTransformer })
  memoryCapacityBytes: number;

  @Column({ name: 'pods_capacity', type: 'integer', default: 0 })
  podsCapacity: number;

  @Column({ name: 'ephemeral_storage_capacity_bytes', type: 'bigint', default: 0, transformer: numberTransformer })
  ephemeralStorageCapacityBytes: number;

  @Column({ name: 'cpu_allocatable_millicores', type: 'bigint', default: 0, transformer: numberTransformer })
  cpuAllocatableMillicores: number;

  @Column({ name: 'memory_allocatable_bytes', type: 'bigint', default: 0, transformer: numberTransformer })
  memoryAllocatableBytes: number;

  @Column({ name: 'pods_allocatable', type: 'integer', default: 0 })
  podsAllocatable: number;

  @Column({ name: 'ephemeral_storage_allocatable_bytes', type: 'bigint', default: 0, transformer: numberTransformer })
  ephemeralStorageAllocatableBytes: number;

  @Column({ name: 'cpu_usage_millicores', type: 'double precision', nullable: true })
  cpuUsageMillicores: number | null;

  @Column({ name: 'memory_usage_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  memoryUsageBytes: number | null;

  @Column({ name: 'labels', type: 'jsonb', default: () => `'{}'::jsonb` })
  labels: Record<string, string>;

  @Column({ name: 'taints', type: 'jsonb', default: () => `'[]'::jsonb` })
  taints: NodeTaint[];

  @Column({ name: 'conditions', type: 'jsonb', default: () => `'[]'::jsonb` })
  conditions: NodeCondition[];

  @Column({ name: 'ready', type: 'boolean', default: false })
  ready: boolean;

  @Column({ name: 'unschedulable', type: 'boolean', default: false })
  unschedulable: boolean;

  @Column({ name: 'kubelet_version', type: 'text', nullable: true })
  kubeletVersion: string | null;

  @Column({ name: 'container_runtime_version', type: 'text', nullable: true })
  containerRuntimeVersion: string | null;

  @Column({ name: 'os_image', type: 'text', nullable: true })
  osImage: string | null;

  @Column({ name: 'operating_system', type: 'text', nullable: true })
  operatingSystem: string | null;

  @Column({ name: 'architecture', type: 'text', nullable: true })
  architecture: string | null;

  /** Kubernetes creationTimestamp. */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'synced_at', type: 'timestamptz', default: () => 'now()' })
  syncedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
