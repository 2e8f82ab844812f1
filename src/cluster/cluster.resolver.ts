import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, ID, Query, Resolver, Root } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { ClusterNodeFilter, ClusterNodeOrder, clusterNodeConditions, clusterNodeOrdering } from '../inventory/cluster-node.filter.js';
import { ClusterNode, ClusterNodeConnection } from '../inventory/cluster-node.type.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { DeploymentFilter, DeploymentOrder, deploymentConditions, deploymentOrdering } from '../inventory/deployment.filter.js';
import { Deployment, DeploymentConnection } from '../inventory/deployment.type.js';
import { HelmReleaseFilter, HelmReleaseOrder, helmReleaseConditions, helmReleaseOrdering } from '../inventory/helm-release.filter.js';
import { HelmRelease, HelmReleaseConnection } from '../inventory/helm-release.type.js';
import { listQuery, nestedListQuery } from '../graphql/list-query.js';
import { connectionNodeFields, connectionSelectsCursors, projectedColumns } from '../graphql/selection.js';
import { scheduledNodes } from '../inventory/scheduled-nodes.js';
import { NamespaceFilter, NamespaceOrder, namespaceConditions, namespaceOrdering } from '../inventory/namespace.filter.js';
import { Namespace, NamespaceConnection } from '../inventory/namespace.type.js';
import { PodFilter, PodOrder, podConditions, podOrdering } from '../inventory/pod.filter.js';
import { Pod, PodConnection } from '../inventory/pod.type.js';
import { clusterNodeSource, clusterSource, deploymentSource, namespaceSource, podSource } from '../inventory/sources.js';
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

  @FieldResolver(() => NamespaceConnection, { description: 'Namespaces of the cluster.' })
  async namespaces(
    @Root() cluster: Cluster,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => NamespaceFilter, { validate: false, nullable: true, description: 'Which namespaces to return.' }) filter: NamespaceFilter | null,
    @Arg('orderBy', () => NamespaceOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: NamespaceOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Namespace>> {
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(namespaceSource, connectionNodeFields(info)), cursors: connectionSelectsCursors(info) }, namespaceConditions, namespaceOrdering);
    return context.loaders.namespacesOfCluster.load(cluster.rowId, variant, build);
  }

  @FieldResolver(() => ClusterNodeConnection, { description: 'Kubernetes nodes of the cluster.' })
  async nodes(
    @Root() cluster: Cluster,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => ClusterNodeFilter, { validate: false, nullable: true, description: 'Which nodes to return.' }) filter: ClusterNodeFilter | null,
    @Arg('orderBy', () => ClusterNodeOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: ClusterNodeOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<ClusterNode>> {
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(clusterNodeSource, connectionNodeFields(info)), cursors: connectionSelectsCursors(info) }, clusterNodeConditions, clusterNodeOrdering);
    return context.loaders.nodesOfCluster.load(cluster.rowId, variant, build);
  }

  @FieldResolver(() => DeploymentConnection, { description: 'Deployments of the cluster, across namespaces.' })
  async deployments(
    @Root() cluster: Cluster,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => DeploymentFilter, { validate: false, nullable: true, description: 'Which Deployments to return.' }) filter: DeploymentFilter | null,
    @Arg('orderBy', () => DeploymentOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: DeploymentOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Deployment>> {
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(deploymentSource, connectionNodeFields(info)), cursors: connectionSelectsCursors(info) }, deploymentConditions, deploymentOrdering);
    return context.loaders.deploymentsOfCluster.load(cluster.rowId, variant, build);
  }

  @FieldResolver(() => PodConnection, { description: 'Pods of the cluster, across namespaces.' })
  async pods(
    @Root() cluster: Cluster,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => PodFilter, { validate: false, nullable: true, description: 'Which pods to return.' }) filter: PodFilter | null,
    @Arg('orderBy', () => PodOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: PodOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Pod>> {
    const fields = connectionNodeFields(info);
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(podSource, fields), cursors: connectionSelectsCursors(info) }, podConditions, podOrdering);
    return context.loaders.podsOfCluster.load(cluster.rowId, variant, build, scheduledNodes(fields, context));
  }

  @FieldResolver(() => HelmReleaseConnection, { description: 'Helm releases installed in the cluster.' })
  async helmReleases(
    @Root() cluster: Cluster,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => HelmReleaseFilter, { validate: false, nullable: true, description: 'Which releases to return.' }) filter: HelmReleaseFilter | null,
    @Arg('orderBy', () => HelmReleaseOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: HelmReleaseOrder | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<HelmRelease>> {
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy }, helmReleaseConditions, helmReleaseOrdering);
    return context.loaders.helmReleasesOfCluster.load(cluster.rowId, variant, build);
  }
}
