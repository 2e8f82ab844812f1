import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { NamespaceEntity } from './namespace.entity.js';

/** The latest revision of each Helm 3 release (decoded from its `helm.sh/release.v1` secrets). */
@Entity({ name: 'k8s_helm_releases' })
export class HelmReleaseEntity {
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

  @Column({ name: 'name', type: 'text' })
  name: string;

  /** uid of the secret holding the latest revision. */
  @Column({ name: 'uid', type: 'text', nullable: true })
  uid: string | null;

  @Column({ name: 'resource_version', type: 'text', nullable: true })
  resourceVersion: string | null;

  @Column({ name: 'revision', type: 'integer' })
  revision: number;

  /** deployed, failed, superseded, uninstalling, pending-install, pending-upgrade, pending-rollback, … */
  @Column({ name: 'status', type: 'text' })
  status: string;

  @Column({ name: 'chart_name', type: 'text' })
  chartName: string;

  @Column({ name: 'chart_version', type: 'text', nullable: true })
  chartVersion: string | null;

  @Column({ name: 'app_version', type: 'text', nullable: true })
  appVersion: string | null;

  /** User-supplied values only (the release's `config`), not the chart defaults. */
  @Column({ name: 'values', type: 'jsonb', default: () => `'{}'::jsonb` })
  values: Record<string, unknown>;

  @Column({ name: 'first_deployed_at', type: 'timestamptz', nullable: true })
  firstDeployedAt: Date | null;

  @Column({ name: 'last_deployed_at', type: 'timestamptz', nullable: true })
  lastDeployedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'synced_at', type: 'timestamptz', default: () => 'now()' })
  syncedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
