import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { Cluster } from '../cluster/cluster.type.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ConnectionArgs, registerNodeType, type Connection } from '../graphql/relay/index.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { DeploymentFilter, DeploymentOrder, deploymentConditions, deploymentOrdering } from './deployment.filter.js';
import { Deployment, DeploymentConnection } from './deployment.type.js';
import { HelmReleaseFilter, HelmReleaseOrder, helmReleaseConditions, helmReleaseOrdering } from './helm-release.filter.js';
import { HelmRelease, HelmReleaseConnection } from './helm-release.type.js';
import { connectionNodeFields, connectionSelectsCursors, projectedColumns } from '../graphql/selection.js';
import { scheduledNodes } from './scheduled-nodes.js';
import { listQuery, nestedListQuery } from '../graphql/list-query.js';
import { NamespaceFilter, NamespaceOrder, namespaceConditions, namespaceOrdering } from './namespace.filter.js';
import { Namespace, NamespaceConnection } from './namespace.type.js';
import { PodFilter, PodOrder, podConditions, podOrdering } from './pod.filter.js';
import { Pod, PodConnection } from './pod.type.js';
import { deploymentSource, namespaceSource, podSource } from './sources.js';
import { WorkloadKind } from './inventory.enums.js';
import { WorkloadFilter, WorkloadOrder, workloadConditions, workloadOrdering } from './workload.filter.js';
import { type Workload, WorkloadConnection } from './workload.type.js';

registerNodeType({ typeName: 'Namespace', classRef: Namespace, load: (uuid, context) => context.loaders.namespace.load(uuid) });

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => Namespace)
export class NamespaceResolver {
  @Query(() => NamespaceConnection, { description: 'Namespaces of the organisation’s clusters, filtered and sorted (default: by name).' })
  async namespaces(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => NamespaceFilter, { validate: false, nullable: true, description: 'Which namespaces to return.' }) filter: NamespaceFilter | null,
    @Arg('orderBy', () => NamespaceOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: NamespaceOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Namespace>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter, orderBy, columns: projectedColumns(namespaceSource, connectionNodeFields(info)) }, namespaceConditions, namespaceOrdering);
    return fetchConnection(context.loaders.sql, namespaceSource, auth.organizationId, query);
  }

  @FieldResolver(() => Cluster, { description: 'The cluster the namespace belongs to.' })
  async cluster(@Root() namespace: Namespace, @Ctx() context: GraphQLContext): Promise<Cluster | null> {
    return context.loaders.cluster.load(namespace.clusterRowId);
  }

  @FieldResolver(() => DeploymentConnection, { description: 'Deployments in the namespace.' })
  async deployments(
    @Root() namespace: Namespace,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => DeploymentFilter, { validate: false, nullable: true, description: 'Which Deployments to return.' }) filter: DeploymentFilter | null,
    @Arg('orderBy', () => DeploymentOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: DeploymentOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Deployment>> {
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(deploymentSource, connectionNodeFields(info)), cursors: connectionSelectsCursors(info) }, deploymentConditions, deploymentOrdering);
    return context.loaders.deploymentsOfNamespace.load(namespace.rowId, variant, build);
  }

  @FieldResolver(() => WorkloadConnection, { description: 'Workloads in the namespace: Deployments, StatefulSets, DaemonSets, Jobs and CronJobs.' })
  async workloads(
    @Root() namespace: Namespace,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('kind', () => WorkloadKind, { nullable: true, description: 'Only workloads of this kind.' }) kind: WorkloadKind | null,
    @Arg('filter', () => WorkloadFilter, { validate: false, nullable: true, description: 'Which workloads to return.' }) filter: WorkloadFilter | null,
    @Arg('orderBy', () => WorkloadOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: WorkloadOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Workload>> {
    const withKind = kind ? { ...filter, kind } : filter;
    const { variant, build } = nestedListQuery(context, { connection, filter: withKind, orderBy, cursors: connectionSelectsCursors(info) }, workloadConditions, workloadOrdering);
    return context.loaders.workloadsOfNamespace.load(namespace.rowId, variant, build);
  }

  @FieldResolver(() => PodConnection, { description: 'Pods in the namespace.' })
  async pods(
    @Root() namespace: Namespace,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => PodFilter, { validate: false, nullable: true, description: 'Which pods to return.' }) filter: PodFilter | null,
    @Arg('orderBy', () => PodOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: PodOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Pod>> {
    const fields = connectionNodeFields(info);
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(podSource, fields), cursors: connectionSelectsCursors(info) }, podConditions, podOrdering);
    return context.loaders.podsOfNamespace.load(namespace.rowId, variant, build, scheduledNodes(fields, context));
  }

  @FieldResolver(() => HelmReleaseConnection, { description: 'Helm releases installed in the namespace.' })
  async helmReleases(
    @Root() namespace: Namespace,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => HelmReleaseFilter, { validate: false, nullable: true, description: 'Which releases to return.' }) filter: HelmReleaseFilter | null,
    @Arg('orderBy', () => HelmReleaseOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: HelmReleaseOrder | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<HelmRelease>> {
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy }, helmReleaseConditions, helmReleaseOrdering);
    return context.loaders.helmReleasesOfNamespace.load(namespace.rowId, variant, build);
  }
}
