import { Field, InputType, registerEnumType } from 'type-graphql';
import { labelSelectorCondition, searchCondition, valuesCondition } from '../graphql/filter-sql.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { Ordering } from '../graphql/page-query.js';
import type { SqlParams } from '../graphql/sql-params.js';
import { ClusterProvider, ClusterStatus } from './cluster.enums.js';

@InputType({ description: 'Narrows the list of clusters; every given field must match (AND).' })
export class ClusterFilter {
  @Field(() => [ClusterStatus], { nullable: true, description: 'Only clusters in these states.' })
  statuses?: ClusterStatus[] | null;

  @Field(() => [ClusterProvider], { nullable: true, description: 'Only clusters of these providers.' })
  providers?: ClusterProvider[] | null;

  @Field(() => String, { nullable: true, description: 'Selector over the labels given at registration, in kubectl syntax (for example `env=prod`).' })
  labelSelector?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the cluster name.' })
  search?: string | null;
}

export enum ClusterOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  STATUS = 'STATUS',
  POD_COUNT = 'POD_COUNT',
  LAST_SEEN_AT = 'LAST_SEEN_AT',
}

registerEnumType(ClusterOrderField, {
  name: 'ClusterOrderField',
  description: 'What to sort clusters by (ties are broken by name, then id).',
  valuesConfig: {
    NAME: { description: 'Cluster name.' },
    CREATED_AT: { description: 'Registration time.' },
    STATUS: { description: 'Status value name.' },
    POD_COUNT: { description: 'Live pods.' },
    LAST_SEEN_AT: { description: 'Last time the API server answered (never seen sorts first in ascending order).' },
  },
});

@InputType({ description: 'Sort order of the cluster list.' })
export class ClusterOrder {
  @Field(() => ClusterOrderField, { description: 'Sort key.' })
  field: ClusterOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Sort direction.' })
  direction: OrderDirection;
}

const SORT: Record<ClusterOrderField, Ordering['keys']> = {
  NAME: [{ expr: 'c.name', type: 'text' }],
  CREATED_AT: [{ expr: 'c.created_at', type: 'timestamptz' }, { expr: 'c.name', type: 'text' }],
  STATUS: [{ expr: 'c.status', type: 'text' }, { expr: 'c.name', type: 'text' }],
  POD_COUNT: [{ expr: 'c.pod_count', type: 'integer' }, { expr: 'c.name', type: 'text' }],
  LAST_SEEN_AT: [{ expr: "coalesce(c.last_seen_at, '-infinity'::timestamptz)", type: 'timestamptz' }, { expr: 'c.name', type: 'text' }],
};

export function clusterOrdering(order: ClusterOrder | null | undefined): Ordering {
  const field = order?.field ?? ClusterOrderField.NAME;
  const direction = order?.direction ?? OrderDirection.ASC;
  return { keys: [...SORT[field], { expr: 'c.id', type: 'uuid' }], descending: direction === OrderDirection.DESC, tag: `cluster:${field}:${direction}` };
}

/** Conditions over `c` (k8s_clusters); the organisation condition is added by the caller. */
export function clusterConditions(filter: ClusterFilter | null | undefined, params: SqlParams, argName = 'filter'): string[] {
  const where: string[] = [];
  if (!filter) return where;
  if (filter.statuses) where.push(valuesCondition('c.status', filter.statuses, `${argName}.statuses`, params));
  if (filter.providers) where.push(valuesCondition('c.provider', filter.providers, `${argName}.providers`, params));
  if (filter.labelSelector != null) where.push(labelSelectorCondition('c.labels', filter.labelSelector, `${argName}.labelSelector`, params));
  if (filter.search != null) where.push(searchCondition('c.name', filter.search, `${argName}.search`, params));
  return where;
}
