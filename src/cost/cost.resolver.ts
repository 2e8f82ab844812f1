import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { fetchConnection } from '../graphql/connection-loader.js';
import { listQuery } from '../graphql/list-query.js';
import type { GraphQLContext } from '../graphql/context.js';
import { badInput } from '../graphql/errors.js';
import { connectionType, ConnectionArgs, pageRequest, type Connection } from '../graphql/relay/index.js';
import { CostAllocationFilter, CostAllocationOrder } from './cost-allocation.filter.js';
import { CostAllocation } from './cost-allocation.type.js';
import { costAllocationOrdering, costAllocations } from './cost-allocations.js';
import { CostDimension } from './cost.enums.js';
import { NamespaceCostFilter, NamespaceCostOrder, namespaceCostConditions, namespaceCostOrdering } from './namespace-cost.filter.js';
import { namespaceCostSource } from './namespace-cost.rows.js';
import { NamespaceCost } from './namespace-cost.type.js';

export const NamespaceCostConnection = connectionType('NamespaceCost', () => NamespaceCost);
export const CostAllocationConnection = connectionType('CostAllocation', () => CostAllocation);

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver()
export class CostResolver {
  @Query(() => NamespaceCostConnection, { description: 'Cost per namespace over the last 30 days (view v_k8s_namespace_costs), sorted by cost (highest first) unless told otherwise.' })
  async namespaceCosts(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => NamespaceCostFilter, { validate: false, nullable: true, description: 'Which namespaces to include.' }) filter: NamespaceCostFilter | null,
    @Arg('orderBy', () => NamespaceCostOrder, { validate: false, nullable: true, description: 'Sort order (default: COST_30D descending).' }) orderBy: NamespaceCostOrder | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<NamespaceCost>> {
    const auth = requireRole(context, 'viewer');
    const query = listQuery(context, { connection, filter, orderBy }, (f, params) => namespaceCostConditions(f, params), namespaceCostOrdering);
    return fetchConnection(context.loaders.sql, namespaceCostSource, auth.organizationId, query);
  }

  @Query(() => CostAllocationConnection, {
    description:
      'Attributed cost summed by the chosen dimensions (for example per team per month: groupBy [TEAM, PERIOD] with granularity MONTH), sorted by total cost (highest first) unless told otherwise.',
  })
  async costAllocations(
    @Args({ validate: false }) connection: ConnectionArgs,
    @Arg('filter', () => CostAllocationFilter, { validate: false, description: 'Range and filters of the cost rows.' }) filter: CostAllocationFilter,
    @Arg('groupBy', () => [CostDimension], { defaultValue: [CostDimension.TEAM], description: 'Dimensions to group by; an empty list sums everything into one row.' })
    groupBy: CostDimension[],
    @Arg('orderBy', () => CostAllocationOrder, { validate: false, nullable: true, description: 'Sort order (default: TOTAL_COST descending).' }) orderBy: CostAllocationOrder | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Connection<CostAllocation>> {
    const auth = requireRole(context, 'viewer');
    if (new Set(groupBy).size !== groupBy.length) throw badInput('Argument "groupBy" names a dimension twice', { argumentName: 'groupBy' });
    const ordering = costAllocationOrdering(orderBy);
    const page = pageRequest(connection, { maxPageSize: context.config.graphql.maxPageSize, tag: ordering.tag, types: ordering.keys.map((k) => k.type) });
    return costAllocations(context.loaders.sql, auth.organizationId, filter, groupBy, ordering, page);
  }
}
