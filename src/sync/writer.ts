import type { DataSource } from 'typeorm';
import { isDatabaseUnavailable, sqlstateOf } from '../db/database-errors.js';
import { warmConnections } from '../db/pool-connections.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../common/logger.js';
import { Backoff, sleep } from './backoff.js';
import { BatchSink, LeaseLost } from './batch-sink.js';
import { type Batch, type Change, ChangeQueue, type Sweep } from './change-queue.js';
import type { TableSpec } from './inventory-tables.js';
import type { LeaseGrant } from './ownership.js';
import type { Row } from './row-digest.js';
import type { ClusterSyncMetrics } from './sync-metrics.js';

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
  /** Where commits are reported on /metrics. */
  metrics?: ClusterSyncMetrics;
}

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

/** Errors after which the same batch can succeed: the database went away, or a transient conflict (serialization, deadlock). */
function isRetryable(err: unknown): boolean {
  return isDatabaseUnavailable(err) || ['40001', '40P01'].includes(sqlstateOf(err));
}

/**
 * Turns the reflectors' changes into transactions: changes are coalesced per object (the latest state wins) in a
 * ChangeQueue, cut into batches by count and by a few milliseconds, and each batch is written by the BatchSink as one
 * transaction. Events are published only after COMMIT. A batch that fails because the database went away is retried,
 * in order, until it commits; nothing is dropped, and changes arriving meanwhile queue (coalesced) behind it.
 */
export class Writer {
  private readonly queue = new ChangeQueue();
  private readonly sink: BatchSink;
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
  private readonly running = new Set<Promise<void>>();
  private readonly roomWaiters: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly s: Omit<WriterStats, 'pending' | 'copied'> = { batches: 0, changes: 0, retries: 0, dropped: 0, lastCommitAt: undefined, transactionMs: 0, maxInFlight: 0, sweeps: 0 };
  /** Whether the last attempt to write failed (the database is unavailable), for health reporting. */
  private failingSinceMs: number | undefined;
  private lastFailure: string | undefined;
  /** The lease was found lost: everything queued and enqueued from then on is dropped. */
  private leaseLost = false;
  /** warm()'s connections, until they are back in the pool. */
  private warming: Promise<void> | undefined;
  /** Changes are stamped with when they arrive (steady, and reporting metrics). */
  private stamping = false;

  constructor(private readonly o: WriterOptions) {
    this.sink = new BatchSink({ dataSource: o.dataSource, clusterId: o.clusterId, organizationId: o.organizationId, extras: o.extras, lease: o.lease });
    this.maxBatch = o.maxBatch ?? 1000;
    this.batchCap = this.maxBatch;
    this.steadyMaxBatch = Math.min(o.steadyMaxBatch ?? this.maxBatch, this.maxBatch);
    this.lingerMs = o.lingerMs ?? 20;
    this.concurrency = o.concurrency ?? 2;
  }

  /**
   * Opens the connections of the transactions to come (up to `concurrency`) while there is nothing to write yet, so
   * that the first batches of a sync do not wait for PostgreSQL to start a backend (tens of milliseconds each).
   */
  warm(): Promise<void> {
    // A database that cannot be reached now is left to the batches, which retry. stop() waits for this, so that no
    // connection arrives after the writer has stopped.
    this.warming ??= warmConnections(this.o.dataSource, this.concurrency).then(() => undefined);
    return this.warming;
  }

  enqueue(change: Change): void {
    if (this.leaseLost) return;
    // Initial lists are not changes: their objects have no moment to measure a lag from.
    if (this.stamping) change.seenAt = performance.now();
    this.queue.enqueue(change);
    this.schedule();
  }

  /** Queued after every change enqueued so far, and before any enqueued later. */
  enqueueSweep(sweep: Sweep): void {
    if (this.leaseLost) return;
    this.queue.enqueueSweep(sweep);
    this.schedule();
  }

  /**
   * undefined while fewer than `limit` changes wait to be written; otherwise a promise that resolves once they have
   * drained below it. Reflectors await it so that a slow database holds them back instead of filling memory.
   */
  whenRoom(limit = this.maxBatch): Promise<void> | undefined {
    if (this.queue.pending < limit || this.stopController.signal.aborted) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private releaseRoom(): void {
    if (this.roomWaiters.length === 0 || this.queue.pending >= this.maxBatch) return;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  /** Resolves when every change enqueued before the call is committed (and its events published). */
  flush(): Promise<void> {
    const done = this.queue.whenDone();
    this.schedule(true);
    return done;
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

  /** The initial lists are written: from now on batches are at most steadyMaxBatch changes, and changes are timed. */
  steady(): void {
    this.batchCap = this.steadyMaxBatch;
    this.stamping = this.o.metrics !== undefined;
  }

  /**
   * Slices keep a burst's first changes from waiting on the whole burst's transaction, but cost more time per
   * change: a writer that has fallen a full maxBatch behind goes back to big batches until it has caught up.
   */
  private cap(): number {
    return this.batchCap < this.maxBatch && this.queue.pending >= this.maxBatch ? this.maxBatch : this.batchCap;
  }

  stats(): WriterStats {
    return { ...this.s, pending: this.queue.pending, copied: this.sink.copied };
  }

  /** The reason the database is failing, while it is. */
  failure(): { since: number; message: string } | undefined {
    return this.failingSinceMs === undefined ? undefined : { since: this.failingSinceMs, message: this.lastFailure ?? '' };
  }

  private schedule(now = false): void {
    if (this.stopController.signal.aborted) return;
    if (now || this.queue.inFlight > 0 || this.queue.pending >= this.cap()) {
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

  /** Starts batches, up to `concurrency` transactions at once (the queue decides which may run side by side). */
  private kick(): void {
    while (!this.stopController.signal.aborted && this.queue.inFlight < this.concurrency) {
      const batch = this.queue.take(this.cap(), CONCURRENT_BATCH_MIN);
      if (!batch) return;
      this.launch(batch);
    }
  }

  private launch(batch: Batch): void {
    this.s.maxInFlight = Math.max(this.s.maxInFlight, this.queue.inFlight);
    const run: Promise<void> = this.commit(batch.changes, batch.sweeps).finally(() => {
      this.running.delete(run);
      this.queue.done(batch);
      this.releaseRoom();
      if (this.queue.pending > 0) this.kick();
    });
    this.running.add(run);
  }

  /** Commits one batch, retrying on connection loss; a batch that fails for another reason is bisected. */
  private async commit(batch: Change[], sweeps: Sweep[]): Promise<void> {
    for (;;) {
      try {
        const started = performance.now();
        const events = await this.sink.write(batch, sweeps);
        const ms = performance.now() - started;
        this.s.transactionMs += ms;
        this.o.metrics?.committed(batch, sweeps.length, ms / 1000);
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

  /**
   * Another replica took the cluster over (or this one held on past its lease): nothing queued may be written, and the
   * new holder lists everything again. Waiters are released so that flush() and stop() return.
   */
  private loseLease(changes: number): void {
    if (!this.leaseLost) this.o.log.error({ clusterId: this.o.clusterId, lease: this.o.lease }, 'lease on the cluster lost; writing nothing more');
    this.leaseLost = true;
    this.s.dropped += changes + this.queue.clear();
    for (const w of this.roomWaiters.splice(0)) w();
  }
}
