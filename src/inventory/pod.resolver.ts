import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { Cluster } from '../cluster/cluster.type.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ConnectionArgs, registerNodeType, type Connection } from '../graphql/relay/index.js';
import { ClusterNode } from './cluster-node.type.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { Deployment } from './deployment.type.js';
import { connectionNodeFields, projectedColumns } from '../graphql/selection.js';
import { listQuery } from '../graphql/list-query.js';
import { Namespace } from './namespace.type.js';
import { PodFilter, PodOrder, podConditions, podOrdering } from './pod.filter.js';
import { Pod, PodConnection } from './pod.type.js';
import { scheduledNodes, nodeKey } from './scheduled-nodes.js';
import { podSource } from './sources.js';
import { Workload } from './workload.type.js';

/** Kinds whose pods name them as controller, found in k8s_workloads by uid (a ReplicaSet's pods go to its Deployment). */
const STORED_OWNERS = new Set(['StatefulSet', 'DaemonSet', 'Job']);

registerNodeType({ typeName: 'Pod', classRef: Pod, load: (uuid, context) => context.loaders.pod.load(uuid) });

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => Pod)
export class PodResolver {
  @Query(() => PodConnection, { description: 'Pods of the organisation’s clusters, filtered and sorted (default: by name).' })
  async pods(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => PodFilter, { validate: false, nullable: true, description: 'Which pods to return.' }) filter: PodFilter | null,
    @Arg('orderBy', () => PodOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: PodOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Pod>> {
    const auth = requireRole(context, 'viewer');
    const fields = connectionNodeFields(info);
    const query = listQuery(context, { connection, filter, orderBy, columns: projectedColumns(podSource, fields) }, podConditions, podOrdering);
    const page = await fetchConnection(context.loaders.sql, podSource, auth.organizationId, query);
    await scheduledNodes(fields, context)?.(page.nodes);
    return page;
  }

  @FieldResolver(() => Cluster, { description: 'The cluster the pod runs in.' })
  async cluster(@Root() pod: Pod, @Ctx() context: GraphQLContext): Promise<Cluster | null> {
    return context.loaders.cluster.load(pod.clusterRowId);
  }

  @FieldResolver(() => Namespace, { nullable: true, description: 'The namespace the pod lives in (null if its namespace row was removed).' })
  async namespace(@Root() pod: Pod, @Ctx() context: GraphQLContext): Promise<Namespace | null> {
    return pod.namespaceRowId ? context.loaders.namespace.load(pod.namespaceRowId) : null;
  }

  @FieldResolver(() => Deployment, { nullable: true, description: 'The Deployment that owns the pod through its ReplicaSet; null for pods of other controllers or none.' })
  async deployment(@Root() pod: Pod, @Ctx() context: GraphQLContext): Promise<Deployment | null> {
    return pod.deploymentRowId ? context.loaders.deployment.load(pod.deploymentRowId) : null;
  }

  @FieldResolver(() => Workload, {
    nullable: true,
    description: 'The workload that controls the pod: its ReplicaSet’s Deployment, its StatefulSet, DaemonSet or Job (a CronJob’s pod: the Job, whose `cronJob` is the CronJob); null for none or one not synced.',
  })
  async owner(@Root() pod: Pod, @Ctx() context: GraphQLContext): Promise<Workload | null> {
    if (pod.deploymentRowId) return (await context.loaders.deployment.load(pod.deploymentRowId)) as unknown as Workload | null;
    if (!pod.ownerUid || !pod.ownerKind || !STORED_OWNERS.has(pod.ownerKind)) return null;
    return context.loaders.workloadByUid.load(`${pod.clusterRowId}/${pod.ownerUid}`);
  }

  @FieldResolver(() => ClusterNode, { nullable: true, description: 'The node the pod is scheduled on; null while unscheduled.' })
  node(@Root() pod: Pod, @Ctx() context: GraphQLContext): Promise<ClusterNode | null> | null {
    // A node loaded with the pod's page is answered before this (bindScheduledNodeField).
    return pod.nodeName ? context.loaders.nodeByName.load(nodeKey(pod)) : null;
  }
}
