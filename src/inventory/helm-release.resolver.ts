import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { Cluster } from '../cluster/cluster.type.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ConnectionArgs, registerNodeType, type Connection } from '../graphql/relay/index.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { HelmReleaseFilter, HelmReleaseOrder, helmReleaseConditions, helmReleaseOrdering } from './helm-release.filter.js';
import { HelmRelease, HelmReleaseConnection } from './helm-release.type.js';
import { listQuery } from '../graphql/list-query.js';
import { Namespace } from './namespace.type.js';
import { helmReleaseSource } from './sources.js';

registerNodeType({ typeName: 'HelmRelease', classRef: HelmRelease, load: (uuid, context) => context.loaders.helmRelease.load(uuid) });

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => HelmRelease)
export class HelmReleaseResolver {
  @Query(() => HelmReleaseConnection, { description: 'Helm releases of the organisation’s clusters, filtered and sorted (default: by name).' })
  async helmReleases(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => HelmReleaseFilter, { validate: false, nullable: true, description: 'Which releases to return.' }) filter: HelmReleaseFilter | null,
    @Arg('orderBy', () => HelmReleaseOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: HelmReleaseOrder | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<HelmRelease>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter, orderBy }, helmReleaseConditions, helmReleaseOrdering);
    return fetchConnection(context.loaders.sql, helmReleaseSource, auth.organizationId, query);
  }

  @FieldResolver(() => Cluster, { description: 'The cluster the release is installed in.' })
  async cluster(@Root() release: HelmRelease, @Ctx() context: GraphQLContext): Promise<Cluster | null> {
    return context.loaders.cluster.load(release.clusterRowId);
  }

  @FieldResolver(() => Namespace, { nullable: true, description: 'The namespace the release is installed in.' })
  async namespace(@Root() release: HelmRelease, @Ctx() context: GraphQLContext): Promise<Namespace | null> {
    return release.namespaceRowId ? context.loaders.namespace.load(release.namespaceRowId) : null;
  }
}
