import { Field, ID, InputType } from 'type-graphql';
import type { Deployment } from './deployment.type.js';
import { labelsMatch, selectorArgument } from '../graphql/label-selector.js';
import { uuidFromGlobalId } from '../graphql/relay/global-id.js';
import { nonEmptyArgument } from '../graphql/errors.js';

@InputType({ description: 'Which Deployment changes to deliver; every given field must match (AND).' })
export class DeploymentChangedFilter {
  @Field(() => ID, { nullable: true, description: 'Only Deployments of this cluster (Cluster id).' })
  clusterId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only Deployments in the namespace with this name.' })
  namespace?: string | null;

  @Field(() => String, { nullable: true, description: 'Only the Deployments with this name (one per namespace).' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes label selector in kubectl syntax over the Deployment\'s labels, for example `app=web`.' })
  labelSelector?: string | null;
}

/** A compiled filter: the organisation is always part of it. */
export interface DeploymentChangeMatcher {
  organizationId: string;
  clusterRowId: string | null;
  matches(deployment: Deployment): boolean;
}

/** Validates the filter (bad ids, selectors or empty names are refused before the subscription starts). */
export function compileDeploymentChangeFilter(organizationId: string, filter: DeploymentChangedFilter | null | undefined): DeploymentChangeMatcher {
  const clusterRowId = filter?.clusterId ? uuidFromGlobalId(filter.clusterId, 'Cluster', 'filter.clusterId') : null;
  const requirements = selectorArgument(filter?.labelSelector, 'filter.labelSelector');
  const namespace = nonEmptyArgument(filter?.namespace, 'filter.namespace');
  const name = nonEmptyArgument(filter?.name, 'filter.name');
  return {
    organizationId,
    clusterRowId,
    matches(deployment) {
      if (namespace !== null && deployment.namespaceName !== namespace) return false;
      if (name !== null && deployment.name !== name) return false;
      return labelsMatch(deployment.labels, requirements);
    },
  };
}
