/** v_k8s_namespace_costs rows → NamespaceCost objects, and the view as a row source. */
import { num } from '../graphql/row-values.js';
import type { Row } from '../graphql/row-source.js';
import type { RowSource } from '../graphql/row-source.js';
import { toGlobalId } from '../graphql/relay/index.js';
import { NamespaceCost } from './namespace-cost.type.js';

export function toNamespaceCost(r: Row): NamespaceCost {
  return Object.assign(new NamespaceCost(), {
    namespaceId: toGlobalId('Namespace', r.namespace_id as string),
    namespaceRowId: r.namespace_id as string,
    clusterRowId: r.cluster_id as string,
    clusterId: toGlobalId('Cluster', r.cluster_id as string),
    clusterName: r.cluster_name as string,
    namespace: r.namespace as string,
    team: (r.team as string | null) ?? null,
    costCenter: (r.cost_center as string | null) ?? null,
    daysWithCost: num(r.days_with_cost),
    cost30d: num(r.cost_30d),
    averageDailyCost: num(r.avg_daily_cost),
    cpuCost30d: num(r.cpu_cost_30d),
    memoryCost30d: num(r.memory_cost_30d),
    storageCost30d: num(r.storage_cost_30d),
    networkCost30d: num(r.network_cost_30d),
    idleCost30d: num(r.idle_cost_30d),
    cpuCoreHours30d: num(r.cpu_core_hours_30d),
    ramGiBHours30d: num(r.ram_gib_hours_30d),
    storageGiBHours30d: num(r.storage_gib_hours_30d),
    networkGiB30d: num(r.network_gib_30d),
    currency: String(r.currency ?? 'USD').trim(),
  });
}

/** The view carries cluster_id, so it is scoped through the cluster join like the tables. */
export const namespaceCostSource: RowSource<NamespaceCost> = {
  table: 'v_k8s_namespace_costs',
  alias: 'v',
  select: 'v.*',
  map: toNamespaceCost,
};
