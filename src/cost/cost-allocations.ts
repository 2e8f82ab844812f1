/** Cost allocation: k8s_cost_attribution rows summed in SQL by the dimensions an analyst groups by. */
import { checkDateTimeArgument } from '../graphql/date-time-argument.js';
import { badInput } from '../graphql/errors.js';
import { toGlobalId, type Connection, type PageRequest } from '../graphql/relay/index.js';
import { rowsToConnection } from '../graphql/connection-loader.js';
import { idsCondition, valuesCondition } from '../graphql/filter-sql.js';
import { OrderDirection } from '../graphql/order-direction.js';
import { num } from '../graphql/row-values.js';
import type { Row } from '../graphql/row-source.js';
import { buildPageQuery, type Ordering } from '../graphql/page-query.js';
import type { SqlRunner } from '../graphql/row-source.js';
import { SqlParams } from '../graphql/sql-params.js';
import { CostAllocation } from './cost-allocation.type.js';
import type { CostAllocationFilter, CostAllocationOrder } from './cost-allocation.filter.js';
import { CostDimension, CostGranularity, CostOrderField } from './cost.enums.js';

/** The group's dimensions in reading order; together (with the cluster id) they identify a group. */
const GROUP_KEYS: Ordering['keys'] = [
  { expr: "coalesce(a.cluster_name, '')", type: 'text' },
  { expr: "coalesce(a.namespace, '')", type: 'text' },
  { expr: "coalesce(a.team, '')", type: 'text' },
  { expr: "coalesce(a.cost_center, '')", type: 'text' },
  { expr: "coalesce(a.period_start, '-infinity'::timestamptz)", type: 'timestamptz' },
  { expr: 'a.currency', type: 'text' },
  { expr: "coalesce(a.cluster_id, '00000000-0000-0000-0000-000000000000'::uuid)", type: 'uuid' },
];

export function costAllocationOrdering(order: CostAllocationOrder | null | undefined): Ordering {
  const field = order?.field ?? CostOrderField.TOTAL_COST;
  const direction = order?.direction ?? OrderDirection.DESC;
  const keys: Ordering['keys'] =
    field === CostOrderField.TOTAL_COST
      ? [{ expr: 'a.total_cost', type: 'numeric' }, ...GROUP_KEYS]
      : field === CostOrderField.PERIOD_START
        ? [{ expr: "coalesce(a.period_start, '-infinity'::timestamptz)", type: 'timestamptz' }, ...GROUP_KEYS]
        : GROUP_KEYS;
  return { keys, descending: direction === OrderDirection.DESC, tag: `cost:${field}:${direction}` };
}

/** Largest range per granularity, so one request cannot aggregate years of hourly rows by accident. */
const MAX_RANGE_DAYS: Record<CostGranularity, number> = { HOUR: 93, DAY: 3660, MONTH: 3660 };

export function costAllocationQuery(
  organizationId: string,
  filter: CostAllocationFilter,
  groupBy: readonly CostDimension[],
): { from: string; params: SqlParams } {
  checkDateTimeArgument(filter.from, 'filter.from');
  checkDateTimeArgument(filter.to, 'filter.to');
  if (filter.to.getTime() <= filter.from.getTime()) {
    throw badInput('Argument "filter.to" must be later than "filter.from"', { argumentName: 'filter.to' });
  }
  const days = (filter.to.getTime() - filter.from.getTime()) / 86_400_000;
  if (days > MAX_RANGE_DAYS[filter.granularity]) {
    throw badInput(`A ${filter.granularity} cost range may span at most ${MAX_RANGE_DAYS[filter.granularity]} days (got ${Math.ceil(days)})`, { argumentName: 'filter' });
  }
  const params = new SqlParams();
  const dims = new Set(groupBy);
  const period =
    filter.granularity === CostGranularity.MONTH ? "date_trunc('month', ca.period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'" : 'ca.period_start';
  const byCluster = dims.has(CostDimension.CLUSTER) || dims.has(CostDimension.NAMESPACE);
  const columns: Array<[string, string]> = [
    ['cluster_id', byCluster ? 'ca.cluster_id' : 'NULL::uuid'],
    ['cluster_name', byCluster ? 'c.name' : 'NULL::text'],
    ['namespace', dims.has(CostDimension.NAMESPACE) ? "coalesce(ca.namespace, '')" : 'NULL::text'],
    ['team', dims.has(CostDimension.TEAM) ? "coalesce(ca.team, '')" : 'NULL::text'],
    ['cost_center', dims.has(CostDimension.COST_CENTER) ? "coalesce(ca.cost_center, '')" : 'NULL::text'],
    ['period_start', dims.has(CostDimension.PERIOD) ? period : 'NULL::timestamptz'],
    // Costs in different currencies are never added together.
    ['currency', 'ca.currency::text'],
  ];
  const grouped = columns.filter(([, expr]) => !expr.startsWith('NULL'));
  const where = [
    `ca.granularity = ${params.add(filter.granularity === CostGranularity.HOUR ? 'hour' : 'day')}`,
    `ca.period_start >= ${params.add(filter.from.toISOString())}::timestamptz`,
    `ca.period_start < ${params.add(filter.to.toISOString())}::timestamptz`,
  ];
  if (filter.clusterIds) where.push(idsCondition('ca.cluster_id', filter.clusterIds, 'Cluster', 'filter.clusterIds', params));
  if (filter.namespaces) where.push(valuesCondition('ca.namespace', filter.namespaces, 'filter.namespaces', params));
  if (filter.teams) where.push(valuesCondition('ca.team', filter.teams, 'filter.teams', params));
  if (filter.costCenters) where.push(valuesCondition('ca.cost_center', filter.costCenters, 'filter.costCenters', params));
  const org = params.add(organizationId);
  const from = `(
  SELECT ${columns.map(([name, expr]) => `${expr} AS ${name}`).join(', ')},
    sum(ca.cpu_core_hours) AS cpu_core_hours, sum(ca.cpu_request_core_hours) AS cpu_request_core_hours,
    sum(ca.cpu_usage_core_hours) AS cpu_usage_core_hours, sum(ca.ram_gib_hours) AS ram_gib_hours,
    sum(ca.ram_request_gib_hours) AS ram_request_gib_hours, sum(ca.ram_usage_gib_hours) AS ram_usage_gib_hours,
    sum(ca.storage_gib_hours) AS storage_gib_hours, sum(ca.network_gib) AS network_gib,
    sum(ca.cpu_cost) AS cpu_cost, sum(ca.memory_cost) AS memory_cost, sum(ca.storage_cost) AS storage_cost,
    sum(ca.network_cost) AS network_cost, sum(ca.idle_cost) AS idle_cost, sum(ca.total_cost) AS total_cost
  FROM k8s_cost_attribution ca
  JOIN k8s_clusters c ON c.id = ca.cluster_id AND c.organization_id = ${org}::uuid
  WHERE ${where.join(' AND ')}
  GROUP BY ${grouped.map(([, expr]) => expr).join(', ')}
) a`;
  return { from, params };
}

function ratio(numerator: unknown, denominator: unknown): number | null {
  const d = num(denominator);
  return d > 0 ? num(numerator) / d : null;
}

export function toCostAllocation(r: Row, granularity: CostGranularity): CostAllocation {
  const clusterRowId = (r.cluster_id as string | null) ?? null;
  return Object.assign(new CostAllocation(), {
    clusterId: clusterRowId ? toGlobalId('Cluster', clusterRowId) : null,
    clusterRowId,
    clusterName: (r.cluster_name as string | null) ?? null,
    namespace: (r.namespace as string | null) ?? null,
    team: (r.team as string | null) ?? null,
    costCenter: (r.cost_center as string | null) ?? null,
    periodStart: (r.period_start as Date | null) ?? null,
    granularity,
    cpuCoreHours: num(r.cpu_core_hours),
    ramGiBHours: num(r.ram_gib_hours),
    storageGiBHours: num(r.storage_gib_hours),
    networkGiB: num(r.network_gib),
    cpuCost: num(r.cpu_cost),
    memoryCost: num(r.memory_cost),
    storageCost: num(r.storage_cost),
    networkCost: num(r.network_cost),
    idleCost: num(r.idle_cost),
    totalCost: num(r.total_cost),
    cpuEfficiency: ratio(r.cpu_usage_core_hours, r.cpu_request_core_hours),
    ramEfficiency: ratio(r.ram_usage_gib_hours, r.ram_request_gib_hours),
    currency: String(r.currency ?? 'USD').trim(),
  });
}

export async function costAllocations(
  sql: SqlRunner,
  organizationId: string,
  filter: CostAllocationFilter,
  groupBy: readonly CostDimension[],
  ordering: Ordering,
  page: PageRequest,
): Promise<Connection<CostAllocation>> {
  const { from, params } = costAllocationQuery(organizationId, filter, groupBy);
  const text = buildPageQuery({ select: 'a.*', from, where: [], params, ordering, page });
  return rowsToConnection(await sql(text, params.values), (r) => toCostAllocation(r, filter.granularity), page);
}
