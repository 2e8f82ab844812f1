import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { toPod } from './inventory.rows.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { ChangeEvent } from '../events/change-event.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';
import { stateAsRow } from '../events/event-state.js';
import { eventStream } from '../events/event-stream.js';
import { compilePodChangeFilter, PodChangedFilter } from './pod-change.filter.js';
import { PodChangeEvent } from './pod-change-event.type.js';

function podChanges({ args, context }: SubscribeResolverData<unknown, { filter?: PodChangedFilter | null }, GraphQLContext>): AsyncIterable<PodChangeEvent> {
  const auth = requireRole(context, 'viewer');
  const matcher = compilePodChangeFilter(auth.organizationId, args.filter);
  return eventStream(context.eventBus, (event: ChangeEvent) => {
    // Organisation first: another organisation's events are never mapped, let alone delivered.
    if (event.kind !== 'Pod' || event.organizationId !== matcher.organizationId) return null;
    if (matcher.clusterRowId !== null && event.clusterId !== matcher.clusterRowId) return null;
    const pod = toPod(stateAsRow(event.state, { clusterId: event.clusterId }));
    if (!matcher.matches(pod)) return null;
    return Object.assign(new PodChangeEvent(), {
      type: event.type as ChangeTypeEnum,
      pod,
      changedFields: event.changedFields,
      committedAt: event.committedAt,
    });
  });
}

@Resolver()
export class PodChangedResolver {
  @Subscription(() => PodChangeEvent, {
    subscribe: podChanges,
    description:
      'Live pod changes of the caller\'s organisation (added, modified, deleted), filtered on the server. Use it for CrashLoopBackOff/OOMKilled alerts and rollout feeds. A feed that falls too far behind (code SUBSCRIBER_TOO_SLOW) or may have missed changes (CHANGES_MISSED) ends with that error: query the current state and subscribe again.',
  })
  podChanged(
    @Root() event: PodChangeEvent,
    @Arg('filter', () => PodChangedFilter, { nullable: true, description: 'Which changes to deliver; all pods of the organisation when omitted.' })
    _filter: PodChangedFilter | null,
  ): PodChangeEvent {
    return event;
  }
}
