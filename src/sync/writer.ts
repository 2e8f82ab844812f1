import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import type { ChangeEvent, ChangeType } from '../events/change-event.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import { acquireConnection, releaseConnection, warmConnections } from '../db/pool-connections.js';
import { Backoff, sleep } from './backoff.js';
import { copyRows, copyText, copyValue } from './bulk-copy.js';
import { type ColumnDef, DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS, TABLE_ORDER, type TableSpec } from './inventory-tables.js';
import { holdsLease, type LeaseGrant } from './ownership.js';
import { fieldJson, type Row } from './row-digest.js';

/**
 * One change to one object, as the reflectors hand it over. `upsert` and `delete` carry the mapped row (a delete sets
 * deletedAt: rows are kept for history); `deleteKey` knows only the key; `extras` refreshes columns that other objects
 * determine (quotas on a namespace, mounting pods on a claim).
 */
export type Change =
  | {
      op: 'upsert' | 'delete';
      spec: TableSpec;
      key: string;
      /** Owned by the writer once enqueued: it adds the stored ids to it for the change event, rather than copy it. */
      row: Row;
      changedFields: string[];
      /** JSON of the row's object-valued columns by property, made while digesting it; reused rather than redone. */
      documents?: Readonly<Record<string, string>>;
      /** First sighting of the object by this process: it may take over a name a vanished object still holds. */
      added?: boolean;
    }
  | { op: 'deleteKey'; spec: TableSpec; key: string }
  | { op: 'extras'; spec: TableSpec; key: string; where: Row };

/** After a complete list: every live row of `spec` whose key is not in `present` is gone from the cluster. */
export interface Sweep {
  spec: TableSpec;
  present: readonly string[];
}

/** What a batch in flight links: ReplicaSets it may insert, and the ReplicaSets its pods name as owner. */
interface Linking {
  replicaSets: Set<string>;
  owners: Set<string>;
}

interface Segment {
  changes: Map<string, Change>;
  sweeps: Sweep[];
  waiters: Array<() => void>;
}

export interface WriterOptions {
  dataSource: DataSource;
  eventBus: EventBus;
  clusterId: string;
  organizationId: string;
  log: Logger;
  /** Values of a table's extraColumns for one row, read when the batch is written so they are always the latest. */
  extras?: (spec: TableSpec, where: Row) => Row;
  maxBatch?: number;
  /**
   * Largest batch once steady() is called (the initial lists are written): a burst of watch events commits in slices,
   * so its first changes do not wait for the whole burst's transaction (default, and at most, maxBatch).
   */
  steadyMaxBatch?: number;
  /** Longest an idle writer waits for a burst of changes to end before it writes them (default 20). */
  lingerMs?: number;
  /** Transactions in flight at once (default 2: one commits while the next is written). */
  concurrency?: number;
  /**
   * The lease on the cluster (k8s_cluster_leases) that allows this writer to write. Each batch checks, in its own
   * transaction, that it is still the cluster's lease and unexpired, and holds the lease row until it commits, so
   * that a takeover waits for it; once the lease is gone the writer writes nothing more. Without it, no check.
   */
  lease?: LeaseGrant;
}

/** The lease this writer writes under expired, or was taken again (by another replica or by this one): it must not write. */
class LeaseLost extends Error {}

export interface WriterStats {
  batches: number;
  changes: number;
  retries: number;
  /** Changes not written: one the database refused on its own, or everything once the lease was lost. */
  dropped: number;
  pending: number;
  lastCommitAt: Date | undefined;
  /** Time spent in committed transactions, for benchmarks. */
  transactionMs: number;
  /** New rows written by COPY rather than by upsert. */
  copied: number;
  /** Most transactions seen in flight at once. */
  maxInFlight: number;
  /** Deletion sweeps committed (one per kind and list, unless skipped). */
  sweeps: number;
}

/** An idle writer starts a batch once no change has arrived for this long (lingerMs caps the wait). */
const QUIET_MS = 2;

/** A second transaction starts only when at least this many changes wait. */
const CONCURRENT_BATCH_MIN = 100;

/** Below this many new pods in one batch, COPY's extra round trips cost more than they save. */
const BULK_COPY_MIN = 100;

const RETRYABLE_SQLSTATE = /^(08|57P|53|40001|40P01)/;
const RETRYABLE_MESSAGE = /Connection terminated|connection error|not queryable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|timeout exceeded when trying to connect|Client was closed/i;

/** Errors after which the same batch can succeed: the connection or the server went away, or a transient conflict. */
export function isRetryable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown };
  const inner = (e?.driverError ?? e) as { code?: unknown; message?: unknown };
  const code = typeof inner?.code === 'string' ? inner.code : typeof e?.code === 'string' ? e.code : '';
  if (RETRYABLE_SQLSTATE.test(code) || /^E[A-Z]+$/.test(code)) return true;
  return RETRYABLE_MESSAGE.test(String(inner?.message ?? e?.message ?? ''));
}

function camel(column: string): string {
  return column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** A RETURNING * row as event state: camelCase keys, bigints as numbers (they are counts, bytes and millicores). */
function stateOf(spec: TableSpec, row: Record<string, unknown>): Record<string, unknown> {
  const bigints = new Set(spec.columns.filter((c) => c.type === 'bigint').map((c) => c.column));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[camel(k)] = bigints.has(k) && typeof v === 'string' ? Number(v) : v;
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
 * Turns the reflectors' changes into transactions: changes are coalesced per object (the latest state wins), cut into
 * batches by count and by a few milliseconds, and each batch is one transaction of bulk statements. Events are
 * published only after COMMIT. A batch that fails because the database went away is retried, in order, until it
 * commits; nothing is dropped, and changes arriving meanwhile queue (coalesced) behind it.
 */
export class Writer {
  private readonly segments: Segment[] = [{ changes: new Map(), sweeps: [], waiters: [] }];
  private readonly maxBatch: number;
  private readonly steadyMaxBatch: number;
  /** Most changes per batch: maxBatch while the initial lists are written, steadyMaxBatch after. */
  private batchCap: number;
  private readonly lingerMs: number;
  private readonly backoff = new Backoff(100, 5_000);
  private readonly stopController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** When the oldest change waiting for an idle writer arrived. */
  private lingerSince: number | undefined;
  private exclusiveInFlight = false;
  /** What batches in flight hold: their changes' ids, and the rows with extras columns they lock (see claims()). */
  private readonly inFlightClaims = new Set<string>();
  private readonly inFlightLinking = new Set<Linking>();
  private readonly running = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly sqlCache = new Map<string, string>();
  private readonly s: WriterStats = { batches: 0, changes: 0, retries: 0, dropped: 0, pending: 0, lastCommitAt: undefined, transactionMs: 0, copied: 0, maxInFlight: 0, sweeps: 0 };
  /** Whether the last attempt to write failed (the database is unavailable), for health reporting. */
  private failingSinceMs: number | undefined;
  private lastFailure: string | undefined;
  /** The lease was found lost: everything queued and enqueued from then on is dropped. */
  private leaseLost = false;
  /** warm()'s connections, until they are back in the pool. */
  private warming: Promise<void> | undefined;

  /** Transactions in flight. */
  private get inFlight(): number {
    return this.running.size;
  }

  constructor(private readonly o: WriterOptions) {
    this.maxBatch = o.maxBatch ?? 1000;
    this.batchCap = this.maxBatch;
    this.steadyMaxBatch = Math.min(o.steadyMaxBatch ?? this.maxBatch, this.maxBatch);
    this.lingerMs = o.lingerMs ?? 20;
    this.concurrency = o.concurrency ?? 2;
  }

  /**
   * Opens the connections of the transactions to come (up to `concurrency`) while there is nothing to write yet, so
   * that the first batches of a sync do not wait for PostgreSQL to start a backend (tens of milliseconds each).
   * Failures are left to the batches, which retry.
   */
  warm(): Promise<void> {
    // A database that cannot be reached now is left to the batches, which retry. stop() waits for this, so that no
    // connection arrives after the writer has stopped.
    this.warming ??= warmConnections(this.o.dataSource, this.concurrency).then(() => undefined);
    return this.warming;
  }

  enqueue(change: Change): void {
    if (this.leaseLost) return;
    const seg = this.segments[this.segments.length - 1]!;
    const id = `${change.op === 'extras' ? 'x:' : ''}${change.spec.kind}:${change.key}`;
    const prev = seg.changes.get(id);
    seg.changes.set(id, prev ? coalesce(prev, change) : change);
    this.schedule();
  }

  /** Queued after every change enqueued so far, and before any enqueued later. */
  enqueueSweep(sweep: Sweep): void {
    if (this.leaseLost) return;
    const seg = this.segments[this.segments.length - 1]!;
    seg.sweeps.push(sweep);
    this.segments.push({ changes: new Map(), sweeps: [], waiters: [] });
    this.schedule();
  }

  private readonly roomWaiters: Array<() => void> = [];

  /**
   * undefined while fewer than `limit` changes wait to be written; otherwise a promise that resolves once they have
   * drained below it. Reflectors await it so that a slow database holds them back instead of filling memory.
   */
  whenRoom(limit = this.maxBatch): Promise<void> | undefined {
    if (this.pendingCount() < limit || this.stopController.signal.aborted) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private releaseRoom(): void {
    if (this.roomWaiters.length === 0 || this.pendingCount() >= this.maxBatch) return;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  /** Resolves when every change enqueued before the call is committed (and its events published). */
  flush(): Promise<void> {
    if (this.pendingCount() === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const seg = this.segments[this.segments.length - 1]!;
      seg.waiters.push(resolve);
      this.segments.push({ changes: new Map(), sweeps: [], waiters: [] });
      this.schedule(true);
    });
  }

  /**
   * Writes what is queued, waiting at most `timeoutMs` (the database may be down); whatever is left is abandoned, which
   * is safe because whoever syncs the cluster next starts with a full list and sweep.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.stopController.abort();
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.roomWaiters.splice(0)) w();
    await Promise.all([...this.running].map((r) => r.catch(() => undefined)));
    await this.warming;
  }

  /** The initial lists are written: from now on batches are at most steadyMaxBatch changes. */
  steady(): void {
    this.batchCap = this.steadyMaxBatch;
  }

  /**
   * Slices keep a burst's first changes from waiting on the whole burst's transaction, but cost more time per
   * change: a writer that has fallen a full maxBatch behind goes back to big batches until it has caught up.
   */
  private cap(): number {
    return this.batchCap < this.maxBatch && this.pendingCount() >= this.maxBatch ? this.maxBatch : this.batchCap;
  }

  stats(): WriterStats {
    return { ...this.s, pending: this.pendingCount() };
  }

  /** The reason the database is failing, while it is. */
  failure(): { since: number; message: string } | undefined {
    return this.failingSinceMs === undefined ? undefined : { since: this.failingSinceMs, message: this.lastFailure ?? '' };
  }

  private pendingCount(): number {
    let n = 0;
    for (const seg of this.segments) n += seg.changes.size + seg.sweeps.length;
    return n;
  }

  private schedule(now = false): void {
    if (this.stopController.signal.aborted) return;
    if (now || this.inFlight > 0 || this.pendingCount() >= this.cap()) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.lingerSince = undefined;
      this.kick();
      return;
    }
    // Idle: start as soon as changes stop coming (a burst read off a watch stream arrives within a few ms), but let
    // none wait longer than lingerMs for the burst to end.
    const at = performance.now();
    this.lingerSince ??= at;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lingerSince = undefined;
      this.kick();
    }, Math.max(0, Math.min(QUIET_MS, this.lingerSince + this.lingerMs - at)));
  }

  /** Resolves flush() waiters of segments that are fully written; only when nothing is in flight. */
  private settle(): void {
    if (this.inFlight > 0) return;
    while (this.segments.length > 0) {
      const seg = this.segments[0]!;
      if (seg.changes.size > 0 || seg.sweeps.length > 0) return;
      for (const w of seg.waiters.splice(0)) w();
      if (this.segments.length === 1) return;
      this.segments.shift();
    }
  }

  /**
   * Starts batches, up to `concurrency` transactions at once. Batches in flight together never share an object, so
   * each object's changes still commit in order. A batch that may insert a namespace or deployment row,
   * and every deletion sweep, runs alone, so that children written next to it cannot miss their link. A new
   * ReplicaSet only links the pods that name it as owner: such pods are kept out of batches in flight beside the one
   * that inserts it (and such a ReplicaSet out of batches beside one writing its pods), and wait for its commit.
   * A second batch starts only when enough changes wait, so that light traffic is not split into tiny transactions.
   */
  private kick(): void {
    while (!this.stopController.signal.aborted && this.inFlight < this.concurrency && !this.exclusiveInFlight) {
      this.settle();
      const seg = this.segments[0]!;
      // Beside a batch in flight only a batch of CONCURRENT_BATCH_MIN may start: too few waiting, nothing to pick.
      if (this.inFlight > 0 && seg.changes.size < CONCURRENT_BATCH_MIN) return;
      const picked: Array<[string, Change]> = [];
      const cap = this.cap();
      for (const entry of seg.changes) {
        if (claims(entry).some((k) => this.inFlightClaims.has(k)) || this.linksInFlight(entry[1])) continue;
        picked.push(entry);
        if (picked.length >= cap) break;
      }
      if (picked.length === 0) {
        if (seg.sweeps.length > 0 && seg.changes.size === 0 && this.inFlight === 0) this.launch([], seg.sweeps.splice(0), true);
        return;
      }
      const exclusive = picked.some(([, c]) => needsExclusive(c));
      if (this.inFlight > 0 && (exclusive || picked.length < CONCURRENT_BATCH_MIN)) return;
      for (const [id] of picked) seg.changes.delete(id);
      this.launch(picked, [], exclusive);
    }
  }

  /** Whether a change links to a ReplicaSet row that a batch in flight may insert, or is such a row for their pods. */
  private linksInFlight(c: Change): boolean {
    if (this.inFlightLinking.size === 0) return false;
    const owner = podOwner(c);
    const created = createdReplicaSet(c);
    if (owner === undefined && created === undefined) return false;
    for (const l of this.inFlightLinking) {
      if ((owner !== undefined && l.replicaSets.has(owner)) || (created !== undefined && l.owners.has(created))) return true;
    }
    return false;
  }

  private launch(picked: Array<[string, Change]>, sweeps: Sweep[], exclusive: boolean): void {
    this.s.maxInFlight = Math.max(this.s.maxInFlight, this.inFlight + 1);
    if (exclusive) this.exclusiveInFlight = true;
    const held = picked.flatMap(claims);
    for (const k of held) this.inFlightClaims.add(k);
    const linking: Linking = { replicaSets: new Set(), owners: new Set() };
    for (const [, c] of picked) {
      const owner = podOwner(c);
      if (owner !== undefined) linking.owners.add(owner);
      const created = createdReplicaSet(c);
      if (created !== undefined) linking.replicaSets.add(created);
    }
    this.inFlightLinking.add(linking);
    const run: Promise<void> = this.commit(
      picked.map(([, c]) => c),
      sweeps,
    ).finally(() => {
      if (exclusive) this.exclusiveInFlight = false;
      this.inFlightLinking.delete(linking);
      for (const k of held) this.inFlightClaims.delete(k);
      this.running.delete(run);
      this.releaseRoom();
      this.settle();
      if (this.pendingCount() > 0) this.kick();
    });
    this.running.add(run);
  }

  /** Commits one batch, retrying on connection loss; a batch that fails for another reason is bisected. */
  private async commit(batch: Change[], sweeps: Sweep[]): Promise<void> {
    for (;;) {
      try {
        const started = performance.now();
        const events = await this.transaction(batch, sweeps);
        this.s.transactionMs += performance.now() - started;
        if (this.failingSinceMs !== undefined) this.o.log.info({ retries: this.backoff.attempts }, 'database writable again');
        this.failingSinceMs = undefined;
        this.backoff.reset();
        this.s.batches++;
        this.s.changes += batch.length + sweeps.length;
        this.s.sweeps += sweeps.length;
        this.s.lastCommitAt = new Date();
        if (events.length > 0) {
          try {
            await this.o.eventBus.publish(events);
          } catch (err) {
            this.o.log.error({ err }, 'publishing change events failed');
          }
        }
        return;
      } catch (err) {
        if (this.stopController.signal.aborted) return;
        if (err instanceof LeaseLost) {
          this.loseLease(batch.length + sweeps.length);
          return;
        }
        if (isRetryable(err)) {
          this.failingSinceMs ??= Date.now();
          this.lastFailure = (err as Error).message;
          this.s.retries++;
          const delay = this.backoff.next();
          this.o.log.warn({ err: (err as Error).message, delayMs: delay, changes: batch.length }, 'batch failed; retrying');
          await sleep(delay, this.stopController.signal);
          continue;
        }
        if (batch.length + sweeps.length <= 1) {
          this.s.dropped++;
          const c = batch[0] ?? sweeps[0];
          this.o.log.error({ err, kind: c?.spec.kind, key: batch[0]?.key }, 'change cannot be written; skipped');
          return;
        }
        const half = Math.ceil(batch.length / 2);
        await this.commit(batch.slice(0, half), []);
        await this.commit(batch.slice(half), sweeps);
        return;
      }
    }
  }

  private async transaction(batch: Change[], sweeps: Sweep[]): Promise<ChangeEvent[]> {
    const qr = await acquireConnection(this.o.dataSource);
    const events: Array<Omit<ChangeEvent, 'committedAt'>> = [];
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
      await qr.commitTransaction();
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await releaseConnection(qr);
    }
    const committedAt = new Date();
    return events.map((e) => ({ ...e, committedAt }));
  }

  /**
   * Another replica took the cluster over (or this one held on past its lease): nothing queued may be written, and the
   * new holder lists everything again. Waiters are released so that flush() and stop() return.
   */
  private loseLease(changes: number): void {
    if (!this.leaseLost) this.o.log.error({ clusterId: this.o.clusterId, lease: this.o.lease }, 'lease on the cluster lost; writing nothing more');
    this.leaseLost = true;
    let dropped = changes;
    for (const seg of this.segments) {
      dropped += seg.changes.size + seg.sweeps.length;
      seg.changes.clear();
      seg.sweeps.length = 0;
    }
    this.s.dropped += dropped;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  /** Rows of a statement, whatever its kind (TypeORM shapes UPDATE results as [rows, count] otherwise). */
  private async rows<T = Record<string, unknown>>(qr: QueryRunner, sql: string, params: unknown[]): Promise<T[]> {
    const result = await qr.query(sql, params, true);
    return result.records as T[];
  }

  private event(spec: TableSpec, type: ChangeType, state: Record<string, unknown>, changedFields: string[]): Omit<ChangeEvent, 'committedAt'> {
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

  private async writeTable(qr: QueryRunner, spec: TableSpec, changes: Change[], events: Array<Omit<ChangeEvent, 'committedAt'>>): Promise<void> {
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

    const rowChanges = changes.filter((c): c is Extract<Change, { op: 'upsert' | 'delete' }> => c.op === 'upsert' || c.op === 'delete');
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
    changes: Array<Extract<Change, { op: 'upsert' | 'delete' }>>,
    events: Array<Omit<ChangeEvent, 'committedAt'>>,
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
    const cached = this.sqlCache.get(spec.table);
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
    this.sqlCache.set(spec.table, sql);
    return sql;
  }

  /** Bulk upsert; returns the keys of rows that were inserted (not updated). */
  private async upsert(
    qr: QueryRunner,
    spec: TableSpec,
    all: Array<Extract<Change, { op: 'upsert' | 'delete' }>>,
    events: Array<Omit<ChangeEvent, 'committedAt'>>,
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
    changes: Array<Extract<Change, { op: 'upsert' | 'delete' }>>,
    events: Array<Omit<ChangeEvent, 'committedAt'>>,
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
    const states: Array<[Extract<Change, { op: 'upsert' | 'delete' }>, Record<string, unknown>]> = [];
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
    this.s.copied += lines.length;
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
      for (const child of TABLE_ORDER.filter((t) => t.namespaced)) {
        await qr.query(
          `UPDATE ${child.table} c SET namespace_id = ns.id FROM k8s_namespaces ns
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

  private async sweep(qr: QueryRunner, sweep: Sweep, events: Array<Omit<ChangeEvent, 'committedAt'>>): Promise<void> {
    const { spec } = sweep;
    // NOT IN over a subquery is hashed; `<> ALL(array)` would compare every row with every key.
    const rows: Record<string, unknown>[] = await this.rows(qr,
      `UPDATE ${spec.table} t SET deleted_at = now(), synced_at = now()
       WHERE t.cluster_id = $1 AND t.deleted_at IS NULL AND (${spec.keySql.replace(/\b(namespace|name|uid)\b/g, 't.$1')}) NOT IN (SELECT unnest($2::text[]))
       RETURNING t.*`,
      [this.o.clusterId, sweep.present],
    );
    for (const r of rows) events.push(this.event(spec, 'DELETED', stateOf(spec, r), []));
  }
}

// Nodes are no parent: rows name their node, nothing links to its id.
const PARENTS: ReadonlySet<TableSpec> = new Set([NAMESPACES, DEPLOYMENTS]);

/**
 * Changes that may insert a parent row (a first sighting), which children written beside it in another transaction
 * would not see. Retiring one only sets deleted_at, which the lookups of deployments ignore, and which leaves a
 * namespace's children linked as if they had been written just before.
 */
function needsExclusive(c: Change): boolean {
  if (!PARENTS.has(c.spec) || (c.op !== 'upsert' && c.op !== 'delete')) return false;
  return c.added === true;
}

/**
 * What a change holds while its batch is in flight; batches in flight together share none of it. Its id, so that each
 * object's changes commit in order. And, in a table that also takes extras (policies on namespaces, mounts on claims),
 * the stored row it locks: an object's upsert and its row's extras are separate changes, so two batches in flight
 * could lock the same two rows through them in opposite orders (an upsert locks its row even when nothing changes)
 * and deadlock, which PostgreSQL takes a second to break.
 */
function claims([id, c]: [string, Change]): string[] {
  if (c.spec.extraColumns.length === 0) return [id];
  const where = c.op === 'extras' ? c.where : c.op === 'upsert' || c.op === 'delete' ? c.row : undefined;
  return where ? [id, `row:${c.spec.kind}:${String(where.namespace ?? '')}/${String(where.name)}`] : [id];
}

/** The ReplicaSet whose row a pod's deployment link is looked up through. */
function podOwner(c: Change): string | undefined {
  if (c.spec !== PODS || (c.op !== 'upsert' && c.op !== 'delete') || c.row.ownerKind !== 'ReplicaSet') return undefined;
  return String(c.row.ownerUid);
}

/** The uid of a ReplicaSet row the change may insert (a first sighting); its pods are linked in the same transaction. */
function createdReplicaSet(c: Change): string | undefined {
  if (c.spec !== REPLICA_SETS || (c.op !== 'upsert' && c.op !== 'delete') || !c.added) return undefined;
  return String(c.row.uid);
}

function coalesce(prev: Change, next: Change): Change {
  if (next.op === 'extras' || prev.op === 'extras') return next;
  const prevFields = prev.op === 'deleteKey' ? [] : prev.changedFields;
  if (next.op === 'deleteKey') {
    // The object vanished after a change we had not written yet: write its last state, marked deleted.
    if (prev.op === 'deleteKey') return next;
    return { op: 'delete', spec: prev.spec, key: prev.key, row: { ...prev.row, deletedAt: new Date().toISOString() }, changedFields: prevFields };
  }
  const fields = prevFields.length === 0 ? next.changedFields : [...new Set([...prevFields, ...next.changedFields])];
  const added = (prev.op !== 'deleteKey' && prev.added) || next.added;
  return { ...next, changedFields: fields, added };
}

