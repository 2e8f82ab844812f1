import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { Cluster } from './cluster.type.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';

@ObjectType({ description: 'A committed change of a cluster\'s status (healthy, degraded, unreachable, …) or its registration.' })
export class ClusterStatusEvent {
  @Field(() => ChangeTypeEnum, { description: 'Registered (ADDED), changed (MODIFIED) or removed (DELETED).' })
  type: ChangeTypeEnum;

  @Field(() => Cluster, { description: 'The cluster as stored after the change.' })
  cluster: Cluster;

  @Field(() => [String], { description: 'Stored columns whose values changed (empty for ADDED and DELETED).' })
  changedFields: string[];

  @Field(() => GraphQLDateTime, { description: 'When the change was committed to the database.' })
  committedAt: Date;

  @Field(() => String, { description: 'Position of this change in the change log: subscribe again with `after:` this cursor to get every change since, with none missed and none twice.' })
  cursor: string;
}
