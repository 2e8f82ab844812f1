import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Ordering } from '../graphql/page-query.js';
import { idsCondition, labelSelectorCondition, searchCondition, valuesCondition } from '../graphql/filter-sql.js';
import { DeploymentHealth } from './inventory.enums.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { SqlParams } from '../graphql/sql-params.js';

@InputType({ description: 'Narrows a list of Deployments; every given field must match (AND). Deleted ones are left out unless `includeDeleted`.' })
export class DeploymentFilter {
  @Field(() => [ID], { nullable: true, description: 'Only Deployments of these clusters (Cluster ids).' })
  clusterIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only Deployments in namespaces with these names.' })
  namespaces?: string[] | null;

  @Field(() => [DeploymentHealth], { nullable: true, description: 'Only Deployments in these health states.' })
  health?: DeploymentHealth[] | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes label selector in kubectl syntax, for example `app=web,!canary`.' })
  labelSelector?: string | null;

  @Field(() => String, { nullable: true, description: 'Only Deployments in namespaces owned by this team.' })
  team?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the Deployment name.' })
  search?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Also return Deployments deleted in Kubernetes.' })
  includeDeleted?: boolean | null;
}

export enum DeploymentOrderField {
  NAME = 'NAME',
  NAMESPACE = 'NAMESPACE',
  CREATED_AT = 'CREATED_AT',
  HEALTH = 'HEALTH',
  DESIRED_REPLICAS = 'DESIRED_REPLICAS',
  UNAVAILABLE_REPLICAS = 'UNAVAILABLE_REPLICAS',
}

registerEnumType(DeploymentOrderField, {
  name: 'DeploymentOrderField',
  description: 'What to sort Deployments by (ties are broken by name, then id).',
  valuesConfig: {
    NAME: { description: 'Deployment name.' },
    NAMESPACE: { description: 'Namespace name, then Deployment name.' },
    CREATED_AT: { description: 'Creation time.' },
    HEALTH: { description: 'Health value name.' },
    DESIRED_REPLICAS: { description: 'Replicas desired.' },
    UNAVAILABLE_REPLICAS: { description: 'Replicas unavailable.' },
  },
});

@InputType({ description: 'Sort order of a Deployment list.' })
export class DeploymentOrder {
  @Field(() => DeploymentOrderField, { description: 'Sort key.' })
  field: DeploymentOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Sort direction.' })
  direction: OrderDirection;
}

const SORT: Record<DeploymentOrderField, Ordering['keys']> = {
  NAME: [{ expr: 'd.name', type: 'text' }],
  NAMESPACE: [{ expr: 'd.namespace', type: 'text' }, { expr: 'd.name', type: 'text' }],
  CREATED_AT: [{ expr: 'd.created_at', type: 'timestamptz' }, { expr: 'd.name', type: 'text' }],
  HEALTH: [{ expr: 'd.health', type: 'text' }, { expr: 'd.name', type: 'text' }],
  DESIRED_REPLICAS: [{ expr: 'd.desired_replicas', type: 'integer' }, { expr: 'd.name', type: 'text' }],
  UNAVAILABLE_REPLICAS: [{ expr: 'd.unavailable_replicas', type: 'integer' }, { expr: 'd.name', type: 'text' }],
};

export function deploymentOrdering(order: DeploymentOrder | null | undefined): Ordering {
  const field = order?.field ?? DeploymentOrderField.NAME;
  const direction = order?.direction ?? OrderDirection.ASC;
  return { keys: [...SORT[field], { expr: 'd.id', type: 'uuid' }], descending: direction === OrderDirection.DESC, tag: `deployment:${field}:${direction}` };
}

/** Conditions over `d` (k8s_deployments). */
export function deploymentConditions(filter: DeploymentFilter | null | undefined, params: SqlParams, argName = 'filter'): string[] {
  const where: string[] = [];
  if (!filter?.includeDeleted) where.push('d.deleted_at IS NULL');
  if (!filter) return where;
  if (filter.clusterIds) where.push(idsCondition('d.cluster_id', filter.clusterIds, 'Cluster', `${argName}.clusterIds`, params));
  if (filter.namespaces) where.push(valuesCondition('d.namespace', filter.namespaces, `${argName}.namespaces`, params));
  if (filter.health) where.push(valuesCondition('d.health', filter.health, `${argName}.health`, params));
  if (filter.labelSelector != null) where.push(labelSelectorCondition('d.labels', filter.labelSelector, `${argName}.labelSelector`, params));
  if (filter.team != null) {
    where.push(`d.namespace_id IN (SELECT tn.id FROM k8s_namespaces tn WHERE tn.cluster_id = d.cluster_id AND tn.team = ${params.add(filter.team)})`);
  }
  if (filter.search != null) where.push(searchCondition('d.name', filter.search, `${argName}.search`, params));
  return where;
}
