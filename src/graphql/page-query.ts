/**
 * SQL for one page of a cursor connection, or for one page per parent of a nested connection in a
 * single statement (a LATERAL page and count per parent), with the totals in the same statement.
 * Keyset conditions come from API-CORE's cursors.
 */
import type { CursorValue, CursorValueType, PageRequest } from './relay/index.js';
import type { SqlParams } from './sql-params.js';

/** A sort expression that is never NULL (row comparison needs that) and the SQL type its cursor value is cast to. */
export interface SortKey {
  expr: string;
  type: CursorValueType;
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
  /** False when no cursor will be asked for: `__keys` is then '' (not built for every row). Default true. */
  cursors?: boolean;
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
 * text[] literal as text), `__parent` ('' at the top level, else the parent's 1-based position in
 * `parent.ids`) and `__total` (rows under the parent, ignoring paging). A parent whose page is empty
 * yields one row, with `__keys` NULL, to carry its total (NULL, meaning zero, for a nested parent
 * without rows); at the top level that row comes only with a cursor (without one, an empty list yields
 * no row, and its total is zero).
 */
export function buildPageQuery(spec: PageQuerySpec): string {
  const { ordering, page, params, table } = spec;
  const keysets: string[] = [];
  if (page.after) keysets.push(keyset(ordering, page.after, true, params));
  if (page.before) keysets.push(keyset(ordering, page.before, false, params));
  const fetchDescending = ordering.descending !== (page.direction === 'backward');
  const dir = fetchDescending ? 'DESC' : 'ASC';
  const orderBy = ordering.keys.map((k) => `${k.expr} ${dir}`).join(', ');
  const limit = params.add(page.limit + 1);
  const where = (conditions: readonly string[]) => (conditions.length ? conditions.join(' AND ') : 'TRUE');
  if (!spec.parent) {
    const pageWhere = [...spec.where, ...keysets];
    // Narrow: the page carries the row's key and is joined back to its table; wide: the page carries the row.
    const pageColumns = table ? table.key.map((k) => `${table.alias}.${k} AS __key_${k}`).join(', ') : spec.select;
    const joinBack = table
      ? ` LEFT JOIN ${table.name} ${table.alias} ON ${table.key.map((k) => `${table.alias}.${k} = page.__key_${k}`).join(' AND ')}`
      : '';
    // The sort keys travel as typed columns too, so the outer query can restore the page order cheaply.
    const sortColumns = ordering.keys.map((k, i) => `${k.expr} AS __s${i}`).join(', ');
    const outerOrder = ordering.keys.map((_, i) => `page.__s${i} ${dir}`).join(', ');
    // Cursor keys for the page rows only, from the typed sort columns after LIMIT: built in the scan, for
    // every matching row, they cost more than the scan (15 of 33 ms over 20,000 pods). Sort keys are never
    // NULL, so a NULL `__s0` is the row that carries an empty page's total.
    const pageKeys = spec.cursors === false ? `''` : `ARRAY[${ordering.keys.map((_, i) => `page.__s${i}::text`).join(', ')}]`;
    const rowSelect = `${table ? spec.select : 'page.*'}, CASE WHEN page.__s0 IS NOT NULL THEN ${pageKeys}::text END AS __keys`;
    if (!page.after && !page.before) {
      // First page: the total comes from the same scan (a window over every match, before LIMIT).
      return `WITH page AS (
  SELECT ${pageColumns}, ${sortColumns}, count(*) OVER () AS __total
  FROM ${spec.from}
  WHERE ${where(pageWhere)}
  ORDER BY ${orderBy}
  LIMIT ${limit}
)
SELECT ${table ? `${rowSelect}, page.__total` : rowSelect}, '' AS __parent FROM page${joinBack} ORDER BY ${outerOrder}`;
    }
    return `WITH page AS (
  SELECT ${pageColumns}, ${sortColumns}
  FROM ${spec.from}
  WHERE ${where(pageWhere)}
  ORDER BY ${orderBy}
  LIMIT ${limit}
), total AS (
  SELECT count(*) AS __total FROM ${spec.from} WHERE ${where(spec.where)}
)
SELECT ${rowSelect}, '' AS __parent, total.__total FROM total LEFT JOIN page ON TRUE${joinBack} ORDER BY ${outerOrder}`;
  }
  // Nested pages: per parent, a LATERAL ORDER BY … LIMIT over that parent's rows only (found through an
  // index on the parent column). A window over every matching row of every parent made the whole child
  // table the unit of work: 500 deployments' pods were a scan of all 20,000 wide pod rows (23 ms against 7).
  // Without a cursor the total is a window in the same subquery, counted before LIMIT: one probe per parent
  // rather than two, which matters for pods, whose every probe visits each monthly partition (13 ms
  // against 20 at 29 partitions). With a cursor the page misses rows, so the count is a lateral of its own.
  // `__parent` is the parent's position in the id list, a small integer instead of a uuid on every row.
  const parentWhere = [...spec.where, `${spec.parent.expr} = __parent.id`];
  // As a text[] literal in text form: decoded in JS only when a cursor is asked for.
  const keysArray = spec.cursors === false ? `''::text` : `ARRAY[${ordering.keys.map((k) => `(${k.expr})::text`).join(', ')}]::text`;
  const parents = `unnest(${params.add(spec.parent.ids)}::uuid[]) WITH ORDINALITY AS __parent(id, n)`;
  // A lateral subquery is the inner side of a nested loop, which emits its rows in the subquery's ORDER BY.
  const pageOf = (total: string) => `LEFT JOIN LATERAL (
  SELECT ${spec.select}, ${keysArray} AS __keys${total}
  FROM ${spec.from}
  WHERE ${where([...parentWhere, ...keysets])}
  ORDER BY ${orderBy}
  LIMIT ${limit}
) page ON TRUE`;
  if (!page.after && !page.before) {
    return `SELECT page.*, __parent.n AS __parent
FROM ${parents}
${pageOf(', count(*) OVER ()::integer AS __total')}`;
  }
  return `SELECT page.*, __parent.n AS __parent, total.__total
FROM ${parents}
CROSS JOIN LATERAL (
  SELECT count(*)::integer AS __total FROM ${spec.from} WHERE ${where(parentWhere)}
) total
${pageOf('')}`;
}
