import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { toDeployment } from './inventory.rows.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { ChangeEvent } from '../events/change-event.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';
import { stateAsRow } from '../events/event-state.js';
import { encodeEventCursor, resumePoint } from '../events/event-cursor.js';
import { eventStream } from '../events/event-stream.js';
import { compileDeploymentChangeFilter, DeploymentChangedFilter } from './deployment-change.filter.js';
import { DeploymentChangeEvent, DeploymentField } from './deployment-change-event.type.js';

async function deploymentChanges({
  args,
  context,
}: SubscribeResolverData<unknown, { filter?: DeploymentChangedFilter | null; after?: string | null }, GraphQLContext>): Promise<AsyncIterable<DeploymentChangeEvent>> {
  const auth = requireRole(context, 'viewer');
  const matcher = compileDeploymentChangeFilter(auth.organizationId, args.filter);
  const after = await resumePoint(context.eventBus, args.after);
  return eventStream(context.eventBus, (event: ChangeEvent) => {
    // Organisation first: another organisation's events are never mapped, let alone delivered.
    if (event.kind !== 'Deployment' || event.organizationId !== matcher.organizationId) return null;
    if (matcher.clusterRowId !== null && event.clusterId !== matcher.clusterRowId) return null;
    const deployment = toDeployment(stateAsRow(event.state, { clusterId: event.clusterId }));
    if (!matcher.matches(deployment)) return null;
    return Object.assign(new DeploymentChangeEvent(), {
      type: event.type as ChangeTypeEnum,
      deployment,
      changedFields: DeploymentField.fieldsOf(event.changedFields),
      committedAt: event.committedAt,
      cursor: encodeEventCursor(event.seq ?? 0),
    });
  }, after);
}

@Resolver()
export class DeploymentChangedResolver {
  @Subscription(() => DeploymentChangeEvent, {
    subscribe: deploymentChanges,
    description:
      'Live Deployment changes of the caller\'s organisation: desired, updated, ready and available replicas and health as a rollout progresses, scales, additions and deletions. A client that reconnects with `after:` the last cursor it received misses nothing. A feed that falls too far behind (code SUBSCRIBER_TOO_SLOW) ends with that error: subscribe again with `after:`.',
  })
  deploymentChanged(
    @Root() event: DeploymentChangeEvent,
    @Arg('filter', () => DeploymentChangedFilter, { nullable: true, description: 'Which changes to deliver; all Deployments of the organisation when omitted.' })
    _filter: DeploymentChangedFilter | null,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this event cursor: the changes committed since are delivered first, in order, then live ones.' })
    _after: string | null,
  ): DeploymentChangeEvent {
    return event;
  }
}
