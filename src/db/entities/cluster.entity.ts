import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, UpdateDateColumn } from 'typeorm';
import { OrganizationEntity } from './organization.entity.js';
import { numberTransformer } from '../transformers.js';

export type ClusterProvider = 'eks' | 'gke' | 'aks' | 'k3s' | 'kind' | 'openshift' | 'vanilla' | 'unknown';
export type ClusterStatus = 'pending' | 'healthy' | 'degraded' | 'unreachable' | 'error';

@Entity({ name: 'k8s_clusters' })
export class ClusterEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id' })
  organization: Relation<OrganizationEntity>;

  @Column({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'provider', type: 'text', default: 'unknown' })
  provider: ClusterProvider;

  @Column({ name: 'api_server_url', type: 'text', nullable: true })
  apiServerUrl: string | null;

  @Column({ name: 'kubernetes_version', type: 'text', nullable: true })
  kubernetesVersion: string | null;

  @Column({ name: 'context_name', type: 'text', nullable: true })
  contextName: string | null;

  /** AES-256-GCM ciphertext; not loaded unless asked for explicitly (`addSelect`). */
  @Column({ name: 'kubeconfig_encrypted', type: 'bytea', nullable: true, select: false })
  kubeconfigEncrypted: Buffer | null;

  @Column({ name: 'encryption_key_id', type: 'text', nullable: true })
  encryptionKeyId: string | null;

  @Column({ name: 'status', type: 'text', default: 'pending' })
  status: ClusterStatus;

  @Column({ name: 'status_message', type: 'text', nullable: true })
  statusMessage: string | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @Column({ name: 'last_sync_at', type: 'timestamptz', nullable: true })
  lastSyncAt: Date | null;

  @Column({ name: 'api_latency_ms', type: 'integer', nullable: true })
  apiLatencyMs: number | null;

  @Column({ name: 'node_count', type: 'integer', default: 0 })
  nodeCount: number;

  @Column({ name: 'ready_node_count', type: 'integer', default: 0 })
  readyNodeCount: number;

  @Column({ name: 'namespace_count', type: 'integer', default: 0 })
  namespaceCount: number;

  @Column({ name: 'deployment_count', type: 'integer', default: 0 })
  deploymentCount: number;

  @Column({ name: 'pod_count', type: 'integer', default: 0 })
  podCount: number;

  @Column({ name: 'running_pod_count', type: 'integer', default: 0 })
  runningPodCount: number;

  @Column({ name: 'cpu_capacity_millicores', type: 'bigint', default: 0, transformer: numberTransformer })
  cpuCapacityMillicores: number;

  @Column({ name: 'memory_capacity_bytes', type: 'bigint', default: 0, transformer: numberTransformer })
  memoryCapacityBytes: number;

  @Column({ name: 'cpu_allocatable_millicores', type: 'bigint', default: 0, transformer: numberTransformer })
  cpuAllocatableMillicores: number;

  @Column({ name: 'memory_allocatable_bytes', type: 'bigint', default: 0, transformer: numberTransformer })
  memoryAllocatableBytes: number;

  /** Currency units per hour at the cluster's prices (USD unless pricing says otherwise). */
  @Column({ name: 'hourly_cost_estimate', type: 'numeric', precision: 18, scale: 6, nullable: true, transformer: numberTransformer })
  hourlyCostEstimate: number | null;

  /** Price overrides set with `setClusterPricing`; NULL means the defaults. */
  @Column({ name: 'pricing', type: 'jsonb', nullable: true })
  pricing: Record<string, unknown> | null;

  @Column({ name: 'labels', type: 'jsonb', default: () => `'{}'::jsonb` })
  labels: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
