import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { toPod } from './inventory.rows.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { ChangeEvent } from '../events/change-event.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';
import { stateAsRow } from '../events/event-state.js';
import { encodeEventCursor, resumePoint } from '../events/event-cursor.js';
import { eventStream } from '../events/event-stream.js';
import { compilePodChangeFilter, PodChangedFilter } from './pod-change.filter.js';
import { PodChangeEvent, PodField } from './pod-change-event.type.js';
import { podProblem } from './pod-problem.js';
import { PodProblemTracker } from './pod-problem-tracker.js';

async function podChanges({
  args,
  context,
}: SubscribeResolverData<unknown, { filter?: PodChangedFilter | null; after?: string | null }, GraphQLContext>): Promise<AsyncIterable<PodChangeEvent>> {
  const auth = requireRole(context, 'viewer');
  const matcher = compilePodChangeFilter(auth.organizationId, args.filter);
  const after = await resumePoint(context.eventBus, args.after);
  const problems = matcher.onlyProblems ? await PodProblemTracker.start(context.dataSource, matcher, after !== undefined) : null;
  return eventStream(context.eventBus, (event: ChangeEvent) => {
    // Organisation first: another organisation's events are never mapped, let alone delivered.
    if (event.kind !== 'Pod' || event.organizationId !== matcher.organizationId) return null;
    if (matcher.clusterRowId !== null && event.clusterId !== matcher.clusterRowId) return null;
    const pod = toPod(stateAsRow(event.state, { clusterId: event.clusterId }));
    if (!matcher.matches(pod)) return null;
    const problem = problems ? problems.next(event, pod) : podProblem(pod);
    if (problems && !problem) return null;
    return Object.assign(new PodChangeEvent(), {
      type: event.type as ChangeTypeEnum,
      pod,
      changedFields: PodField.fieldsOf(event.changedFields),
      problem,
      committedAt: event.committedAt,
      cursor: encodeEventCursor(event.seq ?? 0),
    });
  }, after);
}

@Resolver()
export class PodChangedResolver {
  @Subscription(() => PodChangeEvent, {
    subscribe: podChanges,
    description:
      'Live pod changes of the caller\'s organisation (added, modified, deleted), filtered on the server. Use it for rollout feeds, and with `onlyProblems` for CrashLoopBackOff/OOMKilled alerts that clear themselves. A client that reconnects with `after:` the last cursor it received misses nothing. A feed that falls too far behind (code SUBSCRIBER_TOO_SLOW) ends with that error: subscribe again with `after:`.',
  })
  podChanged(
    @Root() event: PodChangeEvent,
    @Arg('filter', () => PodChangedFilter, { nullable: true, description: 'Which changes to deliver; all pods of the organisation when omitted.' })
    _filter: PodChangedFilter | null,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this event cursor: the changes committed since are delivered first, in order, then live ones.' })
    _after: string | null,
  ): PodChangeEvent {
    return event;
  }
}
