/**
 * SQL for one page of a cursor connection, or for one page per parent of a nested connection in a
 * single statement (ROW_NUMBER() OVER (PARTITION BY parent)), with the total per parent computed by a
 * grouped count in the same statement. Keyset conditions come from API-CORE's cursors.
 */
import type { CursorValue, PageRequest } from '../server/relay/index.js';
import type { SqlParams } from './sql-params.js';

/** A sort expression that is never NULL (row comparison needs that) and the SQL type its cursor value is cast to. */
export interface SortKey {
  expr: string;
  type: 'text' | 'uuid' | 'timestamptz' | 'bigint' | 'integer' | 'double precision' | 'numeric';
}

export interface Ordering {
  /** Ends with a unique key (the row id) so keys never tie. */
  keys: readonly SortKey[];
  descending: boolean;
  /** Names the ordering inside cursors, so a cursor from another ordering is refused. */
  tag: string;
}

export interface PageQuerySpec {
  /** Select list of the row (for example `p.*`). */
  select: string;
  /** FROM with its joins; must already restrict to the caller's organisation. */
  from: string;
  where: readonly string[];
  params: SqlParams;
  ordering: Ordering;
  page: PageRequest;
  /** Nested connections: one page per parent id, all parents in one statement. */
  parent?: { expr: string; ids: readonly string[] };
  /**
   * The table behind `select`, with the columns that find a row again (partitioned tables include their
   * partition key). When given, a top-level page is chosen over narrow rows (key and sort values only)
   * and only the chosen rows are read in full, instead of sorting every matching row whole.
   */
  table?: { name: string; alias: string; key: readonly string[] };
}

function keyset(ordering: Ordering, values: readonly CursorValue[], after: boolean, params: SqlParams): string {
  const left = ordering.keys.map((k) => k.expr).join(', ');
  const right = ordering.keys.map((k, i) => `${params.add(values[i])}::${k.type}`).join(', ');
  // "after" in a descending ordering means smaller keys.
  const op = after !== ordering.descending ? '>' : '<';
  return `(${left}) ${op} (${right})`;
}

/**
 * Builds the statement. Result rows: the page rows (up to limit + 1 per parent, in fetch order: forward
 * pages in the ordering's direction, backward pages reversed), each with `__keys` (the cursor values, a
 * text[] literal as text), `__parent` ('' at the top level) and `__total` (rows under the parent, ignoring paging). With a
 * cursor, a parent whose page is empty still yields one row, with `__keys` NULL, to carry its total;
 * without one, a parent (or list) with no rows yields none, and its total is zero.
 */
export function buildPageQuery(spec: PageQuerySpec): string {
  const { ordering, page, params, table } = spec;
  const baseWhere = [...spec.where];
  if (spec.parent) baseWhere.push(`${spec.parent.expr} = ANY(${params.add(spec.parent.ids)}::uuid[])`);
  const pageWhere = [...baseWhere];
  if (page.after) pageWhere.push(keyset(ordering, page.after, true, params));
  if (page.before) pageWhere.push(keyset(ordering, page.before, false, params));
  const fetchDescending = ordering.descending !== (page.direction === 'backward');
  const dir = fetchDescending ? 'DESC' : 'ASC';
  const orderBy = ordering.keys.map((k) => `${k.expr} ${dir}`).join(', ');
  // As a text[] literal in text form: decoded in JS only when a cursor is asked for.
  const keysArray = `ARRAY[${ordering.keys.map((k) => `(${k.expr})::text`).join(', ')}]::text`;
  const limit = params.add(page.limit + 1);
  const where = (conditions: string[]) => (conditions.length ? conditions.join(' AND ') : 'TRUE');
  if (!spec.parent) {
    // Narrow: the page carries the row's key and is joined back to its table; wide: the page carries the row.
    const pageColumns = table ? table.key.map((k) => `${table.alias}.${k} AS __key_${k}`).join(', ') : spec.select;
    const rowSelect = table ? `${spec.select}, page.__keys` : 'page.*';
    const joinBack = table
      ? ` LEFT JOIN ${table.name} ${table.alias} ON ${table.key.map((k) => `${table.alias}.${k} = page.__key_${k}`).join(' AND ')}`
      : '';
    // The sort keys travel as typed columns too, so the outer query can restore the page order cheaply.
    const sortColumns = ordering.keys.map((k, i) => `${k.expr} AS __s${i}`).join(', ');
    const outerOrder = ordering.keys.map((_, i) => `page.__s${i} ${dir}`).join(', ');
    if (!page.after && !page.before) {
      // First page: the total comes from the same scan (a window over every match, before LIMIT).
      return `WITH page AS (
  SELECT ${pageColumns}, ${keysArray} AS __keys, ${sortColumns}, count(*) OVER () AS __total
  FROM ${spec.from}
  WHERE ${where(pageWhere)}
  ORDER BY ${orderBy}
  LIMIT ${limit}
)
SELECT ${table ? `${rowSelect}, page.__total` : rowSelect}, '' AS __parent FROM page${joinBack} ORDER BY ${outerOrder}`;
    }
    return `WITH page AS (
  SELECT ${pageColumns}, ${keysArray} AS __keys, ${sortColumns}
  FROM ${spec.from}
  WHERE ${where(pageWhere)}
  ORDER BY ${orderBy}
  LIMIT ${limit}
), total AS (
  SELECT count(*) AS __total FROM ${spec.from} WHERE ${where(baseWhere)}
)
SELECT ${rowSelect}, '' AS __parent, total.__total FROM total LEFT JOIN page ON TRUE${joinBack} ORDER BY ${outerOrder}`;
  }
  // Nested pages return a good share of what matches, so rows are read whole (with projected columns)
  // rather than joined back; without cursors the totals come from the same scan as the page.
  const parentExpr = spec.parent.expr;
  const ranked = (extra: string) => `SELECT ${spec.select}, ${keysArray} AS __keys, (${parentExpr})::text AS __page_parent,
      row_number() OVER (PARTITION BY ${parentExpr} ORDER BY ${orderBy}) AS __rn${extra}
    FROM ${spec.from}
    WHERE ${where(pageWhere)}`;
  if (!page.after && !page.before) {
    return `SELECT page.*, page.__page_parent AS __parent FROM (
  SELECT * FROM (
    ${ranked(`, count(*) OVER (PARTITION BY ${parentExpr}) AS __total`)}
  ) ranked WHERE ranked.__rn <= ${limit}
) page
ORDER BY page.__page_parent, page.__rn`;
  }
  // MATERIALIZED: each CTE runs once; inlined, the page could be re-run for every parent of the join.
  return `WITH page AS MATERIALIZED (
  SELECT * FROM (
    ${ranked('')}
  ) ranked WHERE ranked.__rn <= ${limit}
), totals AS MATERIALIZED (
  SELECT (${parentExpr})::text AS __parent, count(*) AS __total FROM ${spec.from} WHERE ${where(baseWhere)} GROUP BY 1
)
SELECT page.*, totals.__parent, totals.__total FROM totals LEFT JOIN page ON page.__page_parent = totals.__parent
ORDER BY totals.__parent, page.__rn`;
}
