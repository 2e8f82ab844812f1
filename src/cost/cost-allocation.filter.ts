import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, InputType } from 'type-graphql';
import { OrderDirection } from '../graphql/order-direction.js';
import { CostGranularity, CostOrderField } from './cost.enums.js';

@InputType({ description: 'Which cost rows to aggregate: a period range plus optional cluster, namespace, team and cost-centre filters (AND).' })
export class CostAllocationFilter {
  @Field(() => GraphQLDateTime, { description: 'Start of the range (inclusive): rows whose period starts at or after it.' })
  from: Date;

  @Field(() => GraphQLDateTime, { description: 'End of the range (exclusive): rows whose period starts before it.' })
  to: Date;

  @Field(() => CostGranularity, { defaultValue: CostGranularity.DAY, description: 'Period length: HOUR and DAY read the rows of that granularity; MONTH sums daily rows by calendar month.' })
  granularity: CostGranularity;

  @Field(() => [ID], { nullable: true, description: 'Only these clusters (Cluster ids).' })
  clusterIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only namespaces with these names.' })
  namespaces?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only these teams.' })
  teams?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only these cost centres.' })
  costCenters?: string[] | null;
}

@InputType({ description: 'Sort order of cost allocations.' })
export class CostAllocationOrder {
  @Field(() => CostOrderField, { description: 'Sort key.' })
  field: CostOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Sort direction (default: descending).' })
  direction: OrderDirection;
}
