import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { toClusterNode } from './inventory.rows.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { ChangeEvent } from '../events/change-event.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';
import { stateAsRow } from '../events/event-state.js';
import { encodeEventCursor, resumePoint } from '../events/event-cursor.js';
import { eventStream } from '../events/event-stream.js';
import { compileNodeChangeFilter, NodeChangedFilter } from './node-change.filter.js';
import { ClusterNodeField, NodeChangeEvent } from './node-change-event.type.js';

async function nodeChanges({
  args,
  context,
}: SubscribeResolverData<unknown, { filter?: NodeChangedFilter | null; after?: string | null }, GraphQLContext>): Promise<AsyncIterable<NodeChangeEvent>> {
  const auth = requireRole(context, 'viewer');
  const matcher = compileNodeChangeFilter(auth.organizationId, args.filter);
  const after = await resumePoint(context.eventBus, args.after);
  return eventStream(context.eventBus, (event: ChangeEvent) => {
    // Organisation first: another organisation's events are never mapped, let alone delivered.
    if (event.kind !== 'Node' || event.organizationId !== matcher.organizationId) return null;
    if (matcher.clusterRowId !== null && event.clusterId !== matcher.clusterRowId) return null;
    if (matcher.name !== null && event.name !== matcher.name) return null;
    return Object.assign(new NodeChangeEvent(), {
      type: event.type as ChangeTypeEnum,
      node: toClusterNode(stateAsRow(event.state, { clusterId: event.clusterId })),
      changedFields: ClusterNodeField.fieldsOf(event.changedFields),
      committedAt: event.committedAt,
      cursor: encodeEventCursor(event.seq ?? 0),
    });
  }, after);
}

@Resolver()
export class NodeChangedResolver {
  @Subscription(() => NodeChangeEvent, {
    subscribe: nodeChanges,
    description:
      'Live node changes of the caller\'s organisation: Ready and NotReady, pressure conditions (MemoryPressure, DiskPressure, PIDPressure), cordons (unschedulable), taints, nodes joining and leaving. A client that reconnects with `after:` the last cursor it received misses nothing. A feed that falls too far behind (code SUBSCRIBER_TOO_SLOW) ends with that error: subscribe again with `after:`.',
  })
  nodeChanged(
    @Root() event: NodeChangeEvent,
    @Arg('filter', () => NodeChangedFilter, { nullable: true, description: 'Which changes to deliver; all nodes of the organisation when omitted.' })
    _filter: NodeChangedFilter | null,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this event cursor: the changes committed since are delivered first, in order, then live ones.' })
    _after: string | null,
  ): NodeChangeEvent {
    return event;
  }
}
