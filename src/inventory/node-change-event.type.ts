import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { changedFieldEnum } from '../graphql/changed-fields.js';
import { ClusterNode } from './cluster-node.type.js';
import { CLUSTER_NODE_PROJECTION } from './sources.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';

/** ClusterNode's fields as an enum; the stored resourceVersion, which no field reads, is never reported. */
export const ClusterNodeField = changedFieldEnum(ClusterNode, {
  name: 'ClusterNodeField',
  description: 'A field of ClusterNode, named as in the schema, so that `changedFields` can be compared with a selection.',
  reads: CLUSTER_NODE_PROJECTION.fields,
});

@ObjectType({ description: 'A committed change of a node: Ready or NotReady, a pressure condition, cordoned or uncordoned, taints. Delivered after the row is stored.' })
export class NodeChangeEvent {
  @Field(() => ChangeTypeEnum, { description: 'Whether the node joined, changed or left the cluster.' })
  type: ChangeTypeEnum;

  @Field(() => ClusterNode, { description: 'The node as stored after the change.' })
  node: ClusterNode;

  @Field(() => [ClusterNodeField.enum], { description: 'Fields of `node` whose values changed (empty for ADDED and DELETED).' })
  changedFields: string[];

  @Field(() => GraphQLDateTime, { description: 'When the change was committed to the database.' })
  committedAt: Date;

  @Field(() => String, { description: 'Position of this change in the change log: subscribe again with `after:` this cursor to get every change since, with none missed and none twice.' })
  cursor: string;
}
