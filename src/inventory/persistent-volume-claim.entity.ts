import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { numberTransformer } from '../db/transformers.js';
import { NamespaceEntity } from './namespace.entity.js';

/** Storage cost is attributed from claims: capacity × time, shared among the pods that mount it. */
@Entity({ name: 'k8s_persistent_volume_claims' })
export class PersistentVolumeClaimEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

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

  @Column({ name: 'uid', type: 'text' })
  uid: string;

  @Column({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'resource_version', type: 'text', nullable: true })
  resourceVersion: string | null;

  @Column({ name: 'storage_class', type: 'text', nullable: true })
  storageClass: string | null;

  /** Pending, Bound or Lost. */
  @Column({ name: 'phase', type: 'text', nullable: true })
  phase: string | null;

  @Column({ name: 'volume_name', type: 'text', nullable: true })
  volumeName: string | null;

  @Column({ name: 'access_modes', type: 'jsonb', default: () => `'[]'::jsonb` })
  accessModes: string[];

  /** `status.capacity.storage` in bytes (what is provisioned and billed). */
  @Column({ name: 'capacity_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  capacityBytes: number | null;

  /** `spec.resources.requests.storage` in bytes. */
  @Column({ name: 'requested_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  requestedBytes: number | null;

  /** Names of the (live) pods in the namespace that mount this claim. */
  @Column({ name: 'mounted_by_pods', type: 'jsonb', default: () => `'[]'::jsonb` })
  mountedByPods: string[];

  @Column({ name: 'labels', type: 'jsonb', default: () => `'{}'::jsonb` })
  labels: Record<string, string>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'synced_at', type: 'timestamptz', default: () => 'now()' })
  syncedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
