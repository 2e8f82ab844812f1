import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { Pod } from './pod.type.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';

@ObjectType({ description: 'A committed change of a pod. Delivered after the row is stored: a query run on receipt sees this state.' })
export class PodChangeEvent {
  @Field(() => ChangeTypeEnum, { description: 'Whether the pod appeared, changed or was deleted.' })
  type: ChangeTypeEnum;

  @Field(() => Pod, { description: 'The pod as stored after the change.' })
  pod: Pod;

  @Field(() => [String], { description: 'Stored columns whose values changed (empty for ADDED and DELETED).' })
  changedFields: string[];

  @Field(() => GraphQLDateTime, { description: 'When the change was committed to the database.' })
  committedAt: Date;

  @Field(() => String, { description: 'Position of this change in the change log: subscribe again with `after:` this cursor to get every change since, with none missed and none twice.' })
  cursor: string;
}
