import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Ordering } from '../graphql/page-query.js';
import { idsCondition, labelSelectorCondition, searchCondition, valuesCondition } from '../graphql/filter-sql.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { SqlParams } from '../graphql/sql-params.js';

@InputType({ description: 'Narrows a list of namespaces; every given field must match (AND). Deleted ones are left out unless `includeDeleted`.' })
export class NamespaceFilter {
  @Field(() => [ID], { nullable: true, description: 'Only namespaces of these clusters (Cluster ids).' })
  clusterIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only namespaces with these exact names.' })
  names?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Only namespaces owned by this team.' })
  team?: string | null;

  @Field(() => String, { nullable: true, description: 'Only namespaces of this cost centre.' })
  costCenter?: string | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes label selector in kubectl syntax, for example `env=prod`.' })
  labelSelector?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the namespace name.' })
  search?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Also return namespaces deleted in Kubernetes.' })
  includeDeleted?: boolean | null;
}

export enum NamespaceOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  POD_COUNT = 'POD_COUNT',
  TEAM = 'TEAM',
}

registerEnumType(NamespaceOrderField, {
  name: 'NamespaceOrderField',
  description: 'What to sort namespaces by (ties are broken by name, then id).',
  valuesConfig: {
    NAME: { description: 'Namespace name.' },
    CREATED_AT: { description: 'Creation time.' },
    POD_COUNT: { description: 'Live pods.' },
    TEAM: { description: 'Team (namespaces without a team first in ascending order), then name.' },
  },
});

@InputType({ description: 'Sort order of a namespace list.' })
export class NamespaceOrder {
  @Field(() => NamespaceOrderField, { description: 'Sort key.' })
  field: NamespaceOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Sort direction.' })
  direction: OrderDirection;
}

const SORT: Record<NamespaceOrderField, Ordering['keys']> = {
  NAME: [{ expr: 'n.name', type: 'text' }],
  CREATED_AT: [{ expr: 'n.created_at', type: 'timestamptz' }, { expr: 'n.name', type: 'text' }],
  POD_COUNT: [{ expr: 'n.pod_count', type: 'integer' }, { expr: 'n.name', type: 'text' }],
  TEAM: [{ expr: "coalesce(n.team, '')", type: 'text' }, { expr: 'n.name', type: 'text' }],
};

export function namespaceOrdering(order: NamespaceOrder | null | undefined): Ordering {
  const field = order?.field ?? NamespaceOrderField.NAME;
  const direction = order?.direction ?? OrderDirection.ASC;
  return { keys: [...SORT[field], { expr: 'n.id', type: 'uuid' }], descending: direction === OrderDirection.DESC, tag: `namespace:${field}:${direction}` };
}

/** Conditions over `n` (k8s_namespaces). */
export function namespaceConditions(filter: NamespaceFilter | null | undefined, params: SqlParams, argName = 'filter'): string[] {
  const where: string[] = [];
  if (!filter?.includeDeleted) where.push('n.deleted_at IS NULL');
  if (!filter) return where;
  if (filter.clusterIds) where.push(idsCondition('n.cluster_id', filter.clusterIds, 'Cluster', `${argName}.clusterIds`, params));
  if (filter.names) where.push(valuesCondition('n.name', filter.names, `${argName}.names`, params));
  if (filter.team != null) where.push(`n.team = ${params.add(filter.team)}`);
  if (filter.costCenter != null) where.push(`n.cost_center = ${params.add(filter.costCenter)}`);
  if (filter.labelSelector != null) where.push(labelSelectorCondition('n.labels', filter.labelSelector, `${argName}.labelSelector`, params));
  if (filter.search != null) where.push(searchCondition('n.name', filter.search, `${argName}.search`, params));
  return where;
}
