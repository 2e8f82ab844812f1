import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { ConnectionArgs, type Connection } from '../graphql/relay/index.js';
import { connectionSelectsCursors } from '../graphql/selection.js';
import { nestedListQuery } from '../graphql/list-query.js';
import { WorkloadFilter, WorkloadOrder, workloadConditions, workloadOrdering } from './workload.filter.js';
import { CronJob, Job, JobConnection } from './workload.type.js';

/** The link between a CronJob and the Jobs it started, both ways (the Job names its CronJob as owner). */
@Resolver(() => CronJob)
export class CronJobResolver {
  @FieldResolver(() => JobConnection, { description: 'Jobs the CronJob started; live ones unless the filter includes deleted ones.' })
  async jobs(
    @Root() cronJob: CronJob,
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => WorkloadFilter, { validate: false, nullable: true, description: 'Which Jobs to return.' }) filter: WorkloadFilter | null,
    @Arg('orderBy', () => WorkloadOrder, { validate: false, nullable: true, description: 'Sort order (default: NAME ascending).' }) orderBy: WorkloadOrder | null,
    @Info() info: GraphQLResolveInfo,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<Job>> {
    const { variant, build } = nestedListQuery(context, { connection, filter, orderBy, cursors: connectionSelectsCursors(info) }, workloadConditions, workloadOrdering);
    return context.loaders.jobsOfCronJob.load(cronJob.rowId, variant, build);
  }
}

@Resolver(() => Job)
export class JobResolver {
  @FieldResolver(() => CronJob, { nullable: true, description: 'The CronJob that started the Job; null for a Job created on its own.' })
  async cronJob(@Root() job: Job, @Ctx() context: GraphQLContext): Promise<CronJob | null> {
    if (job.ownerKind !== 'CronJob' || !job.ownerUid) return null;
    const owner = await context.loaders.workloadByUid.load(`${job.clusterRowId}/${job.ownerUid}`);
    return owner instanceof CronJob ? owner : null;
  }
}
