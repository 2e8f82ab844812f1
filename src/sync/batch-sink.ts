import { camelCase } from '../common/formats.js';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { acquireConnection, releaseConnection } from '../db/pool-connections.js';
import { appendChangeEvents } from '../events/change-log.js';
import type { ChangeEvent, ChangeType } from '../events/change-event.js';
import { copyRows, copyText } from '../db/bulk-copy.js';
import { copyValue } from './copy-value.js';
import type { Change, RowChange, Sweep } from './change-queue.js';
import { type ColumnDef, DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS, TABLE_ORDER, type TableSpec } from './inventory-tables.js';
import { holdsLease, type LeaseGrant } from './ownership.js';
import { fieldJson, type Row } from './row-digest.js';

/** Below this many new pods in one batch, COPY's extra round trips cost more than they save. */
const BULK_COPY_MIN = 100;

export interface BatchSinkOptions {
  dataSource: DataSource;
  clusterId: string;
  organizationId: string;
  /** Values of a table's extraColumns for one row, read when the batch is written so they are always the latest. */
  extras?: (spec: TableSpec, where: Row) => Row;
  /** The lease each transaction checks and holds (see WriterOptions.lease); without it, no check. */
  lease?: LeaseGrant;
}

/** A change to a row of the batch; those of kinds that are not ChangeKinds (Kubernetes Events) are not published. */
type PendingEvent = Omit<ChangeEvent, 'committedAt' | 'kind'> & { kind: TableSpec['kind'] };

function isPublished(e: PendingEvent): e is Omit<ChangeEvent, 'committedAt'> {
  return e.kind !== 'Event';
}

/** The lease the sink writes under expired, or was taken again (by another replica or by this one): it must not write. */
export class LeaseLost extends Error {}

/** A RETURNING * row as event state: camelCase keys, bigints as numbers (they are counts, bytes and millicores). */
function stateOf(spec: TableSpec, row: Record<string, unknown>): Record<string, unknown> {
  const bigints = new Set(spec.columns.filter((c) => c.type === 'bigint').map((c) => c.column));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[camelCase(k)] = bigints.has(k) && typeof v === 'string' ? Number(v) : v;
  }
  return out;
}

function recordsetType(columns: readonly ColumnDef[]): string {
  return columns.map((c) => `"${c.column}" ${c.type}`).join(', ');
}

/** The JSON object jsonRow() would give, reusing the JSON already made of object-valued columns. */
function rowJson(columns: readonly ColumnDef[], row: Row, documents: Readonly<Record<string, string>> | undefined): string {
  let out = '{';
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    out += `${i === 0 ? '' : ','}"${c.column}":${documents?.[c.prop] ?? fieldJson(row[c.prop])}`;
  }
  return `${out}}`;
}

function jsonRow(columns: readonly ColumnDef[], row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const v = row[c.prop];
    out[c.column] = v === undefined ? null : v;
  }
  return out;
}

/**
 * Writes one batch of changes as one transaction of bulk statements, table by table in parent-before-child order, and
 * returns the change events of what it wrote, appended to the change log in that transaction (and published by the
 * caller once committed). New pods of an initial list
 * go in by COPY. With a lease, the transaction first checks that the lease is still this writer's and holds its row.
 */
export class BatchSink {
  private readonly sqlCache = new Map<string, string>();
  private copiedRows = 0;

  constructor(private readonly o: BatchSinkOptions) {}

  /** New rows written by COPY rather than by upsert, so far. */
  get copied(): number {
    return this.copiedRows;
  }

  async write(batch: Change[], sweeps: Sweep[]): Promise<ChangeEvent[]> {
    const qr = await acquireConnection(this.o.dataSource);
    const events: PendingEvent[] = [];
    let published: Array<Omit<ChangeEvent, 'committedAt'>> = [];
    try {
      await qr.startTransaction();
      if (this.o.lease && !(await holdsLease((sql, params) => qr.query(sql, params), this.o.clusterId, this.o.lease))) {
        throw new LeaseLost(`the lease on cluster ${this.o.clusterId} is no longer the one ${this.o.lease.holder} took at ${this.o.lease.acquiredAt}`);
      }
      for (const spec of TABLE_ORDER) {
        const mine = batch.filter((c) => c.spec === spec);
        if (mine.length > 0) await this.writeTable(qr, spec, mine, events);
      }
      for (const sweep of sweeps) await this.sweep(qr, sweep, events);
      published = events.filter(isPublished);
      // In the same transaction as the rows: a change is in the log exactly when it is in the tables.
      const client = (qr as unknown as { databaseConnection: pg.PoolClient }).databaseConnection;
      await appendChangeEvents((sql, params) => qr.query(sql, params), published, (table, columns, lines) => copyRows(client, table, columns, lines));
      await qr.commitTransaction();
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await releaseConnection(qr);
    }
    const committedAt = new Date();
    return published.map((e) => ({ ...e, committedAt }));
  }

  /** Rows of a statement, whatever its kind (TypeORM shapes UPDATE results as [rows, count] otherwise). */
  private async rows<T = Record<string, unknown>>(qr: QueryRunner, sql: string, params: unknown[]): Promise<T[]> {
    const result = await qr.query(sql, params, true);
    return result.records as T[];
  }

  private event(spec: TableSpec, type: ChangeType, state: Record<string, unknown>, changedFields: string[]): PendingEvent {
    return {
      organizationId: this.o.organizationId,
      clusterId: this.o.clusterId,
      kind: spec.kind,
      type,
      namespace: (state.namespace as string | undefined) ?? null,
      name: String(state.name),
      uid: String(state.uid ?? ''),
      changedFields,
      state,
    };
  }

  private async writeTable(qr: QueryRunner, spec: TableSpec, changes: Change[], events: PendingEvent[]): Promise<void> {
    const cid = this.o.clusterId;
    const deleteKeys = changes.filter((c) => c.op === 'deleteKey').map((c) => c.key);
    if (deleteKeys.length > 0) {
      const rows: Record<string, unknown>[] = await this.rows(qr,
        `UPDATE ${spec.table} SET deleted_at = now(), synced_at = now()
         WHERE cluster_id = $1 AND deleted_at IS NULL AND ${spec.keySql} = ANY($2::text[]) RETURNING *`,
        [cid, deleteKeys],
      );
      for (const r of rows) events.push(this.event(spec, 'DELETED', stateOf(spec, r), []));
    }

    const rowChanges = changes.filter((c): c is RowChange => c.op === 'upsert' || c.op === 'delete');
    if (rowChanges.length > 0) {
      if (spec.liveNameColumns) await this.displace(qr, spec, rowChanges, events);
      const inserted = await this.upsert(qr, spec, rowChanges, events);
      await this.relink(qr, spec, inserted);
    }

    const extras = changes.filter((c): c is Extract<Change, { op: 'extras' }> => c.op === 'extras');
    if (extras.length > 0 && this.o.extras) {
      const where = spec.namespaced ? ['namespace', 'name'] : ['name'];
      const columns: ColumnDef[] = [
        ...where.map((w) => ({ prop: w, column: w, type: 'text' as const })),
        ...spec.extraColumns,
      ];
      const payload = extras.map((c) => jsonRow(columns, { ...c.where, ...this.o.extras!(spec, c.where) }));
      const set = spec.extraColumns.map((c) => `${c.column} = x.${c.column}`).join(', ');
      const rows: Record<string, unknown>[] = await this.rows(qr,
        `UPDATE ${spec.table} t SET ${set}, synced_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS x(${recordsetType(columns)})
         WHERE t.cluster_id = $1 AND t.deleted_at IS NULL AND ${where.map((w) => `t.${w} = x.${w}`).join(' AND ')}
           AND (${spec.extraColumns.map((c) => `t.${c.column}`).join(', ')}) IS DISTINCT FROM (${spec.extraColumns.map((c) => `x.${c.column}`).join(', ')})
         RETURNING t.*`,
        [cid, JSON.stringify(payload)],
      );
      for (const r of rows) events.push(this.event(spec, 'MODIFIED', stateOf(spec, r), spec.extraColumns.map((c) => c.prop)));
    }
  }

  /** A live row holding the name of a new object belongs to an object that is gone (names are unique among live objects). */
  private async displace(
    qr: QueryRunner,
    spec: TableSpec,
    changes: RowChange[],
    events: PendingEvent[],
  ): Promise<void> {
    const columns = [...spec.liveNameColumns!, 'uid'];
    const payload = changes
      .filter((c) => c.op === 'upsert' && c.added)
      .map((c) => Object.fromEntries(columns.map((k) => [k, c.row[k]])));
    if (payload.length === 0) return;
    const rows: Record<string, unknown>[] = await this.rows(qr,
      `UPDATE ${spec.table} t SET deleted_at = now(), synced_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS x(${columns.map((c) => `${c} text`).join(', ')})
       WHERE t.cluster_id = $1 AND t.deleted_at IS NULL AND ${spec.liveNameColumns!.map((c) => `t.${c} = x.${c}`).join(' AND ')}
         AND t.uid <> x.uid
       RETURNING t.*`,
      [this.o.clusterId, JSON.stringify(payload)],
    );
    for (const r of rows) events.push(this.event(spec, 'DELETED', stateOf(spec, r), []));
  }

  private upsertSql(spec: TableSpec): string {
    const cached = this.sqlCache.get(spec.kind);
    if (cached) return cached;
    const columns = [...spec.columns, ...spec.extraColumns];
    const names = columns.map((c) => c.column);
    const select = columns.map((c) => (c.column === 'created_at' ? `coalesce(x.created_at, now())` : `x.${c.column}`));
    const joins: string[] = [];
    const insertCols = ['cluster_id', ...names, 'synced_at'];
    const selectCols = ['$1::uuid', ...select, 'now()'];
    const set: Array<[string, string]> = [];
    if (spec.namespaced) {
      insertCols.push('namespace_id');
      selectCols.push('ns.id');
      // Lateral index probes: right after a bulk load the planner's statistics are stale and hash/nested-loop
      // choices over whole tables go badly wrong; a unique-index probe per row is always cheap.
      joins.push(`LEFT JOIN LATERAL (SELECT id FROM k8s_namespaces WHERE cluster_id = $1 AND name = x.namespace AND deleted_at IS NULL LIMIT 1) ns ON true`);
      set.push(['namespace_id', `coalesce(EXCLUDED.namespace_id, t.namespace_id)`]);
    }
    if (spec.deploymentVia === 'replica-set') {
      insertCols.push('deployment_id');
      selectCols.push('d.id');
      joins.push(
        `LEFT JOIN LATERAL (SELECT d.id FROM k8s_replica_sets rs JOIN k8s_deployments d ON d.cluster_id = $1 AND d.uid = rs.deployment_uid
           WHERE rs.cluster_id = $1 AND rs.uid = x.owner_uid AND x.owner_kind = 'ReplicaSet' LIMIT 1) d ON true`,
      );
      set.push(['deployment_id', `coalesce(EXCLUDED.deployment_id, t.deployment_id)`]);
    } else if (spec.deploymentVia === 'deployment-uid') {
      insertCols.push('deployment_id');
      selectCols.push('d.id');
      joins.push(`LEFT JOIN LATERAL (SELECT id FROM k8s_deployments WHERE cluster_id = $1 AND uid = x.deployment_uid LIMIT 1) d ON true`);
      set.push(['deployment_id', `coalesce(EXCLUDED.deployment_id, t.deployment_id)`]);
    }
    for (const c of columns) {
      if (spec.conflict.includes(c.column) || c.column === 'resource_version') continue;
      if (c.column === 'deleted_at') {
        // A delete keeps the first deletion time; an object seen alive again (a relist) is live.
        set.push(['deleted_at', `CASE WHEN EXCLUDED.deleted_at IS NULL THEN NULL ELSE coalesce(t.deleted_at, EXCLUDED.deleted_at) END`]);
      } else {
        set.push([c.column, `EXCLUDED.${c.column}`]);
      }
    }
    // xmax cannot be read from a partitioned table, so "inserted" is told by what existed before the statement.
    const match = spec.conflict.filter((c) => c !== 'cluster_id').map((c) => `e.${c} = x.${c}`).join(' AND ');
    const returning = [
      't.id',
      `t.${spec.keySql === 'uid' ? 'uid' : 'namespace'} AS k1`,
      't.name AS k2',
      `NOT EXISTS (SELECT 1 FROM existing e WHERE ${spec.conflict.filter((c) => c !== 'cluster_id').map((c) => `e.${c} = t.${c}`).join(' AND ')}) AS inserted`,
    ];
    if (spec.namespaced) returning.push('t.namespace_id');
    if (spec.deploymentVia) returning.push('t.deployment_id');
    const sql = `WITH x AS MATERIALIZED (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(${recordsetType(columns)})),
      existing AS MATERIALIZED (SELECT e.*
        FROM x CROSS JOIN LATERAL (
          SELECT ${spec.conflict.filter((c) => c !== 'cluster_id').map((c) => `e.${c}`).join(', ')}
          FROM ${spec.table} e WHERE e.cluster_id = $1 AND ${match} LIMIT 1) e)
      INSERT INTO ${spec.table} AS t (${insertCols.join(', ')})
      SELECT ${selectCols.join(', ')}
      FROM x
      ${joins.join('\n      ')}
      ON CONFLICT (${spec.conflict.join(', ')}) DO UPDATE SET
        ${[...set, ['resource_version', 'EXCLUDED.resource_version'], ['synced_at', 'now()']].map(([c, e]) => `${c} = ${e}`).join(',\n        ')}
      WHERE (${set.map(([c]) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${set.map(([, e]) => e).join(', ')})
      RETURNING ${returning.join(', ')}`;
    this.sqlCache.set(spec.kind, sql);
    return sql;
  }

  /** Bulk upsert; returns the keys of rows that were inserted (not updated). */
  private async upsert(
    qr: QueryRunner,
    spec: TableSpec,
    all: RowChange[],
    events: PendingEvent[],
  ): Promise<string[]> {
    let changes = all;
    const copied: string[] = [];
    // Only a change seen for the first time can be a pod the database lacks: fewer than enough of them, no probe.
    if (spec === PODS && changes.reduce((n, c) => (c.added ? n + 1 : n), 0) >= BULK_COPY_MIN) {
      const fresh = await this.copyFresh(qr, spec, changes, events);
      if (fresh.size > 0) {
        changes = changes.filter((c) => !fresh.has(c.key));
        copied.push(...fresh);
      }
      if (changes.length === 0) return copied;
    }
    const columns = [...spec.columns, ...spec.extraColumns];
    const payload = changes.map((c) => {
      if (spec.extraColumns.length === 0) return rowJson(columns, c.row, c.documents);
      const extra = this.o.extras ? this.o.extras(spec, c.row) : {};
      return JSON.stringify(jsonRow(columns, { ...c.row, ...extra }));
    });
    const rows: Array<{ id: string; k1: string; k2: string; inserted: boolean; namespace_id?: string | null; deployment_id?: string | null }> =
      await this.rows(qr, this.upsertSql(spec), [this.o.clusterId, `[${payload.join(',')}]`]);
    const byKey = new Map(changes.map((c) => [c.key, c]));
    const inserted: string[] = [];
    for (const r of rows) {
      const key = spec.keySql === 'uid' ? r.k1 : `${r.k1}/${r.k2}`;
      const change = byKey.get(key);
      if (!change) continue;
      if (r.inserted) inserted.push(key);
      const state = change.row;
      state.id = r.id;
      state.clusterId = this.o.clusterId;
      if (spec.namespaced) state.namespaceId = r.namespace_id ?? null;
      if (spec.deploymentVia) state.deploymentId = r.deployment_id ?? null;
      const type: ChangeType = change.op === 'delete' ? 'DELETED' : r.inserted ? 'ADDED' : 'MODIFIED';
      events.push(this.event(spec, type, state, type === 'MODIFIED' ? change.changedFields : []));
    }
    return [...copied, ...inserted];
  }

  /**
   * Pods this database has never seen (the bulk of an initial list) go in by COPY, several times faster than an
   * upsert; their namespace and deployment ids are looked up first, as the upsert's joins would. Returns their keys.
   */
  private async copyFresh(
    qr: QueryRunner,
    spec: TableSpec,
    changes: RowChange[],
    events: PendingEvent[],
  ): Promise<Set<string>> {
    const cid = this.o.clusterId;
    // One round trip: which of the pods exist already, and the ids of their namespaces and deployments.
    const found = await this.rows<{ t: 'p' | 'n' | 'd'; k: string; v: string | null }>(
      qr,
      `SELECT 'p' AS t, uid AS k, NULL AS v FROM ${spec.table} WHERE cluster_id = $1 AND uid = ANY($2::text[])
       UNION ALL
       SELECT 'n', name, id::text FROM k8s_namespaces WHERE cluster_id = $1 AND deleted_at IS NULL AND name = ANY($3::text[])
       UNION ALL
       SELECT 'd', rs.uid, d.id::text FROM k8s_replica_sets rs JOIN k8s_deployments d ON d.cluster_id = rs.cluster_id AND d.uid = rs.deployment_uid
       WHERE rs.cluster_id = $1 AND rs.uid = ANY($4::text[])`,
      [
        cid,
        changes.map((c) => c.key),
        [...new Set(changes.map((c) => String(c.row.namespace)))],
        [...new Set(changes.filter((c) => c.row.ownerKind === 'ReplicaSet').map((c) => String(c.row.ownerUid)))],
      ],
    );
    const known = new Set<string>();
    const namespaces = new Map<string, string>();
    const deployments = new Map<string, string>();
    for (const r of found) {
      if (r.t === 'p') known.add(r.k);
      else (r.t === 'n' ? namespaces : deployments).set(r.k, r.v!);
    }
    const fresh = changes.filter((c) => !known.has(c.key));
    if (fresh.length < BULK_COPY_MIN) return new Set();
    const now = new Date().toISOString();
    const columns = ['id', 'cluster_id', 'namespace_id', 'deployment_id', ...spec.columns.map((c) => c.column), 'synced_at'];
    const lines: string[] = [];
    const states: Array<[RowChange, Record<string, unknown>]> = [];
    for (const c of fresh) {
      // uuids and ISO timestamps never need escaping.
      const id = randomUUID();
      const namespaceId = namespaces.get(String(c.row.namespace)) ?? null;
      const deploymentId = c.row.ownerKind === 'ReplicaSet' ? (deployments.get(String(c.row.ownerUid)) ?? null) : null;
      let line = `${id}\t${cid}\t${namespaceId ?? '\\N'}\t${deploymentId ?? '\\N'}`;
      for (const col of spec.columns) {
        const document = col.type === 'jsonb' ? c.documents?.[col.prop] : undefined;
        const value = col.column === 'created_at' ? (c.row[col.prop] ?? now) : c.row[col.prop];
        line += `\t${document !== undefined ? copyText(document) : copyValue(value, col.type)}`;
      }
      lines.push(`${line}\t${now}\n`);
      // Onto the row rather than a copy with four more properties, which cost more than the COPY line.
      const state = c.row;
      state.id = id;
      state.clusterId = cid;
      state.namespaceId = namespaceId;
      state.deploymentId = deploymentId;
      states.push([c, state]);
    }
    const client = (qr as unknown as { databaseConnection: pg.PoolClient }).databaseConnection;
    await copyRows(client, spec.table, columns, lines);
    this.copiedRows += lines.length;
    for (const [c, state] of states) events.push(this.event(spec, c.op === 'delete' ? 'DELETED' : 'ADDED', state, []));
    return new Set(fresh.map((c) => c.key));
  }

  /**
   * Reflectors of different kinds are not ordered against each other, so a child can be written before its parent:
   * when a parent row appears, children that could not be linked yet are linked now.
   */
  private async relink(qr: QueryRunner, spec: TableSpec, inserted: string[]): Promise<void> {
    if (inserted.length === 0) return;
    const cid = this.o.clusterId;
    if (spec === NAMESPACES) {
      for (const table of new Set(TABLE_ORDER.filter((t) => t.namespaced).map((t) => t.table))) {
        await qr.query(
          `UPDATE ${table} c SET namespace_id = ns.id FROM k8s_namespaces ns
           WHERE ns.cluster_id = $1 AND ns.uid = ANY($2::text[]) AND ns.deleted_at IS NULL
             AND c.cluster_id = $1 AND c.namespace = ns.name AND c.namespace_id IS NULL AND c.deleted_at IS NULL`,
          [cid, inserted],
        );
      }
    } else if (spec === DEPLOYMENTS) {
      await qr.query(
        `UPDATE k8s_replica_sets rs SET deployment_id = d.id FROM k8s_deployments d
         WHERE d.cluster_id = $1 AND d.uid = ANY($2::text[]) AND rs.cluster_id = $1 AND rs.deployment_uid = d.uid
           AND rs.deployment_id IS NULL`,
        [cid, inserted],
      );
      await qr.query(
        `UPDATE k8s_pods p SET deployment_id = d.id FROM k8s_replica_sets rs JOIN k8s_deployments d ON d.cluster_id = rs.cluster_id AND d.uid = rs.deployment_uid
         WHERE d.cluster_id = $1 AND d.uid = ANY($2::text[]) AND rs.cluster_id = $1
           AND p.cluster_id = $1 AND p.owner_uid = rs.uid AND p.deployment_id IS NULL`,
        [cid, inserted],
      );
    } else if (spec === REPLICA_SETS) {
      await qr.query(
        `UPDATE k8s_pods p SET deployment_id = d.id FROM k8s_replica_sets rs JOIN k8s_deployments d ON d.cluster_id = rs.cluster_id AND d.uid = rs.deployment_uid
         WHERE rs.cluster_id = $1 AND rs.uid = ANY($2::text[]) AND p.cluster_id = $1 AND p.owner_uid = rs.uid AND p.deployment_id IS NULL`,
        [cid, inserted],
      );
    }
  }

  private async sweep(qr: QueryRunner, sweep: Sweep, events: PendingEvent[]): Promise<void> {
    const { spec } = sweep;
    // NOT IN over a subquery is hashed; `<> ALL(array)` would compare every row with every key.
    const rows: Record<string, unknown>[] = await this.rows(qr,
      `UPDATE ${spec.table} t SET deleted_at = now(), synced_at = now()
       WHERE t.cluster_id = $1 AND t.deleted_at IS NULL AND (${spec.keySql.replace(/\b(namespace|name|uid)\b/g, 't.$1')}) NOT IN (SELECT unnest($2::text[]))
         ${spec.scopeSql ? `AND t.${spec.scopeSql}` : ''}
       RETURNING t.*`,
      [this.o.clusterId, sweep.present],
    );
    for (const r of rows) events.push(this.event(spec, 'DELETED', stateOf(spec, r), []));
  }
}
