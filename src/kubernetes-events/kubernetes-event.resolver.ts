import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Cluster } from '../cluster/cluster.type.js';
import { requireRole } from '../graphql/access.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import type { GraphQLContext } from '../graphql/context.js';
import { listQuery } from '../graphql/list-query.js';
import { ConnectionArgs, registerNodeType, type Connection } from '../graphql/relay/index.js';
import { Namespace } from '../inventory/namespace.type.js';
import { KubernetesEventFilter, KubernetesEventOrder, kubernetesEventConditions, kubernetesEventOrdering } from './kubernetes-event.filter.js';
import { kubernetesEventSource } from './kubernetes-event.source.js';
import { KubernetesEvent, KubernetesEventConnection } from './kubernetes-event.type.js';

registerNodeType({ typeName: 'KubernetesEvent', classRef: KubernetesEvent, load: (uuid, context) => context.loaders.kubernetesEvent.load(uuid) });

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => KubernetesEvent)
export class KubernetesEventResolver {
  @Query(() => KubernetesEventConnection, {
    description: 'Kubernetes Events of the organisation’s clusters (what `kubectl get events` shows, and those since expired), filtered and sorted (default: newest first).',
  })
  async events(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => KubernetesEventFilter, { validate: false, nullable: true, description: 'Which Events to return.' }) filter: KubernetesEventFilter | null,
    @Arg('orderBy', () => KubernetesEventOrder, { validate: false, nullable: true, description: 'Sort order (default: LAST_SEEN descending).' }) orderBy: KubernetesEventOrder | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<KubernetesEvent>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter, orderBy }, kubernetesEventConditions, kubernetesEventOrdering);
    return fetchConnection(context.loaders.sql, kubernetesEventSource, auth.organizationId, query);
  }

  @FieldResolver(() => Cluster, { description: 'The cluster the Event was reported in.' })
  async cluster(@Root() event: KubernetesEvent, @Ctx() context: GraphQLContext): Promise<Cluster | null> {
    return context.loaders.cluster.load(event.clusterRowId);
  }

  @FieldResolver(() => Namespace, { nullable: true, description: 'The namespace the Event was written in (null if its namespace row was removed).' })
  async namespace(@Root() event: KubernetesEvent, @Ctx() context: GraphQLContext): Promise<Namespace | null> {
    return event.namespaceRowId ? context.loaders.namespace.load(event.namespaceRowId) : null;
  }
}
