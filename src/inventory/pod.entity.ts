import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { numberTransformer } from '../db/transformers.js';
import { type ContainerSpec, DeploymentEntity } from './deployment.entity.js';
import { NamespaceEntity } from './namespace.entity.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** One entry of `container_statuses`. */
export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  /** running, waiting or terminated. */
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** Reason of the current state, e.g. CrashLoopBackOff, ImagePullBackOff, Completed. */
  reason: string | null;
  exitCode: number | null;
  startedAt: string | null;
  /** Reason the previous run ended, e.g. OOMKilled, Error. */
  lastTerminationReason: string | null;
  lastTerminationExitCode: number | null;
  lastTerminatedAt: string | null;
}

/**
 * Partitioned by month on `created_at` (the pod's creationTimestamp), so the primary key includes
 * it. The sync upserts on (cluster_id, uid, created_at). A deleted pod keeps its row with
 * `deleted_at` set: cost and history need it.
 */
@Entity({ name: 'k8s_pods' })
export class PodEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster: Relation<ClusterEntity>;

  @Column({ name: 'namespace_id', type: 'uuid', nullable: true })
  namespaceId: string | null;

  @ManyToOne(() => NamespaceEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'namespace_id' })
  namespaceRef: Relation<NamespaceEntity> | null;

  @Column({ name: 'namespace', type: 'text' })
  namespace: string;

  /** Resolved through the owning ReplicaSet; NULL for pods not owned by a Deployment. */
  @Column({ name: 'deployment_id', type: 'uuid', nullable: true })
  deploymentId: string | null;

  @ManyToOne(() => DeploymentEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'deployment_id' })
  deployment: Relation<DeploymentEntity> | null;

  /** The controller ownerReference (ReplicaSet, StatefulSet, DaemonSet, Job, …). */
  @Column({ name: 'owner_kind', type: 'text', nullable: true })
  ownerKind: string | null;

  @Column({ name: 'owner_name', type: 'text', nullable: true })
  ownerName: string | null;

  @Column({ name: 'owner_uid', type: 'text', nullable: true })
  ownerUid: string | null;

  @Column({ name: 'node_name', type: 'text', nullable: true })
  nodeName: string | null;

  @Column({ name: 'uid', type: 'text' })
  uid: string;

  @Column({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'resource_version', type: 'text', nullable: true })
  resourceVersion: string | null;

  @Column({ name: 'phase', type: 'text', default: 'Pending' })
  phase: PodPhase;

  /** `status.reason` (e.g. Evicted), or the most telling container reason (CrashLoopBackOff, OOMKilled). */
  @Column({ name: 'reason', type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'qos_class', type: 'text', nullable: true })
  qosClass: string | null;

  @Column({ name: 'ready', type: 'boolean', default: false })
  ready: boolean;

  /** Sum over containers. */
  @Column({ name: 'restart_count', type: 'integer', default: 0 })
  restartCount: number;

  @Column({ name: 'container_statuses', type: 'jsonb', default: () => `'[]'::jsonb` })
  containerStatuses: ContainerStatus[];

  @Column({ name: 'containers', type: 'jsonb', default: () => `'[]'::jsonb` })
  containers: ContainerSpec[];

  /** Sums over containers. */
  @Column({ name: 'cpu_request_millicores', type: 'bigint', default: 0, transformer: numberTransformer })
  cpuRequestMillicores: number;

  @Column({ name: 'cpu_limit_millicores', type: 'bigint', nullable: true, transformer: numberTransformer })
  cpuLimitMillicores: number | null;

  @Column({ name: 'memory_request_bytes', type: 'bigint', default: 0, transformer: numberTransformer })
  memoryRequestBytes: number;

  @Column({ name: 'memory_limit_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  memoryLimitBytes: number | null;

  @Column({ name: 'labels', type: 'jsonb', default: () => `'{}'::jsonb` })
  labels: Record<string, string>;

  @Column({ name: 'pod_ip', type: 'text', nullable: true })
  podIp: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'synced_at', type: 'timestamptz', default: () => 'now()' })
  syncedAt: Date;
}
