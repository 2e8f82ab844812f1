import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import { Cluster } from '../cluster/cluster.type.js';
import type { GraphQLContext } from '../graphql/context.js';
import { nestedListQuery } from '../graphql/list-query.js';
import { ConnectionArgs, type Connection } from '../graphql/relay/index.js';
import { connectionNodeFields, connectionSelectsCursors, projectedColumns } from '../graphql/selection.js';
import { ClusterNodeFilter, ClusterNodeOrder, clusterNodeConditions, clusterNodeOrdering } from './cluster-node.filter.js';
import { ClusterNode, ClusterNodeConnection } from './cluster-node.type.js';
import { DeploymentFilter, DeploymentOrder, deploymentConditions, deploymentOrdering } from './deployment.filter.js';
import { Deployment, DeploymentConnection } from './deployment.type.js';
import { HelmReleaseFilter, HelmReleaseOrder, helmReleaseConditions, helmReleaseOrdering } from './helm-release.filter.js';
import { HelmRelease, HelmReleaseConnection } from './helm-release.type.js';
import { NamespaceFilter, NamespaceOrder, namespaceConditions, namespaceOrdering } from './namespace.filter.js';
import { Namespace, NamespaceConnection } from './namespace.type.js';
import { PodFilter, PodOrder, podConditions, podOrdering } from './pod.filter.js';
import { Pod, PodConnection } from './pod.type.js';
import { scheduledNodes } from './scheduled-nodes.js';
import { clusterNodeSource, deploymentSource, namespaceSource, podSource } from './sources.js';

/** A cluster's inventory: each list in one statement per level for all clusters of the page. */
// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => Cluster)
export class ClusterInventoryResolver {
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
