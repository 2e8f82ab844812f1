import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { changedFieldEnum } from '../graphql/changed-fields.js';
import { Pod } from './pod.type.js';
import { PodProblem } from './pod-problem.type.js';
import { POD_PROJECTION } from './sources.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';

/** Pod's fields as an enum; stored columns no field reads (ownerUid, resourceVersion) are never reported. */
export const PodField = changedFieldEnum(Pod, {
  name: 'PodField',
  description: 'A field of Pod, named as in the schema, so that `changedFields` can be compared with a selection.',
  reads: POD_PROJECTION.fields,
});

@ObjectType({ description: 'A committed change of a pod. Delivered after the row is stored: a query run on receipt sees this state.' })
export class PodChangeEvent {
  @Field(() => ChangeTypeEnum, { description: 'Whether the pod appeared, changed or was deleted.' })
  type: ChangeTypeEnum;

  @Field(() => Pod, { description: 'The pod as stored after the change.' })
  pod: Pod;

  @Field(() => [PodField.enum], {
    description:
      'Fields of `pod` whose values changed (empty for ADDED and DELETED). `cpuRequestMillicores` and `cpuRequestCores` change together; `containers` is each container\'s state, `containerSpecs` the pod spec.',
  })
  changedFields: string[];

  @Field(() => PodProblem, {
    nullable: true,
    description:
      'With `onlyProblems`, the problem the pod went into, changed to, or (`resolved`) left. Otherwise the pod\'s problem after the change, or null when it has none.',
  })
  problem: PodProblem | null;

  @Field(() => GraphQLDateTime, { description: 'When the change was committed to the database.' })
  committedAt: Date;

  @Field(() => String, { description: 'Position of this change in the change log: subscribe again with `after:` this cursor to get every change since, with none missed and none twice.' })
  cursor: string;
}
