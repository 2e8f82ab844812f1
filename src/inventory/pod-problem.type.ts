import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    'What is wrong with a pod, in Kubernetes\' words: a container that cannot start or keeps failing, an eviction, or no node to run on. With `resolved`, the problem the pod has just left.',
})
export class PodProblem {
  @Field({
    description:
      'CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError (a container waiting), OOMKilled, Error (a container terminated), Evicted, or Unschedulable (pending with no node that can take it).',
  })
  reason: string;

  @Field(() => String, {
    nullable: true,
    description: 'Kubernetes\' explanation: the container state\'s message (`Back-off pulling image "web:1.2"`), the eviction\'s, or the scheduler\'s (`0/3 nodes are available: 3 Insufficient cpu.`).',
  })
  message: string | null;

  @Field(() => String, { nullable: true, description: 'The container the problem is in; null for a problem of the whole pod (Evicted, Unschedulable).' })
  container: string | null;

  @Field(() => String, { nullable: true, description: 'How the container last ended (OOMKilled, Error), which a CrashLoopBackOff is the consequence of.' })
  lastTerminationReason: string | null;

  @Field(() => Int, { nullable: true, description: 'Exit code of the container\'s current or last termination.' })
  exitCode: number | null;

  @Field(() => Int, { nullable: true, description: 'Restarts of the container so far.' })
  restartCount: number | null;

  @Field({
    description:
      'True when the pod has left this problem (running again, or deleted): the change clears an alert raised for it. A container killed and already running again (most OOMKills) comes once, resolved.',
  })
  resolved: boolean;
}
