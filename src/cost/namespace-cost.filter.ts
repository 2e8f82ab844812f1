import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { idsCondition, searchCondition, valuesCondition } from '../graphql/filter-sql.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { Ordering } from '../graphql/page-query.js';
import type { SqlParams } from '../graphql/sql-params.js';

@InputType({ description: 'Narrows namespace costs; every given field must match (AND).' })
export class NamespaceCostFilter {
  @Field(() => [ID], { nullable: true, description: 'Only namespaces of these clusters (Cluster ids).' })
  clusterIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only namespaces with these names.' })
  namespaces?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Only namespaces owned by this team.' })
  team?: string | null;

  @Field(() => String, { nullable: true, description: 'Only namespaces of this cost centre.' })
  costCenter?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the namespace name.' })
  search?: string | null;
}

export enum NamespaceCostOrderField {
  COST_30D = 'COST_30D',
  AVERAGE_DAILY_COST = 'AVERAGE_DAILY_COST',
  NAMESPACE = 'NAMESPACE',
  TEAM = 'TEAM',
}

registerEnumType(NamespaceCostOrderField, {
  name: 'NamespaceCostOrderField',
  description: 'What to sort namespace costs by (ties are broken by namespace id).',
  valuesConfig: {
    COST_30D: { description: 'Total cost over 30 days.' },
    AVERAGE_DAILY_COST: { description: 'Average daily cost.' },
    NAMESPACE: { description: 'Namespace name.' },
    TEAM: { description: 'Team, then namespace name.' },
  },
});

@InputType({ description: 'Sort order of namespace costs.' })
export class NamespaceCostOrder {
  @Field(() => NamespaceCostOrderField, { description: 'Sort key.' })
  field: NamespaceCostOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Sort direction (default: descending).' })
  direction: OrderDirection;
}

const SORT: Record<NamespaceCostOrderField, Ordering['keys']> = {
  COST_30D: [{ expr: 'v.cost_30d', type: 'numeric' }],
  AVERAGE_DAILY_COST: [{ expr: 'v.avg_daily_cost', type: 'numeric' }],
  NAMESPACE: [{ expr: 'v.namespace', type: 'text' }],
  TEAM: [{ expr: "coalesce(v.team, '')", type: 'text' }, { expr: 'v.namespace', type: 'text' }],
};

export function namespaceCostOrdering(order: NamespaceCostOrder | null | undefined): Ordering {
  const field = order?.field ?? NamespaceCostOrderField.COST_30D;
  const direction = order?.direction ?? OrderDirection.DESC;
  return { keys: [...SORT[field], { expr: 'v.namespace_id', type: 'uuid' }], descending: direction === OrderDirection.DESC, tag: `nscost:${field}:${direction}` };
}

/** Conditions over `v` (v_k8s_namespace_costs). */
export function namespaceCostConditions(filter: NamespaceCostFilter | null | undefined, params: SqlParams): string[] {
  const where: string[] = [];
  if (!filter) return where;
  if (filter.clusterIds) where.push(idsCondition('v.cluster_id', filter.clusterIds, 'Cluster', 'filter.clusterIds', params));
  if (filter.namespaces) where.push(valuesCondition('v.namespace', filter.namespaces, 'filter.namespaces', params));
  if (filter.team != null) where.push(`v.team = ${params.add(filter.team)}`);
  if (filter.costCenter != null) where.push(`v.cost_center = ${params.add(filter.costCenter)}`);
  if (filter.search != null) where.push(searchCondition('v.namespace', filter.search, 'filter.search', params));
  return where;
}
