import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { nestedListQuery } from '../graphql/list-query.js';
import { ConnectionArgs, type Connection } from '../graphql/relay/index.js';
import { connectionSelectsCursors } from '../graphql/selection.js';
import { ClusterNode } from '../inventory/cluster-node.type.js';
import { Namespace } from '../inventory/namespace.type.js';
import { Pod } from '../inventory/pod.type.js';
import { Workload } from '../inventory/workload.type.js';
import { KubernetesEventFilter, KubernetesEventOrder, kubernetesEventConditions, kubernetesEventOrdering } from './kubernetes-event.filter.js';
import { KubernetesEventConnection, type KubernetesEvent } from './kubernetes-event.type.js';

const FILTER = { validate: false, nullable: true, description: 'Which Events to return.' } as const;
const ORDER = { validate: false, nullable: true, description: 'Sort order (default: LAST_SEEN descending).' } as const;

function query(context: GraphQLContext, connection: ConnectionArgs, filter: KubernetesEventFilter | null, orderBy: KubernetesEventOrder | null, info: GraphQLResolveInfo) {
  return nestedListQuery(context, { connection, filter, orderBy, cursors: connectionSelectsCursors(info) }, kubernetesEventConditions, kubernetesEventOrdering);
}

// `events` of the inventory's objects: here, with the Events, rather than in inventory/ (a field belongs to the
// domain that computes it). Each is one statement per level for all parents.
@Resolver(() => Pod)
export class PodEventsResolver {
  @FieldResolver(() => KubernetesEventConnection, { description: 'Kubernetes Events about the pod, newest first: why it is not running, restarting or gone.' })
  async events(
    @Root() pod: Pod,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => KubernetesEventFilter, FILTER) filter: KubernetesEventFilter | null,
    @Arg('orderBy', () => KubernetesEventOrder, ORDER) orderBy: KubernetesEventOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<KubernetesEvent>> {
    const { variant, build } = query(context, connection, filter, orderBy, info);
    return context.loaders.kubernetesEventsOfObject('Pod').load(pod.rowId, variant, build);
  }
}

@Resolver(() => ClusterNode)
export class ClusterNodeEventsResolver {
  @FieldResolver(() => KubernetesEventConnection, { description: 'Kubernetes Events about the node (NodeNotReady, OOMKilling, …), newest first.' })
  async events(
    @Root() node: ClusterNode,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => KubernetesEventFilter, FILTER) filter: KubernetesEventFilter | null,
    @Arg('orderBy', () => KubernetesEventOrder, ORDER) orderBy: KubernetesEventOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<KubernetesEvent>> {
    const { variant, build } = query(context, connection, filter, orderBy, info);
    return context.loaders.kubernetesEventsOfNode.load(node.rowId, variant, build);
  }
}

@Resolver(() => Namespace)
export class NamespaceEventsResolver {
  @FieldResolver(() => KubernetesEventConnection, { description: 'Kubernetes Events written in the namespace, about any of its objects, newest first.' })
  async events(
    @Root() namespace: Namespace,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => KubernetesEventFilter, FILTER) filter: KubernetesEventFilter | null,
    @Arg('orderBy', () => KubernetesEventOrder, ORDER) orderBy: KubernetesEventOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<KubernetesEvent>> {
    const { variant, build } = query(context, connection, filter, orderBy, info);
    return context.loaders.kubernetesEventsOfNamespace.load(namespace.rowId, variant, build);
  }
}

@Resolver(() => Workload)
export class WorkloadEventsResolver {
  @FieldResolver(() => KubernetesEventConnection, {
    description: 'Kubernetes Events about the workload itself (scaling, a Job\'s completion or back-off limit, a CronJob\'s runs), newest first; its pods have their own.',
  })
  async events(
    @Root() workload: Workload,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => KubernetesEventFilter, FILTER) filter: KubernetesEventFilter | null,
    @Arg('orderBy', () => KubernetesEventOrder, ORDER) orderBy: KubernetesEventOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<KubernetesEvent>> {
    const { variant, build } = query(context, connection, filter, orderBy, info);
    return context.loaders.kubernetesEventsOfObject(workload.kind).load(workload.rowId, variant, build);
  }
}
