import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Ordering } from '../graphql/page-query.js';
import { idsCondition, labelSelectorCondition, searchCondition, valuesCondition } from '../graphql/filter-sql.js';
import { PodPhase } from './inventory.enums.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { SqlParams } from '../graphql/sql-params.js';

@InputType({ description: 'Narrows a list of pods; every given field must match (AND). Deleted pods are left out unless `includeDeleted`.' })
export class PodFilter {
  @Field(() => [ID], { nullable: true, description: 'Only pods of these clusters (Cluster ids).' })
  clusterIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only pods in namespaces with these names.' })
  namespaces?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Only pods of these Deployments (Deployment ids).' })
  deploymentIds?: string[] | null;

  @Field(() => [PodPhase], { nullable: true, description: 'Only pods in these phases.' })
  phases?: PodPhase[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Only Ready (true) or not Ready (false) pods.' })
  ready?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes label selector in kubectl syntax, for example `app=web,tier in (frontend,edge),!canary`.' })
  labelSelector?: string | null;

  @Field(() => String, { nullable: true, description: 'Only pods scheduled on the node with this name.' })
  nodeName?: string | null;

  @Field(() => String, { nullable: true, description: 'Only pods in namespaces owned by this team.' })
  team?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the pod name.' })
  search?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Also return pods deleted in Kubernetes (kept for history and cost).' })
  includeDeleted?: boolean | null;
}

export enum PodOrderField {
  NAME = 'NAME',
  NAMESPACE = 'NAMESPACE',
  CREATED_AT = 'CREATED_AT',
  PHASE = 'PHASE',
  RESTART_COUNT = 'RESTART_COUNT',
  CPU_REQUEST = 'CPU_REQUEST',
  MEMORY_REQUEST = 'MEMORY_REQUEST',
}

registerEnumType(PodOrderField, {
  name: 'PodOrderField',
  description: 'What to sort pods by (ties are broken by name, then id).',
  valuesConfig: {
    NAME: { description: 'Pod name.' },
    NAMESPACE: { description: 'Namespace name, then pod name.' },
    CREATED_AT: { description: 'Creation time.' },
    PHASE: { description: 'Phase name.' },
    RESTART_COUNT: { description: 'Restarts summed over containers.' },
    CPU_REQUEST: { description: 'CPU requested.' },
    MEMORY_REQUEST: { description: 'Memory requested.' },
  },
});

@InputType({ description: 'Sort order of a pod list.' })
export class PodOrder {
  @Field(() => PodOrderField, { description: 'Sort key.' })
  field: PodOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Sort direction.' })
  direction: OrderDirection;
}

const POD_SORT: Record<PodOrderField, Ordering['keys']> = {
  NAME: [{ expr: 'p.name', type: 'text' }],
  NAMESPACE: [{ expr: 'p.namespace', type: 'text' }, { expr: 'p.name', type: 'text' }],
  CREATED_AT: [{ expr: 'p.created_at', type: 'timestamptz' }, { expr: 'p.name', type: 'text' }],
  PHASE: [{ expr: 'p.phase', type: 'text' }, { expr: 'p.name', type: 'text' }],
  RESTART_COUNT: [{ expr: 'p.restart_count', type: 'integer' }, { expr: 'p.name', type: 'text' }],
  CPU_REQUEST: [{ expr: 'p.cpu_request_millicores', type: 'bigint' }, { expr: 'p.name', type: 'text' }],
  MEMORY_REQUEST: [{ expr: 'p.memory_request_bytes', type: 'bigint' }, { expr: 'p.name', type: 'text' }],
};

export function podOrdering(order: PodOrder | null | undefined): Ordering {
  const field = order?.field ?? PodOrderField.NAME;
  const direction = order?.direction ?? OrderDirection.ASC;
  return {
    keys: [...POD_SORT[field], { expr: 'p.id', type: 'uuid' }],
    descending: direction === OrderDirection.DESC,
    tag: `pod:${field}:${direction}`,
  };
}

/** Conditions over `p` (k8s_pods); the caller joins the organisation's clusters. */
export function podConditions(filter: PodFilter | null | undefined, params: SqlParams, argName = 'filter'): string[] {
  const where: string[] = [];
  if (!filter?.includeDeleted) where.push('p.deleted_at IS NULL');
  if (!filter) return where;
  if (filter.clusterIds) where.push(idsCondition('p.cluster_id', filter.clusterIds, 'Cluster', `${argName}.clusterIds`, params));
  if (filter.namespaces) where.push(valuesCondition('p.namespace', filter.namespaces, `${argName}.namespaces`, params));
  if (filter.deploymentIds) where.push(idsCondition('p.deployment_id', filter.deploymentIds, 'Deployment', `${argName}.deploymentIds`, params));
  if (filter.phases) where.push(valuesCondition('p.phase', filter.phases, `${argName}.phases`, params));
  if (filter.ready != null) where.push(`p.ready = ${params.add(filter.ready)}`);
  if (filter.labelSelector != null) where.push(labelSelectorCondition('p.labels', filter.labelSelector, `${argName}.labelSelector`, params));
  if (filter.nodeName != null) where.push(`p.node_name = ${params.add(filter.nodeName)}`);
  if (filter.team != null) {
    where.push(`p.namespace_id IN (SELECT tn.id FROM k8s_namespaces tn WHERE tn.cluster_id = p.cluster_id AND tn.team = ${params.add(filter.team)})`);
  }
  if (filter.search != null) where.push(searchCondition('p.name', filter.search, `${argName}.search`, params));
  return where;
}
