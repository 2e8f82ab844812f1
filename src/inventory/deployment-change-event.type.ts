import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { changedFieldEnum } from '../graphql/changed-fields.js';
import { Deployment } from './deployment.type.js';
import { DEPLOYMENT_PROJECTION } from './sources.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';

/** Deployment's fields as an enum; the stored resourceVersion, which no field reads, is never reported. */
export const DeploymentField = changedFieldEnum(Deployment, {
  name: 'DeploymentField',
  description: 'A field of Deployment, named as in the schema, so that `changedFields` can be compared with a selection.',
  reads: DEPLOYMENT_PROJECTION.fields,
});

@ObjectType({ description: 'A committed change of a Deployment: a rollout\'s progress, a scale, a change of health. Delivered after the row is stored.' })
export class DeploymentChangeEvent {
  @Field(() => ChangeTypeEnum, { description: 'Whether the Deployment appeared, changed or was deleted.' })
  type: ChangeTypeEnum;

  @Field(() => Deployment, { description: 'The Deployment as stored after the change.' })
  deployment: Deployment;

  @Field(() => [DeploymentField.enum], { description: 'Fields of `deployment` whose values changed (empty for ADDED and DELETED).' })
  changedFields: string[];

  @Field(() => GraphQLDateTime, { description: 'When the change was committed to the database.' })
  committedAt: Date;

  @Field(() => String, { description: 'Position of this change in the change log: subscribe again with `after:` this cursor to get every change since, with none missed and none twice.' })
  cursor: string;
}
