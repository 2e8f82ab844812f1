import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Ordering } from '../graphql/page-query.js';
import { idsCondition, labelSelectorCondition, searchCondition, valuesCondition } from '../graphql/filter-sql.js';
import { DeploymentHealth, WorkloadKind } from './inventory.enums.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { SqlParams } from '../graphql/sql-params.js';

@InputType({ description: 'Narrows a list of workloads; every given field must match (AND). Deleted ones are left out unless `includeDeleted`.' })
export class WorkloadFilter {
  @Field(() => [ID], { nullable: true, description: 'Only workloads of these clusters (Cluster ids).' })
  clusterIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only workloads in namespaces with these names.' })
  namespaces?: string[] | null;

  @Field(() => [WorkloadKind], { nullable: true, description: 'Only workloads of these kinds.' })
  kinds?: WorkloadKind[] | null;

  @Field(() => [DeploymentHealth], { nullable: true, description: 'Only workloads in these health states.' })
  health?: DeploymentHealth[] | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes label selector in kubectl syntax, for example `app=web,!canary`.' })
  labelSelector?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the workload name.' })
  search?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Also return workloads deleted in Kubernetes.' })
  includeDeleted?: boolean | null;
}

export enum WorkloadOrderField {
  NAME = 'NAME',
  NAMESPACE = 'NAMESPACE',
  KIND = 'KIND',
  CREATED_AT = 'CREATED_AT',
}

registerEnumType(WorkloadOrderField, {
  name: 'WorkloadOrderField',
  description: 'What to sort workloads by (ties are broken by name, then id).',
  valuesConfig: {
    NAME: { description: 'Workload name.' },
    NAMESPACE: { description: 'Namespace name, then workload name.' },
    KIND: { description: 'Kind, then workload name.' },
    CREATED_AT: { description: 'Creation time.' },
  },
});

@InputType({ description: 'Sort order of a workload list.' })
export class WorkloadOrder {
  @Field(() => WorkloadOrderField, { description: 'Sort key.' })
  field: WorkloadOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Sort direction.' })
  direction: OrderDirection;
}

const SORT: Record<WorkloadOrderField, Ordering['keys']> = {
  NAME: [{ expr: 'w.name', type: 'text' }],
  NAMESPACE: [{ expr: 'w.namespace', type: 'text' }, { expr: 'w.name', type: 'text' }],
  KIND: [{ expr: 'w.kind', type: 'text' }, { expr: 'w.name', type: 'text' }],
  CREATED_AT: [{ expr: 'w.created_at', type: 'timestamptz' }, { expr: 'w.name', type: 'text' }],
};

export function workloadOrdering(order: WorkloadOrder | null | undefined): Ordering {
  const field = order?.field ?? WorkloadOrderField.NAME;
  const direction = order?.direction ?? OrderDirection.ASC;
  return { keys: [...SORT[field], { expr: 'w.id', type: 'uuid' }], descending: direction === OrderDirection.DESC, tag: `workload:${field}:${direction}` };
}

/** A filter with the `kind` argument of `Namespace.workloads` folded in (both must match). */
export type KindFilter = WorkloadFilter & { kind?: WorkloadKind | null };

/** Conditions over `w` (k8s_workloads, or its union with k8s_deployments: same columns). */
export function workloadConditions(filter: KindFilter | null | undefined, params: SqlParams, argName = 'filter'): string[] {
  const where: string[] = [];
  if (!filter?.includeDeleted) where.push('w.deleted_at IS NULL');
  if (!filter) return where;
  if (filter.kind) where.push(`w.kind = ${params.add(filter.kind)}`);
  if (filter.clusterIds) where.push(idsCondition('w.cluster_id', filter.clusterIds, 'Cluster', `${argName}.clusterIds`, params));
  if (filter.namespaces) where.push(valuesCondition('w.namespace', filter.namespaces, `${argName}.namespaces`, params));
  if (filter.kinds) where.push(valuesCondition('w.kind', filter.kinds, `${argName}.kinds`, params));
  if (filter.health) where.push(valuesCondition('w.health', filter.health, `${argName}.health`, params));
  if (filter.labelSelector != null) where.push(labelSelectorCondition('w.labels', filter.labelSelector, `${argName}.labelSelector`, params));
  if (filter.search != null) where.push(searchCondition('w.name', filter.search, `${argName}.search`, params));
  return where;
}
