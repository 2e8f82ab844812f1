import { Arg, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { CLUSTER_COLUMNS, toCluster } from './cluster.rows.js';
import type { GraphQLContext } from '../graphql/context.js';
import { uuidFromGlobalId } from '../graphql/relay/global-id.js';
import type { ChangeEvent } from '../events/change-event.js';
import { ChangeTypeEnum } from '../events/change-type.enum.js';
import { ClusterField, ClusterStatusEvent } from './cluster-status-event.type.js';
import { stateAsRow } from '../events/event-state.js';
import { encodeEventCursor, resumePoint } from '../events/event-cursor.js';
import { eventStream, mapStream } from '../events/event-stream.js';

/** Columns whose change is a status change worth telling a dashboard about. */
const STATUS_FIELDS = new Set(['status', 'statusMessage', 'status_message']);

async function clusterStatusChanges({
  args,
  context,
}: SubscribeResolverData<unknown, { clusterId?: string | null; after?: string | null }, GraphQLContext>): Promise<AsyncIterableIterator<ClusterStatusEvent>> {
  const auth = requireRole(context, 'viewer');
  const clusterRowId = args.clusterId ? uuidFromGlobalId(args.clusterId, 'Cluster', 'clusterId') : null;
  const after = await resumePoint(context.eventBus, args.after);
  const events = eventStream(context.eventBus, (event: ChangeEvent) => {
    if (event.kind !== 'Cluster' || event.organizationId !== auth.organizationId) return null;
    if (clusterRowId !== null && event.clusterId !== clusterRowId) return null;
    // An empty list means the publisher does not know what changed (its first report after a start).
    if (event.type === 'MODIFIED' && event.changedFields.length > 0 && !event.changedFields.some((f) => STATUS_FIELDS.has(f))) return null;
    return event;
  }, after);
  return mapStream(events, async (event) => {
    // Cluster changes are rare: read the committed row (the event may carry only the changed columns).
    const rows: Array<Record<string, unknown>> = await context.dataSource.query(
      `SELECT ${CLUSTER_COLUMNS} FROM k8s_clusters c WHERE c.id = $1 AND c.organization_id = $2`,
      [event.clusterId, auth.organizationId],
    );
    const row = rows[0] ?? (event.type === 'DELETED' ? stateAsRow(event.state, { id: event.clusterId, organizationId: event.organizationId }) : null);
    if (!row) return null;
    return Object.assign(new ClusterStatusEvent(), {
      type: event.type as ChangeTypeEnum,
      cluster: toCluster(row),
      changedFields: ClusterField.fieldsOf(event.changedFields),
      committedAt: event.committedAt,
      cursor: encodeEventCursor(event.seq ?? 0),
    });
  });
}

@Resolver()
export class ClusterStatusChangedResolver {
  @Subscription(() => ClusterStatusEvent, {
    subscribe: clusterStatusChanges,
    description:
      'Live status changes of the caller\'s clusters: registration, removal, and status/statusMessage changes. A client that reconnects with `after:` the last cursor it received misses nothing. A feed that falls too far behind (code SUBSCRIBER_TOO_SLOW) ends with that error: subscribe again with `after:`.',
  })
  clusterStatusChanged(
    @Root() event: ClusterStatusEvent,
    @Arg('clusterId', () => ID, { nullable: true, description: 'Only this cluster; all clusters of the organisation when omitted.' })
    _clusterId: string | null,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this event cursor: the changes committed since are delivered first, in order, then live ones.' })
    _after: string | null,
  ): ClusterStatusEvent {
    return event;
  }
}
