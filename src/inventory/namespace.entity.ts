import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { numberTransformer } from '../db/transformers.js';

@Entity({ name: 'k8s_namespaces' })
export class NamespaceEntity {
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

  @Column({ name: 'phase', type: 'text', nullable: true })
  phase: string | null;

  @Column({ name: 'labels', type: 'jsonb', default: () => `'{}'::jsonb` })
  labels: Record<string, string>;

  @Column({ name: 'annotations', type: 'jsonb', default: () => `'{}'::jsonb` })
  annotations: Record<string, string>;

  @Column({ name: 'team', type: 'text', nullable: true })
  team: string | null;

  @Column({ name: 'cost_center', type: 'text', nullable: true })
  costCenter: string | null;

  /** ResourceQuota `status.hard` merged over the namespace's quotas, quantities as Kubernetes strings. */
  @Column({ name: 'resource_quota_hard', type: 'jsonb', nullable: true })
  resourceQuotaHard: Record<string, string> | null;

  @Column({ name: 'resource_quota_used', type: 'jsonb', nullable: true })
  resourceQuotaUsed: Record<string, string> | null;

  /** The namespace's LimitRange `spec.limits`. */
  @Column({ name: 'limit_ranges', type: 'jsonb', nullable: true })
  limitRanges: unknown[] | null;

  @Column({ name: 'cpu_usage_millicores', type: 'double precision', nullable: true })
  cpuUsageMillicores: number | null;

  @Column({ name: 'memory_usage_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  memoryUsageBytes: number | null;

  @Column({ name: 'pod_count', type: 'integer', default: 0 })
  podCount: number;

  /** Kubernetes creationTimestamp. */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'synced_at', type: 'timestamptz', default: () => 'now()' })
  syncedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
