import type { GraphQLInterfaceType, GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { Cluster } from '../cluster/cluster.type.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ConnectionArgs, registerNodeType, type Connection } from '../graphql/relay/index.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { connectionNodeFields, connectionSelectsCursors, projectedColumns } from '../graphql/selection.js';
import { listQuery, nestedListQuery } from '../graphql/list-query.js';
import { Deployment } from './deployment.type.js';
import { WorkloadKind } from './inventory.enums.js';
import { Namespace } from './namespace.type.js';
import { PodFilter, PodOrder, podConditions, podOrdering } from './pod.filter.js';
import { Pod, PodConnection } from './pod.type.js';
import { scheduledNodes } from './scheduled-nodes.js';
import { anyWorkloadSource, podSource } from './sources.js';
import { WorkloadFilter, WorkloadOrder, workloadConditions, workloadOrdering } from './workload.filter.js';
import { CronJob, DaemonSet, Job, StatefulSet, Workload, WorkloadConnection } from './workload.type.js';

// A global id names the kind: a StatefulSet's row under a Job id is not found.
for (const [typeName, classRef] of [['StatefulSet', StatefulSet], ['DaemonSet', DaemonSet], ['Job', Job], ['CronJob', CronJob]] as const) {
  registerNodeType({
    typeName,
    classRef,
    load: async (uuid, context) => {
      const workload = await context.loaders.storedWorkload.load(uuid);
      return workload?.kind === typeName ? workload : null;
    },
  });
}

function workloadTypeName(value: unknown): string | undefined {
  if (value instanceof Deployment) return 'Deployment';
  return value instanceof Workload ? value.kind : undefined;
}

/**
 * The concrete type of a Workload, known synchronously (type-graphql wraps `resolveType` in an async function, which
 * the compiled executor does not await).
 */
export function bindWorkloadTypeResolver(schema: GraphQLSchema): void {
  (schema.getType('Workload') as GraphQLInterfaceType).resolveType = workloadTypeName;
}

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
/** Fields every StatefulSet, DaemonSet, Job and CronJob resolves alike (a Deployment resolves its own). */
@Resolver(() => Workload)
export class WorkloadResolver {
  @Query(() => WorkloadConnection, { description: 'Workloads of the organisation’s clusters (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs), filtered and sorted (default: by name).' })
  async workloads(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => WorkloadFilter, { validate: false, nullable: true, description: 'Which workloads to return.' }) filter: WorkloadFilter | null,
    @Arg('orderBy', () => WorkloadOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: WorkloadOrder | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Workload>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter, orderBy }, workloadConditions, workloadOrdering);
    return fetchConnection(context.loaders.sql, anyWorkloadSource, auth.organizationId, query);
  }

  @FieldResolver(() => Cluster, { description: 'The cluster the workload runs in.' })
  async cluster(@Root() workload: Workload, @Ctx() context: GraphQLContext): Promise<Cluster | null> {
    return context.loaders.cluster.load(workload.clusterRowId);
  }

  @FieldResolver(() => Namespace, { nullable: true, description: 'The namespace of the workload (null if its namespace row was removed).' })
  async namespace(@Root() workload: Workload, @Ctx() context: GraphQLContext): Promise<Namespace | null> {
    return workload.namespaceRowId ? context.loaders.namespace.load(workload.namespaceRowId) : null;
  }

  @FieldResolver(() => PodConnection, {
    description: 'Pods of the workload (a Deployment’s through its ReplicaSets, a CronJob’s through its Jobs); live pods unless the filter includes deleted ones.',
  })
  async pods(
    @Root() workload: Workload,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => PodFilter, { validate: false, nullable: true, description: 'Which pods to return.' }) filter: PodFilter | null,
    @Arg('orderBy', () => PodOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: PodOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Pod>> {
    const fields = connectionNodeFields(info);
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, columns: projectedColumns(podSource, fields), cursors: connectionSelectsCursors(info) }, podConditions, podOrdering);
    const loader = workload.kind === WorkloadKind.CRON_JOB ? context.loaders.podsOfCronJob : context.loaders.podsOfWorkload;
    return loader.load(workload.rowId, variant, build, scheduledNodes(fields, context));
  }
}
