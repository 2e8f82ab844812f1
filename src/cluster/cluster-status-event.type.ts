import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { Cluster } from './cluster.type.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';
import { changedFieldEnum } from '../graphql/changed-fields.js';

/** Cluster's fields as an enum; every column a cluster change names has a field of its own name. */
export const ClusterField = changedFieldEnum(Cluster, {
  name: 'ClusterField',
  description: 'A field of Cluster, named as in the schema, so that `changedFields` can be compared with a selection.',
  reads: { cpuCapacityCores: ['cpu_capacity_millicores'] },
});

@ObjectType({ description: 'A committed change of a cluster\'s status (healthy, degraded, unreachable, …) or its registration.' })
export class ClusterStatusEvent {
  @Field(() => ChangeTypeEnum, { description: 'Registered (ADDED), changed (MODIFIED) or removed (DELETED).' })
  type: ChangeTypeEnum;

  @Field(() => Cluster, { description: 'The cluster as stored after the change.' })
  cluster: Cluster;

  @Field(() => [ClusterField.enum], { description: 'Fields of `cluster` whose values changed (empty for ADDED and DELETED, and for the first report of a replica that took the cluster over).' })
  changedFields: string[];

  @Field(() => GraphQLDateTime, { description: 'When the change was committed to the database.' })
  committedAt: Date;

  @Field(() => String, { description: 'Position of this change in the change log: subscribe again with `after:` this cursor to get every change since, with none missed and none twice.' })
  cursor: string;
}
