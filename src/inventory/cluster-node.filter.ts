import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Ordering } from '../graphql/page-query.js';
import { idsCondition, labelSelectorCondition, searchCondition, valuesCondition } from '../graphql/filter-sql.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { SqlParams } from '../graphql/sql-params.js';

@InputType({ description: 'Narrows a list of Kubernetes nodes; every given field must match (AND). Removed nodes are left out unless `includeDeleted`.' })
export class ClusterNodeFilter {
  @Field(() => [ID], { nullable: true, description: 'Only nodes of these clusters (Cluster ids).' })
  clusterIds?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Only Ready (true) or NotReady (false) nodes.' })
  ready?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Only cordoned (true) or schedulable (false) nodes.' })
  unschedulable?: boolean | null;

  @Field(() => [String], { nullable: true, description: 'Only nodes in these zones.' })
  zones?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only nodes of these instance types.' })
  instanceTypes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes label selector in kubectl syntax, for example `node-role.kubernetes.io/worker`.' })
  labelSelector?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the node name.' })
  search?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Also return nodes removed from their cluster.' })
  includeDeleted?: boolean | null;
}

export enum ClusterNodeOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  CPU_CAPACITY = 'CPU_CAPACITY',
  MEMORY_CAPACITY = 'MEMORY_CAPACITY',
  CPU_USAGE = 'CPU_USAGE',
}

registerEnumType(ClusterNodeOrderField, {
  name: 'ClusterNodeOrderField',
  description: 'What to sort nodes by (ties are broken by name, then id).',
  valuesConfig: {
    NAME: { description: 'Node name.' },
    CREATED_AT: { description: 'Creation time.' },
    CPU_CAPACITY: { description: 'CPU capacity.' },
    MEMORY_CAPACITY: { description: 'Memory capacity.' },
    CPU_USAGE: { description: 'Current CPU usage (nodes without a measurement count as 0).' },
  },
});

@InputType({ description: 'Sort order of a node list.' })
export class ClusterNodeOrder {
  @Field(() => ClusterNodeOrderField, { description: 'Sort key.' })
  field: ClusterNodeOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Sort direction.' })
  direction: OrderDirection;
}

const SORT: Record<ClusterNodeOrderField, Ordering['keys']> = {
  NAME: [{ expr: 'nd.name', type: 'text' }],
  CREATED_AT: [{ expr: 'nd.created_at', type: 'timestamptz' }, { expr: 'nd.name', type: 'text' }],
  CPU_CAPACITY: [{ expr: 'nd.cpu_capacity_millicores', type: 'bigint' }, { expr: 'nd.name', type: 'text' }],
  MEMORY_CAPACITY: [{ expr: 'nd.memory_capacity_bytes', type: 'bigint' }, { expr: 'nd.name', type: 'text' }],
  CPU_USAGE: [{ expr: 'coalesce(nd.cpu_usage_millicores, 0)', type: 'double precision' }, { expr: 'nd.name', type: 'text' }],
};

export function clusterNodeOrdering(order: ClusterNodeOrder | null | undefined): Ordering {
  const field = order?.field ?? ClusterNodeOrderField.NAME;
  const direction = order?.direction ?? OrderDirection.ASC;
  return { keys: [...SORT[field], { expr: 'nd.id', type: 'uuid' }], descending: direction === OrderDirection.DESC, tag: `node:${field}:${direction}` };
}

/** Conditions over `nd` (k8s_nodes). */
export function clusterNodeConditions(filter: ClusterNodeFilter | null | undefined, params: SqlParams, argName = 'filter'): string[] {
  const where: string[] = [];
  if (!filter?.includeDeleted) where.push('nd.deleted_at IS NULL');
  if (!filter) return where;
  if (filter.clusterIds) where.push(idsCondition('nd.cluster_id', filter.clusterIds, 'Cluster', `${argName}.clusterIds`, params));
  if (filter.ready != null) where.push(`nd.ready = ${params.add(filter.ready)}`);
  if (filter.unschedulable != null) where.push(`nd.unschedulable = ${params.add(filter.unschedulable)}`);
  if (filter.zones) where.push(valuesCondition('nd.zone', filter.zones, `${argName}.zones`, params));
  if (filter.instanceTypes) where.push(valuesCondition('nd.instance_type', filter.instanceTypes, `${argName}.instanceTypes`, params));
  if (filter.labelSelector != null) where.push(labelSelectorCondition('nd.labels', filter.labelSelector, `${argName}.labelSelector`, params));
  if (filter.search != null) where.push(searchCondition('nd.name', filter.search, `${argName}.search`, params));
  return where;
}
