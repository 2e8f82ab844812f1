import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { numberTransformer } from '../db/transformers.js';
import { NamespaceEntity } from './namespace.entity.js';

export type DeploymentHealth = 'healthy' | 'progressing' | 'degraded' | 'failed' | 'scaled_to_zero';

/** One container of a pod template, quantities converted (cpu millicores, memory bytes). */
export interface ContainerSpec {
  name: string;
  image: string;
  cpuRequestMillicores: number | null;
  cpuLimitMillicores: number | null;
  memoryRequestBytes: number | null;
  memoryLimitBytes: number | null;
}

@Entity({ name: 'k8s_deployments' })
export class DeploymentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster: Relation<ClusterEntity>;

  /** NULL until the namespace row exists: reflectors of different kinds are not ordered. */
  @Column({ name: 'namespace_id', type: 'uuid', nullable: true })
  namespaceId: string | null;

  @ManyToOne(() => NamespaceEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'namespace_id' })
  namespaceRef: Relation<NamespaceEntity> | null;

  /** Namespace name, always set. */
  @Column({ name: 'namespace', type: 'text' })
  namespace: string;

  @Column({ name: 'uid', type: 'text' })
  uid: string;

  @Column({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'resource_version', type: 'text', nullable: true })
  resourceVersion: string | null;

  @Column({ name: 'desired_replicas', type: 'integer', default: 0 })
  desiredReplicas: number;

  @Column({ name: 'ready_replicas', type: 'integer', default: 0 })
  readyReplicas: number;

  @Column({ name: 'available_replicas', type: 'integer', default: 0 })
  availableReplicas: number;

  @Column({ name: 'updated_replicas', type: 'integer', default: 0 })
  updatedReplicas: number;

  @Column({ name: 'unavailable_replicas', type: 'integer', default: 0 })
  unavailableReplicas: number;

  /** RollingUpdate or Recreate. */
  @Column({ name: 'strategy', type: 'text', nullable: true })
  strategy: string | null;

  /** Kubernetes IntOrString, kept as written (`25%` or `1`). */
  @Column({ name: 'max_surge', type: 'text', nullable: true })
  maxSurge: string | null;

  @Column({ name: 'max_unavailable', type: 'text', nullable: true })
  maxUnavailable: string | null;

  @Column({ name: 'containers', type: 'jsonb', default: () => `'[]'::jsonb` })
  containers: ContainerSpec[];

  /** `spec.selector` (matchLabels / matchExpressions). */
  @Column({ name: 'selector', type: 'jsonb', default: () => `'{}'::jsonb` })
  selector: Record<string, unknown>;

  @Column({ name: 'labels', type: 'jsonb', default: () => `'{}'::jsonb` })
  labels: Record<string, string>;

  @Column({ name: 'annotations', type: 'jsonb', default: () => `'{}'::jsonb` })
  annotations: Record<string, string>;

  @Column({ name: 'health', type: 'text', default: 'progressing' })
  health: DeploymentHealth;

  @Column({ name: 'generation', type: 'bigint', nullable: true, transformer: numberTransformer })
  generation: number | null;

  @Column({ name: 'observed_generation', type: 'bigint', nullable: true, transformer: numberTransformer })
  observedGeneration: number | null;

  @Column({ name: 'conditions', type: 'jsonb', default: () => `'[]'::jsonb` })
  conditions: Array<{ type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string }>;

  /** Kubernetes creationTimestamp. */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'synced_at', type: 'timestamptz', default: () => 'now()' })
  syncedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
