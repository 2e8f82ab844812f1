import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { Cluster } from '../cluster/cluster.type.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ConnectionArgs, registerNodeType, type Connection } from '../graphql/relay/index.js';
import { ClusterNodeFilter, ClusterNodeOrder, clusterNodeConditions, clusterNodeOrdering } from './cluster-node.filter.js';
import { ClusterNode, ClusterNodeConnection } from './cluster-node.type.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { connectionNodeFields, connectionSelectsCursors, projectedColumns } from '../graphql/selection.js';
import { scheduledNodes } from './scheduled-nodes.js';
import { listQuery, nestedListQuery } from '../graphql/list-query.js';
import { PodFilter, PodOrder, podConditions, podOrdering } from './pod.filter.js';
import { Pod, PodConnection } from './pod.type.js';
import { clusterNodeSource, podSource } from './sources.js';

registerNodeType({ typeName: 'ClusterNode', classRef: ClusterNode, load: (uuid, context) => context.loaders.clusterNode.load(uuid) });

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => ClusterNode)
export class ClusterNodeResolver {
  @Query(() => ClusterNodeConnection, {
    description: 'Kubernetes nodes of the organisation’s clusters, filtered and sorted (default: by name). (`nodes(ids:)` is the Relay lookup by global id.)',
  })
  async clusterNodes(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => ClusterNodeFilter, { validate: false, nullable: true, description: 'Which nodes to return.' }) filter: ClusterNodeFilter | null,
    @Arg('orderBy', () => ClusterNodeOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: ClusterNodeOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<ClusterNode>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter, orderBy, columns: projectedColumns(clusterNodeSource, connectionNodeFields(info)) }, clusterNodeConditions, clusterNodeOrdering);
    return fetchConnection(context.loaders.sql, clusterNodeSource, auth.organizationId, query);
  }

  @FieldResolver(() => Cluster, { description: 'The cluster the node belongs to.' })
  async cluster(@Root() node: ClusterNode, @Ctx() context: GraphQLContext): Promise<Cluster | null> {
    return context.loaders.cluster.load(node.clusterRowId);
  }

  @FieldResolver(() => PodConnection, { description: 'Pods scheduled on the node.' })
  async pods(
    @Root() node: ClusterNode,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => PodFilter, { validate: false, nullable: true, description: 'Which pods to return.' }) filter: PodFilter | null,
    @Arg('orderBy', () => PodOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: PodOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Pod>> {
    const fields = connectionNodeFields(info);
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(podSource, fields), cursors: connectionSelectsCursors(info) }, podConditions, podOrdering);
    return context.loaders.podsOfNode.load(node.rowId, variant, build, scheduledNodes(fields, context));
  }
}
