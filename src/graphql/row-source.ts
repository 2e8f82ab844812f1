/**
 * Where each kind of inventory object is read from, always through its cluster and so always within
 * one organisation: `FROM <table> <alias> JOIN k8s_clusters c ON … AND c.organization_id = $n`.
 */
/** A database row as the driver returns it. */
export type Row = Record<string, unknown>;
import type { SqlParams } from './sql-params.js';

/** Runs one SQL statement with bind parameters. */
export type SqlRunner = (text: string, params: unknown[]) => Promise<Row[]>;

export interface RowSource<T> {
  table: string;
  alias: string;
  /** Select list (`p.*`, or the columns a client may see). */
  select: string;
  map: (row: Row) => T;
  /**
   * Columns per GraphQL field (relations resolved by loaders map to none) and those always read (ids
   * and links); lets a connection read only what the query selects.
   */
  projection?: { always: readonly string[]; fields: Readonly<Record<string, readonly string[]>> };
  /** Columns that find a row again (with the partition key for partitioned tables); absent for views. */
  key?: readonly string[];
  /** Extra joins (for example the node a pod list is nested under). */
  joins?: string;
}

export interface Scoped {
  from: string;
  where: string[];
}

/** FROM clause and conditions that confine a source to one organisation. */
export function scoped(source: RowSource<unknown>, organizationId: string, params: SqlParams): Scoped {
  const org = params.add(organizationId);
  if (source.table === 'k8s_clusters') return { from: 'k8s_clusters c', where: [`c.organization_id = ${org}::uuid`] };
  const joins = source.joins ? ` ${source.joins}` : '';
  return {
    from: `${source.table} ${source.alias} JOIN k8s_clusters c ON c.id = ${source.alias}.cluster_id AND c.organization_id = ${org}::uuid${joins}`,
    where: [],
  };
}
