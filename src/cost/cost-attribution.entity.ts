import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, UpdateDateColumn } from 'typeorm';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { numberTransformer } from '../db/transformers.js';

export type CostGranularity = 'hour' | 'day';

/**
 * Cost over one hour or day. Rows are additive: a namespace's cost is the sum of its rows (one per
 * workload, plus one with a NULL workload for pods without a controller), never a total row on top
 * of them; cluster idle cost sits on rows whose namespace is NULL. v_k8s_namespace_costs sums the
 * daily rows on that basis. Unique per (cluster, namespace, workload kind/name, granularity,
 * period_start) with NULLs equal, so rollups are idempotent upserts.
 */
@Entity({ name: 'k8s_cost_attribution' })
export class CostAttributionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster: Relation<ClusterEntity>;

  @Column({ name: 'namespace', type: 'text', nullable: true })
  namespace: string | null;

  @Column({ name: 'team', type: 'text', nullable: true })
  team: string | null;

  @Column({ name: 'cost_center', type: 'text', nullable: true })
  costCenter: string | null;

  @Column({ name: 'workload_kind', type: 'text', nullable: true })
  workloadKind: string | null;

  @Column({ name: 'workload_name', type: 'text', nullable: true })
  workloadName: string | null;

  @Column({ name: 'granularity', type: 'text' })
  granularity: CostGranularity;

  @Column({ name: 'period_start', type: 'timestamptz' })
  periodStart: Date;

  /** max(request, usage) × hours. */
  @Column({ name: 'cpu_core_hours', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  cpuCoreHours: number;

  @Column({ name: 'cpu_request_core_hours', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  cpuRequestCoreHours: number;

  @Column({ name: 'cpu_usage_core_hours', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  cpuUsageCoreHours: number;

  @Column({ name: 'ram_gib_hours', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  ramGibHours: number;

  @Column({ name: 'ram_request_gib_hours', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  ramRequestGibHours: number;

  @Column({ name: 'ram_usage_gib_hours', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  ramUsageGibHours: number;

  @Column({ name: 'storage_gib_hours', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  storageGibHours: number;

  @Column({ name: 'network_gib', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  networkGib: number;

  @Column({ name: 'cpu_cost', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  cpuCost: number;

  @Column({ name: 'memory_cost', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  memoryCost: number;

  @Column({ name: 'storage_cost', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  storageCost: number;

  @Column({ name: 'network_cost', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  networkCost: number;

  @Column({ name: 'idle_cost', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  idleCost: number;

  @Column({ name: 'total_cost', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numberTransformer })
  totalCost: number;

  @Column({ name: 'currency', type: 'char', length: 3, default: 'USD' })
  currency: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
