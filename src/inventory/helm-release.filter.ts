import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Ordering } from '../graphql/page-query.js';
import { idsCondition, searchCondition, valuesCondition } from '../graphql/filter-sql.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { SqlParams } from '../graphql/sql-params.js';

@InputType({ description: 'Narrows a list of Helm releases; every given field must match (AND). Uninstalled ones are left out unless `includeDeleted`.' })
export class HelmReleaseFilter {
  @Field(() => [ID], { nullable: true, description: 'Only releases of these clusters (Cluster ids).' })
  clusterIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only releases in namespaces with these names.' })
  namespaces?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only releases with these Helm statuses (deployed, failed, pending-upgrade, …).' })
  statuses?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Only releases of the chart with this exact name.' })
  chartName?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the release name.' })
  search?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Also return uninstalled releases.' })
  includeDeleted?: boolean | null;
}

export enum HelmReleaseOrderField {
  NAME = 'NAME',
  NAMESPACE = 'NAMESPACE',
  CHART_NAME = 'CHART_NAME',
  LAST_DEPLOYED_AT = 'LAST_DEPLOYED_AT',
}

registerEnumType(HelmReleaseOrderField, {
  name: 'HelmReleaseOrderField',
  description: 'What to sort Helm releases by (ties are broken by name, then id).',
  valuesConfig: {
    NAME: { description: 'Release name.' },
    NAMESPACE: { description: 'Namespace name, then release name.' },
    CHART_NAME: { description: 'Chart name, then release name.' },
    LAST_DEPLOYED_AT: { description: 'When the latest revision was deployed (never deployed sorts first in ascending order).' },
  },
});

@InputType({ description: 'Sort order of a Helm release list.' })
export class HelmReleaseOrder {
  @Field(() => HelmReleaseOrderField, { description: 'Sort key.' })
  field: HelmReleaseOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Sort direction.' })
  direction: OrderDirection;
}

const SORT: Record<HelmReleaseOrderField, Ordering['keys']> = {
  NAME: [{ expr: 'h.name', type: 'text' }],
  NAMESPACE: [{ expr: 'h.namespace', type: 'text' }, { expr: 'h.name', type: 'text' }],
  CHART_NAME: [{ expr: 'h.chart_name', type: 'text' }, { expr: 'h.name', type: 'text' }],
  LAST_DEPLOYED_AT: [{ expr: "coalesce(h.last_deployed_at, '-infinity'::timestamptz)", type: 'timestamptz' }, { expr: 'h.name', type: 'text' }],
};

export function helmReleaseOrdering(order: HelmReleaseOrder | null | undefined): Ordering {
  const field = order?.field ?? HelmReleaseOrderField.NAME;
  const direction = order?.direction ?? OrderDirection.ASC;
  return { keys: [...SORT[field], { expr: 'h.id', type: 'uuid' }], descending: direction === OrderDirection.DESC, tag: `helm:${field}:${direction}` };
}

/** Conditions over `h` (k8s_helm_releases). */
export function helmReleaseConditions(filter: HelmReleaseFilter | null | undefined, params: SqlParams, argName = 'filter'): string[] {
  const where: string[] = [];
  if (!filter?.includeDeleted) where.push('h.deleted_at IS NULL');
  if (!filter) return where;
  if (filter.clusterIds) where.push(idsCondition('h.cluster_id', filter.clusterIds, 'Cluster', `${argName}.clusterIds`, params));
  if (filter.namespaces) where.push(valuesCondition('h.namespace', filter.namespaces, `${argName}.namespaces`, params));
  if (filter.statuses) where.push(valuesCondition('h.status', filter.statuses, `${argName}.statuses`, params));
  if (filter.chartName != null) where.push(`h.chart_name = ${params.add(filter.chartName)}`);
  if (filter.search != null) where.push(searchCondition('h.name', filter.search, `${argName}.search`, params));
  return where;
}
