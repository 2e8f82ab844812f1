import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { Cluster } from '../cluster/cluster.type.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ConnectionArgs, registerNodeType, type Connection } from '../graphql/relay/index.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { DeploymentFilter, DeploymentOrder, deploymentConditions, deploymentOrdering } from './deployment.filter.js';
import { Deployment, DeploymentConnection } from './deployment.type.js';
import { connectionNodeFields, connectionSelectsCursors, projectedColumns } from '../graphql/selection.js';
import { scheduledNodes } from './scheduled-nodes.js';
import { listQuery, nestedListQuery } from '../graphql/list-query.js';
import { Namespace } from './namespace.type.js';
import { PodFilter, PodOrder, podConditions, podOrdering } from './pod.filter.js';
import { Pod, PodConnection } from './pod.type.js';
import { deploymentSource, podSource } from './sources.js';

registerNodeType({ typeName: 'Deployment', classRef: Deployment, load: (uuid, context) => context.loaders.deployment.load(uuid) });

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => Deployment)
export class DeploymentResolver {
  @Query(() => DeploymentConnection, { description: 'Deployments of the organisation’s clusters, filtered and sorted (default: by name).' })
  async deployments(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => DeploymentFilter, { validate: false, nullable: true, description: 'Which Deployments to return.' }) filter: DeploymentFilter | null,
    @Arg('orderBy', () => DeploymentOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: DeploymentOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Deployment>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter, orderBy, columns: projectedColumns(deploymentSource, connectionNodeFields(info)) }, deploymentConditions, deploymentOrdering);
    return fetchConnection(context.loaders.sql, deploymentSource, auth.organizationId, query);
  }

  @FieldResolver(() => Cluster, { description: 'The cluster the Deployment runs in.' })
  async cluster(@Root() deployment: Deployment, @Ctx() context: GraphQLContext): Promise<Cluster | null> {
    return context.loaders.cluster.load(deployment.clusterRowId);
  }

  @FieldResolver(() => Namespace, { nullable: true, description: 'The namespace of the Deployment (null if its namespace row was removed).' })
  async namespace(@Root() deployment: Deployment, @Ctx() context: GraphQLContext): Promise<Namespace | null> {
    return deployment.namespaceRowId ? context.loaders.namespace.load(deployment.namespaceRowId) : null;
  }

  @FieldResolver(() => PodConnection, { description: 'Pods of the Deployment (through its ReplicaSets); live pods unless the filter includes deleted ones.' })
  async pods(
    @Root() deployment: Deployment,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => PodFilter, { validate: false, nullable: true, description: 'Which pods to return.' }) filter: PodFilter | null,
    @Arg('orderBy', () => PodOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: PodOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Pod>> {
    const fields = connectionNodeFields(info);
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(podSource, fields), cursors: connectionSelectsCursors(info) }, podConditions, podOrdering);
    return context.loaders.podsOfDeployment.load(deployment.rowId, variant, build, scheduledNodes(fields, context));
  }
}
