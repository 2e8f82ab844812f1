import { Field, ID, InputType } from 'type-graphql';
import { uuidFromGlobalId } from '../graphql/relay/global-id.js';
import { nonEmptyArgument } from '../graphql/errors.js';

@InputType({ description: 'Which node changes to deliver; every given field must match (AND).' })
export class NodeChangedFilter {
  @Field(() => ID, { nullable: true, description: 'Only nodes of this cluster (Cluster id).' })
  clusterId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only the node with this name (in each cluster the filter covers).' })
  name?: string | null;
}

/** A compiled filter: the organisation is always part of it. */
export interface NodeChangeMatcher {
  organizationId: string;
  clusterRowId: string | null;
  name: string | null;
}

/** Validates the filter (bad ids or an empty name are refused before the subscription starts). */
export function compileNodeChangeFilter(organizationId: string, filter: NodeChangedFilter | null | undefined): NodeChangeMatcher {
  return {
    organizationId,
    clusterRowId: filter?.clusterId ? uuidFromGlobalId(filter.clusterId, 'Cluster', 'filter.clusterId') : null,
    name: nonEmptyArgument(filter?.name, 'filter.name'),
  };
}
