import { GraphQLDateTime } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    'One time bucket of a resource-metric series: the samples collected in [bucketStart, bucketStart + step), aggregated in the database. A bucket without samples has sampleCount 0 and null values.',
})
export class MetricPoint {
  @Field(() => GraphQLDateTime, { description: 'Start of the bucket (buckets are aligned to the `from` argument).' })
  bucketStart: Date;

  @Field(() => Int, { description: 'Samples in the bucket.' })
  sampleCount: number;

  @Field(() => Float, { nullable: true, description: 'Average CPU usage, in millicores.' })
  cpuAvgMillicores: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest CPU usage sample, in millicores.' })
  cpuMaxMillicores: number | null;

  @Field(() => Float, { nullable: true, description: 'Average CPU usage, in cores.' })
  cpuAvgCores: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest CPU usage sample, in cores.' })
  cpuMaxCores: number | null;

  @Field(() => Float, { nullable: true, description: 'Average CPU requested, in millicores.' })
  cpuRequestAvgMillicores: number | null;

  @Field(() => Float, { nullable: true, description: 'Average memory usage (working set), in bytes.' })
  memoryAvgBytes: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest memory usage (working set) sample, in bytes.' })
  memoryMaxBytes: number | null;

  @Field(() => Float, { nullable: true, description: 'Average memory requested, in bytes.' })
  memoryRequestAvgBytes: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest network receive counter in the bucket, in bytes (the kubelet reports cumulative counters).' })
  networkRxBytesMax: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest network transmit counter in the bucket, in bytes.' })
  networkTxBytesMax: number | null;

  @Field(() => Float, { nullable: true, description: 'Average storage used, in bytes.' })
  storageUsedAvgBytes: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest storage used sample, in bytes.' })
  storageUsedMaxBytes: number | null;

  @Field(() => Int, { nullable: true, description: 'Highest container restart count seen in the bucket.' })
  restartsMax: number | null;

  @Field(() => Int, { nullable: true, description: 'Highest OOM-kill count seen in the bucket.' })
  oomKillsMax: number | null;
}
