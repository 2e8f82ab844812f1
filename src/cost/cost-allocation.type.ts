import { GraphQLDateTime } from 'graphql-scalars';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { CostGranularity } from './cost.enums.js';

@ObjectType({
  simpleResolvers: true,
  description:
    'Cost attributed to one group (the dimensions asked for in `groupBy`) over one period or the whole range. Dimensions not grouped by are null.',
})
export class CostAllocation {
  @Field(() => ID, { nullable: true, description: 'Global id of the cluster, when grouped by CLUSTER or NAMESPACE.' })
  clusterId: string | null;

  /** Row id; not part of the schema. */
  clusterRowId: string | null;

  @Field(() => String, { nullable: true, description: 'Cluster name, when grouped by CLUSTER or NAMESPACE.' })
  clusterName: string | null;

  @Field(() => String, { nullable: true, description: 'Namespace name, when grouped by NAMESPACE.' })
  namespace: string | null;

  @Field(() => String, { nullable: true, description: 'Team, when grouped by TEAM ("" stands for cost without a team).' })
  team: string | null;

  @Field(() => String, { nullable: true, description: 'Cost centre, when grouped by COST_CENTER ("" stands for cost without a cost centre).' })
  costCenter: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Start of the period (UTC), when grouped by PERIOD.' })
  periodStart: Date | null;

  @Field(() => CostGranularity, { description: 'Length of the periods the rows were summed over.' })
  granularity: CostGranularity;

  @Field(() => Float, { description: 'CPU core-hours (max of request and usage per hour).' })
  cpuCoreHours: number;

  @Field(() => Float, { description: 'Memory GiB-hours (max of request and usage per hour).' })
  ramGiBHours: number;

  @Field(() => Float, { description: 'Persistent storage GiB-hours.' })
  storageGiBHours: number;

  @Field(() => Float, { description: 'Network egress, in GiB.' })
  networkGiB: number;

  @Field(() => Float, { description: 'CPU cost, in `currency`.' })
  cpuCost: number;

  @Field(() => Float, { description: 'Memory cost, in `currency`.' })
  memoryCost: number;

  @Field(() => Float, { description: 'Storage cost, in `currency`.' })
  storageCost: number;

  @Field(() => Float, { description: 'Network cost, in `currency`.' })
  networkCost: number;

  @Field(() => Float, { description: 'Idle node capacity cost attributed to the group, in `currency`.' })
  idleCost: number;

  @Field(() => Float, { description: 'Total cost, in `currency`.' })
  totalCost: number;

  @Field(() => Float, { nullable: true, description: 'CPU efficiency: usage core-hours ÷ request core-hours; null without requests.' })
  cpuEfficiency: number | null;

  @Field(() => Float, { nullable: true, description: 'Memory efficiency: usage GiB-hours ÷ request GiB-hours; null without requests.' })
  ramEfficiency: number | null;

  @Field({ description: 'ISO 4217 currency code of the costs.' })
  currency: string;
}
