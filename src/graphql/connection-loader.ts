/**
 * Fetching connections: one statement per top-level list, and for nested lists one statement per
 * level for all parents at once, through a DataLoader per distinct (field, arguments).
 */
import DataLoader from 'dataloader';
import pg from 'pg';
import { buildConnection, type Connection, type CursorKey, type PageRequest } from './relay/index.js';
import type { Row } from './row-source.js';
import { buildPageQuery, type Ordering } from './page-query.js';
import { scoped, type RowSource, type SqlRunner } from './row-source.js';
import { SqlParams } from './sql-params.js';

export interface ListQuery {
  /** Extra conditions over the source alias, built with `params`. */
  where: string[];
  params: SqlParams;
  ordering: Ordering;
  page: PageRequest;
  /** Columns to read (the fields the query selects); null reads the source's whole row. */
  columns: readonly string[] | null;
  /** Whether rows carry their cursor keys (false when the query selects neither edges nor pageInfo). */
  cursors: boolean;
}

function selectList(source: RowSource<unknown>, columns: readonly string[] | null): string {
  return columns ? columns.map((c) => `${source.alias}.${c}`).join(', ') : source.select;
}

/** PostgreSQL's text[] literal parser: `__keys` arrive as text and are parsed only for the cursors a query selects. */
const parseTextArray = pg.types.getTypeParser(1009 as never, 'text') as (text: string) => string[];

function cursorKeyOf(row: Row): CursorKey {
  return parseTextArray(row.__keys as string);
}

/** Rows of `buildPageQuery` (one parent) → a connection of mapped objects. */
export function rowsToConnection<T>(rows: readonly Row[], map: (row: Row) => T, page: PageRequest): Connection<T> {
  const total = rows.length > 0 ? Number(rows[0].__total ?? 0) : 0;
  const pageRows = rows[rows.length - 1]?.__keys === null ? rows.filter((r) => r.__keys !== null) : rows;
  return buildConnection(pageRows, page, { cursorKey: cursorKeyOf, totalCount: total, map });
}

function tableOf(source: RowSource<unknown>): { name: string; alias: string; key: readonly string[] } | undefined {
  return source.key ? { name: source.table, alias: source.alias, key: source.key } : undefined;
}

export async function fetchConnection<T>(sql: SqlRunner, source: RowSource<T>, organizationId: string, query: ListQuery): Promise<Connection<T>> {
  const scope = scoped(source, organizationId, query.params);
  const text = buildPageQuery({
    select: selectList(source, query.columns),
    from: scope.from,
    where: [...scope.where, ...query.where],
    params: query.params,
    ordering: query.ordering,
    page: query.page,
    table: tableOf(source),
    cursors: query.cursors,
  });
  return rowsToConnection(await sql(text, query.params.values), source.map, query.page);
}

/** One page per parent id, in one statement. `parentExpr` names the parent column of the source. */
export async function fetchNestedConnections<T>(
  sql: SqlRunner,
  source: RowSource<T>,
  organizationId: string,
  parentExpr: string,
  parentIds: readonly string[],
  query: ListQuery,
): Promise<Connection<T>[]> {
  const scope = scoped(source, organizationId, query.params);
  const text = buildPageQuery({
    select: selectList(source, query.columns),
    from: scope.from,
    where: [...scope.where, ...query.where],
    params: query.params,
    ordering: query.ordering,
    page: query.page,
    parent: { expr: parentExpr, ids: parentIds },
    cursors: query.cursors,
  });
  const rows = await sql(text, query.params.values);
  const byParent: Row[][] = parentIds.map(() => []);
  for (const row of rows) byParent[(row.__parent as number) - 1].push(row);
  return byParent.map((group) => rowsToConnection(group, source.map, query.page));
}

/**
 * Nested connections of one field: a DataLoader per distinct argument set (`variant`), whose keys are
 * parent ids. With batching off (the benchmark's baseline) each parent is a statement of its own.
 */
export class NestedConnectionLoader<T> {
  private readonly loaders = new Map<string, DataLoader<string, Connection<T>>>();

  constructor(
    private readonly sql: SqlRunner,
    private readonly source: RowSource<T>,
    private readonly organizationId: () => string,
    private readonly parentExpr: string,
    private readonly batch: boolean,
  ) {}

  /**
   * `variant` must identify the arguments completely; `build` makes the query for them (fresh params each call).
   * `prepare`, if given, runs once per batch over the items of every page before any page is returned (to load
   * what the items' own fields need in one go); the batch's first caller decides it.
   */
  load(parentId: string, variant: string, build: () => ListQuery, prepare?: (items: T[]) => Promise<void>): Promise<Connection<T>> {
    let loader = this.loaders.get(variant);
    if (!loader) {
      loader = new DataLoader(
        async (ids: readonly string[]) => {
          const connections = await fetchNestedConnections(this.sql, this.source, this.organizationId(), this.parentExpr, ids, build());
          if (prepare) await prepare(connections.flatMap((c) => c.nodes));
          return connections;
        },
        { batch: this.batch },
      );
      this.loaders.set(variant, loader);
    }
    return loader.load(parentId);
  }
}


/** What a domain needs to build its per-request loaders: one organisation, one way to run SQL, one batching choice. */
export class LoaderKit {
  constructor(
    readonly sql: SqlRunner,
    readonly organizationId: () => string,
    readonly batch: boolean,
  ) {}

  /**
   * Objects by a uuid column (the row id unless `column` says otherwise) within the organisation; absent keys, and
   * another organisation's, load as null.
   */
  byId<T>(source: RowSource<T>, column = 'id'): DataLoader<string, T | null> {
    return new DataLoader(
      async (ids: readonly string[]) => {
        const params = new SqlParams();
        const scope = scoped(source, this.organizationId(), params);
        const where = [...scope.where, `${source.alias}.${column} = ANY(${params.add(ids)}::uuid[])`];
        const rows = await this.sql(`SELECT ${source.select} FROM ${scope.from} WHERE ${where.join(' AND ')}`, params.values);
        const byKey = new Map(rows.map((r) => [r[column] as string, source.map(r)]));
        return ids.map((id) => byKey.get(id) ?? null);
      },
      { batch: this.batch },
    );
  }

  /**
   * Objects by `${clusterRowId}/${key}` (a name or a uid within a cluster), one statement for all keys. `query` gets
   * the placeholders of the organisation and of the parallel arrays of cluster ids and keys; rows are matched back by
   * their `cluster_id` and `keyColumn`, and absent keys load as null.
   */
  byClusterKey<T>(query: (p: { org: string; clusterIds: string; keys: string }) => string, keyColumn: string, map: (row: Row) => T): DataLoader<string, T | null> {
    return new DataLoader<string, T | null>(
      async (keys) => {
        const pairs = keys.map((k) => {
          const slash = k.indexOf('/');
          return [k.slice(0, slash), k.slice(slash + 1)] as const;
        });
        const params = new SqlParams();
        const text = query({ org: params.add(this.organizationId()), clusterIds: params.add(pairs.map((p) => p[0])), keys: params.add(pairs.map((p) => p[1])) });
        const rows = await this.sql(text, params.values);
        const byKey = new Map(rows.map((r) => [`${r.cluster_id}/${r[keyColumn]}`, map(r)]));
        return keys.map((k) => byKey.get(k) ?? null);
      },
      { batch: this.batch },
    );
  }

  nested<T>(source: RowSource<T>, parentExpr: string): NestedConnectionLoader<T> {
    return new NestedConnectionLoader<T>(this.sql, source, this.organizationId, parentExpr, this.batch);
  }
}
