/** Turns connection arguments, a filter and an ordering into a validated list query. */
import type { GraphQLContext } from './context.js';
import { pageRequest, type ConnectionArgs } from './relay/index.js';
import type { ListQuery } from './connection-loader.js';
import type { Ordering } from './page-query.js';
import { SqlParams } from './sql-params.js';

export type Conditions<F> = (filter: F | null | undefined, params: SqlParams, argName?: string) => string[];

export interface ListArgs<F, O> {
  connection: ConnectionArgs;
  filter: F | null | undefined;
  orderBy: O | null | undefined;
  /** Columns the selected fields need (`projectedColumns`); null or absent reads whole rows. */
  columns?: readonly string[] | null;
  /** Whether cursors may be asked for (`connectionSelectsCursors`); absent means they may. */
  cursors?: boolean;
}

export function listQuery<F, O>(
  context: GraphQLContext,
  args: ListArgs<F, O>,
  conditions: Conditions<F>,
  ordering: (order: O | null | undefined) => Ordering,
): ListQuery {
  const order = ordering(args.orderBy);
  const page = pageRequest(args.connection, { maxPageSize: context.config.graphql.maxPageSize, tag: order.tag, types: order.keys.map((k) => k.type) });
  const params = new SqlParams();
  return { where: conditions(args.filter, params), params, ordering: order, page, columns: args.columns ?? null, cursors: args.cursors ?? true };
}

/**
 * For nested connections: the query is validated now (bad input fails this field, not the whole batch)
 * and rebuilt with fresh parameters when the batch runs; `variant` groups parents that share arguments.
 */
export function nestedListQuery<F, O>(
  context: GraphQLContext,
  args: ListArgs<F, O>,
  conditions: Conditions<F>,
  ordering: (order: O | null | undefined) => Ordering,
): { variant: string; build: () => ListQuery } {
  listQuery(context, args, conditions, ordering);
  const c = args.connection;
  const variant = JSON.stringify([c.first ?? null, c.after ?? null, c.last ?? null, c.before ?? null, args.filter ?? null, args.orderBy ?? null, args.columns ?? null, args.cursors ?? true]);
  return { variant, build: () => listQuery(context, args, conditions, ordering) };
}
