import { GraphQLDateTime } from 'graphql-scalars';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import type { GraphQLContext } from '../graphql/context.js';
import { notFound } from '../graphql/errors.js';
import { uuidFromGlobalId } from '../graphql/relay/index.js';
import { metricBuckets, metricBucketsSql, TARGET_TYPE } from './metric-buckets.js';
import { MetricLevel } from './metric-level.enum.js';
import { MetricPoint } from './metric-point.type.js';

@Resolver()
export class MetricsResolver {
  @Query(() => [MetricPoint], {
    description:
      'Resource usage of one object over time, in buckets of `step` from `from` (inclusive) to `to` (exclusive), averaged and maximised in the database. Every bucket of the range is returned, empty ones with sampleCount 0.',
  })
  async metrics(
    @Arg('level', () => MetricLevel, { description: 'Kind of object the series describes.' }) level: MetricLevel,
    @Arg('targetId', () => ID, { description: 'Global id of the object (a Cluster, Namespace, Deployment, Pod or ClusterNode id, matching `level`).' }) targetId: string,
    @Arg('from', () => GraphQLDateTime, { description: 'Start of the range (inclusive); buckets are aligned to it.' }) from: Date,
    @Arg('to', () => GraphQLDateTime, { description: 'End of the range (exclusive).' }) to: Date,
    @Arg('step', () => String, { defaultValue: '5m', description: 'Bucket length: a number with unit s, m or h (for example 30s, 5m, 1h); at least 1s.' }) step: string,
    @Ctx() context: GraphQLContext,
  ): Promise<MetricPoint[]> {
    const auth = requireRole(context, 'viewer');
    const targetRowId = uuidFromGlobalId(targetId, TARGET_TYPE[level], 'targetId');
    const query = metricBucketsSql({ organizationId: auth.organizationId, level, targetRowId, from, to, step });
    const loaders = context.loaders;
    const loader = {
      [MetricLevel.CLUSTER]: loaders.cluster,
      [MetricLevel.NAMESPACE]: loaders.namespace,
      [MetricLevel.DEPLOYMENT]: loaders.deployment,
      [MetricLevel.POD]: loaders.pod,
      [MetricLevel.NODE]: loaders.clusterNode,
    }[level] as { load(id: string): Promise<object | null> };
    if (!(await loader.load(targetRowId))) throw notFound(`${TARGET_TYPE[level]} "${targetId}" was not found`);
    return metricBuckets(loaders.sql, query);
  }
}
