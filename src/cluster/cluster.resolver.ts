import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { listQuery } from '../graphql/list-query.js';
import { requireRole } from '../graphql/access.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { clusterSource } from './cluster.loaders.js';
import type { GraphQLContext } from '../graphql/context.js';
import { notFound } from '../graphql/errors.js';
import { ConnectionArgs, registerNodeType, uuidFromGlobalId, type Connection } from '../graphql/relay/index.js';
import { ClusterHealth, ClusterHealthConnection } from './cluster-health.type.js';
import { ClusterFilter, ClusterOrder, clusterConditions, clusterOrdering } from './cluster.filter.js';
import { CLUSTER_HEALTH_ORDERING, clusterHealthConditions, clusterHealthSource } from './cluster-health.source.js';
import { Cluster, ClusterConnection } from './cluster.type.js';

registerNodeType({ typeName: 'Cluster', classRef: Cluster, load: (uuid, context) => context.loaders.cluster.load(uuid) });

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => Cluster)
export class ClusterResolver {
  @Query(() => ClusterConnection, { description: 'Clusters of the organisation, filtered and sorted (default: by name).' })
  async clusters(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => ClusterFilter, { validate: false, nullable: true, description: 'Which clusters to return.' }) filter: ClusterFilter | null,
    @Arg('orderBy', () => ClusterOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: ClusterOrder | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Cluster>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter, orderBy }, clusterConditions, clusterOrdering);
    return fetchConnection(context.loaders.sql, clusterSource, auth.organizationId, query);
  }

  @Query(() => Cluster, { description: 'One cluster by id. NOT_FOUND when it does not exist or belongs to another organisation.' })
  async cluster(@Arg('id', () => ID, { description: 'A Cluster id.' }) id: string, @Ctx() context: GraphQLContext): Promise<Cluster> {
    requireRole(context, 'viewer');
    const cluster = await context.loaders.cluster.load(uuidFromGlobalId(id, 'Cluster'));
    if (!cluster) throw notFound(`Cluster "${id}" was not found`);
    return cluster;
  }

  @Query(() => ClusterHealthConnection, {
    description: 'Health summaries (view v_k8s_cluster_health) of the given clusters, or of every cluster of the organisation, sorted by cluster name.',
  })
  async clusterHealth(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('clusterIds', () => [ID], { nullable: true, description: 'Cluster ids; all clusters when omitted.' }) clusterIds: string[] | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<ClusterHealth>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter: clusterIds, orderBy: null }, clusterHealthConditions, () => CLUSTER_HEALTH_ORDERING);
    return fetchConnection(context.loaders.sql, clusterHealthSource, auth.organizationId, query);
  }

  @FieldResolver(() => ClusterHealth, { description: 'Health summary computed from the stored inventory.' })
  async health(@Root() cluster: Cluster, @Ctx() context: GraphQLContext): Promise<ClusterHealth | null> {
    return context.loaders.clusterHealth.load(cluster.rowId);
  }
}
