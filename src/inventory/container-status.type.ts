import { GraphQLDateTime } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'State of one container of a pod (status.containerStatuses).' })
export class ContainerStatus {
  @Field({ description: 'Container name.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Image reference.' })
  image: string | null;

  @Field({ description: 'True when the container passes its readiness probe.' })
  ready: boolean;

  @Field(() => Int, { description: 'How many times the container restarted.' })
  restartCount: number;

  @Field(() => String, { nullable: true, description: 'Current state: running, waiting or terminated.' })
  state: string | null;

  @Field(() => String, { nullable: true, description: 'Reason of the current state (for example CrashLoopBackOff, ImagePullBackOff, Completed).' })
  reason: string | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes\' explanation of the current state (for example `Back-off pulling image "web:1.2"` or `secret "db" not found`).' })
  message: string | null;

  @Field(() => Int, { nullable: true, description: 'Exit code when the current state is terminated.' })
  exitCode: number | null;

  @Field(() => String, { nullable: true, description: 'Reason of the previous termination (for example OOMKilled, Error).' })
  lastTerminationReason: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the current state began (running or terminated).' })
  startedAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'Exit code of the previous termination (137 usually means killed, for example OOMKilled).' })
  lastTerminationExitCode: number | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the previous termination happened.' })
  lastTerminatedAt: Date | null;
}
