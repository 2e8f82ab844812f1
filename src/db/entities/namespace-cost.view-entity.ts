import { ViewColumn, ViewEntity } from 'typeorm';
import { numberTransformer } from '../transformers.js';

/**
 * `v_k8s_namespace_costs`: per namespace, daily cost rows of the last 30 UTC days (today included).
 * `avgDailyCost` divides by the days that have rows. Defined in the migration.
 */
@ViewEntity({ name: 'v_k8s_namespace_costs', synchronize: false })
export class NamespaceCostView {
  @ViewColumn({ name: 'namespace_id' })
  namespaceId: string;

  @ViewColumn({ name: 'cluster_id' })
  clusterId: string;

  @ViewColumn({ name: 'organization_id' })
  organizationId: string;

  @ViewColumn({ name: 'cluster_name' })
  clusterName: string;

  @ViewColumn({ name: 'namespace' })
  namespace: string;

  @ViewColumn({ name: 'team' })
  team: string | null;

  @ViewColumn({ name: 'cost_center' })
  costCenter: string | null;

  @ViewColumn({ name: 'days_with_cost' })
  daysWithCost: number;

  @ViewColumn({ name: 'cost_30d', transformer: numberTransformer })
  cost30d: number;

  @ViewColumn({ name: 'avg_daily_cost', transformer: numberTransformer })
  avgDailyCost: number;

  @ViewColumn({ name: 'cpu_cost_30d', transformer: numberTransformer })
  cpuCost30d: number;

  @ViewColumn({ name: 'memory_cost_30d', transformer: numberTransformer })
  memoryCost30d: number;

  @ViewColumn({ name: 'storage_cost_30d', transformer: numberTransformer })
  storageCost30d: number;

  @ViewColumn({ name: 'network_cost_30d', transformer: numberTransformer })
  networkCost30d: number;

  @ViewColumn({ name: 'idle_cost_30d', transformer: numberTransformer })
  idleCost30d: number;

  @ViewColumn({ name: 'cpu_core_hours_30d', transformer: numberTransformer })
  cpuCoreHours30d: number;

  @ViewColumn({ name: 'ram_gib_hours_30d', transformer: numberTransformer })
  ramGibHours30d: number;

  @ViewColumn({ name: 'storage_gib_hours_30d', transformer: numberTransformer })
  storageGibHours30d: number;

  @ViewColumn({ name: 'network_gib_30d', transformer: numberTransformer })
  networkGib30d: number;

  @ViewColumn({ name: 'currency' })
  currency: string;
}
