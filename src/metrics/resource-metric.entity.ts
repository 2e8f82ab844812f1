import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { numberTransformer } from '../db/transformers.js';

export type MetricLevel = 'cluster' | 'namespace' | 'deployment' | 'pod' | 'node';

/**
 * One usage sample of one target. Partitioned by month on `collected_at` (part of the primary
 * key); a query with a time range on `collected_at` reads only the partitions it covers.
 */
@Entity({ name: 'k8s_resource_metrics' })
export class ResourceMetricEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'collected_at', type: 'timestamptz' })
  collectedAt: Date;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster: Relation<ClusterEntity>;

  @Column({ name: 'level', type: 'text' })
  level: MetricLevel;

  /** Row id of the target: the cluster, namespace, deployment, pod or node. */
  @Column({ name: 'target_id', type: 'uuid' })
  targetId: string;

  @Column({ name: 'target_name', type: 'text' })
  targetName: string;

  /** Namespace name for namespace, deployment and pod samples. */
  @Column({ name: 'namespace', type: 'text', nullable: true })
  namespace: string | null;

  @Column({ name: 'cpu_usage_millicores', type: 'double precision', nullable: true })
  cpuUsageMillicores: number | null;

  /** Working-set memory in bytes. */
  @Column({ name: 'memory_working_set_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  memoryWorkingSetBytes: number | null;

  /** Requests at sampling time, so cost uses max(request, usage) as it was then. */
  @Column({ name: 'cpu_request_millicores', type: 'bigint', nullable: true, transformer: numberTransformer })
  cpuRequestMillicores: number | null;

  @Column({ name: 'memory_request_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  memoryRequestBytes: number | null;

  /** Cumulative counters as reported by the kubelet. */
  @Column({ name: 'network_rx_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  networkRxBytes: number | null;

  @Column({ name: 'network_tx_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  networkTxBytes: number | null;

  @Column({ name: 'storage_used_bytes', type: 'bigint', nullable: true, transformer: numberTransformer })
  storageUsedBytes: number | null;

  @Column({ name: 'restarts', type: 'integer', nullable: true })
  restarts: number | null;

  @Column({ name: 'oom_kills', type: 'integer', nullable: true })
  oomKills: number | null;
}
