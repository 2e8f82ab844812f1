import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { DeploymentEntity } from './deployment.entity.js';
import { NamespaceEntity } from './namespace.entity.js';

/** Kept so that pods, which name their ReplicaSet as owner, can be linked to their Deployment. */
@Entity({ name: 'k8s_replica_sets' })
export class ReplicaSetEntity {
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

  /** The controller ownerReference (normally kind Deployment). */
  @Column({ name: 'owner_kind', type: 'text', nullable: true })
  ownerKind: string | null;

  @Column({ name: 'owner_name', type: 'text', nullable: true })
  ownerName: string | null;

  @Column({ name: 'owner_uid', type: 'text', nullable: true })
  ownerUid: string | null;

  @Column({ name: 'deployment_uid', type: 'text', nullable: true })
  deploymentUid: string | null;

  /** NULL until the Deployment row exists. */
  @Column({ name: 'deployment_id', type: 'uuid', nullable: true })
  deploymentId: string | null;

  @ManyToOne(() => DeploymentEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'deployment_id' })
  deployment: Relation<DeploymentEntity> | null;

  /** `deployment.kubernetes.io/revision` annotation. */
  @Column({ name: 'revision', type: 'text', nullable: true })
  revision: string | null;

  @Column({ name: 'desired_replicas', type: 'integer', default: 0 })
  desiredReplicas: number;

  @Column({ name: 'ready_replicas', type: 'integer', default: 0 })
  readyReplicas: number;

  @Column({ name: 'labels', type: 'jsonb', default: () => `'{}'::jsonb` })
  labels: Record<string, string>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'synced_at', type: 'timestamptz', default: () => 'now()' })
  syncedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
