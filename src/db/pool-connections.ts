import type { Logger } from '../common/logger.js';
import type { DataSource, QueryRunner } from 'typeorm';

/*
 * Connections taken from a data source's pool by hand, and the pool's close.
 *
 * TypeORM (1.1.1) adds a query runner to its driver's list of connected runners when the runner's connection
 * arrives, even if the runner was released while it waited. release() of a released runner does nothing, so the
 * runner is never taken off that list, and DataSource.destroy() (PostgresDriver.closePool: "while the list is not
 * empty, release its first runner") then loops on microtasks forever, with no timer able to interrupt it, and the
 * pooled connection is never returned. A runner must therefore be released only once its connect() has settled:
 * every runner this project creates goes through acquireConnection(), which guarantees that.
 */

/** A connected query runner; when the connection fails, the runner is released and nothing is left behind. */
export async function acquireConnection(dataSource: DataSource): Promise<QueryRunner> {
  const qr = dataSource.createQueryRunner();
  try {
    await qr.connect();
  } catch (err) {
    // connect() has settled (rejected): releasing now is safe.
    await qr.release().catch(() => undefined);
    throw err;
  }
  return qr;
}

/** Returns a runner from acquireConnection() to the pool; never throws (a broken connection is discarded by the pool). */
export async function releaseConnection(qr: QueryRunner): Promise<void> {
  await qr.release().catch(() => undefined);
}

/**
 * Opens `count` connections at once and returns them to the pool, each only after every connect has settled, so that
 * the pool holds that many open connections for the work to come. Resolves to how many connected; never rejects.
 */
export async function warmConnections(dataSource: DataSource, count: number): Promise<number> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => acquireConnection(dataSource)));
  const connected = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  await Promise.all(connected.map(releaseConnection));
  return connected.length;
}

/** What a pg pool reports of itself (pg-pool's public counters). */
export interface PoolCounters {
  /** Connections open or being opened. */
  totalCount: number;
  /** Open connections no one holds. */
  idleCount: number;
  /** Requests waiting for a connection. */
  waitingCount: number;
}

/** The driver internals closeDataSource() reads: TypeORM's list of connected runners and the pg pool. */
interface PostgresDriverInternals {
  connectedQueryRunners?: QueryRunner[];
  master?: PoolCounters;
}

/** The counters of a data source's pg pool; undefined before it is initialised or once it is closed. */
export function poolCounters(dataSource: DataSource): PoolCounters | undefined {
  if (!dataSource.isInitialized) return undefined;
  return (dataSource.driver as unknown as PostgresDriverInternals).master;
}

export interface CloseResult {
  /** The pool closed within the wait. */
  closed: boolean;
  /** Connections still checked out (in use) when the wait ran out: abandoned, left to the process's exit. */
  abandoned: number;
}

/**
 * Closes a data source's pool, waiting at most `timeoutMs` for connections still in use to come back; what it had to
 * abandon is logged. Runners released before they connected but listed since (see the top of this file) are released
 * again first, so that destroy() cannot spin on them.
 */
export async function closeDataSource(dataSource: DataSource, opts: { timeoutMs: number; log?: Logger }): Promise<CloseResult> {
  if (!dataSource.isInitialized) return { closed: true, abandoned: 0 };
  const driver = dataSource.driver as unknown as PostgresDriverInternals;
  const listed = driver.connectedQueryRunners;
  const stale = listed?.filter((qr) => qr.isReleased) ?? [];
  if (stale.length > 0) {
    // Released before their connection arrived: released again for real, which returns the connection to the pool
    // and takes the runner off the list.
    for (const qr of stale) {
      (qr as { isReleased: boolean }).isReleased = false;
      await releaseConnection(qr);
    }
    opts.log?.warn({ runners: stale.length }, 'query runners released before they connected still held connections; returned them before closing the pool');
  }
  const pool = driver.master;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
  });
  const destroyed = dataSource.destroy().then(
    () => 'closed' as const,
    (err: unknown) => err,
  );
  const outcome = await Promise.race([destroyed, timedOut]);
  clearTimeout(timer);
  if (outcome === 'closed') return { closed: true, abandoned: 0 };
  if (outcome === 'timeout') {
    const abandoned = pool ? pool.totalCount - pool.idleCount : (listed?.length ?? 0);
    opts.log?.warn(
      { waitedMs: opts.timeoutMs, abandoned, connecting: pool?.waitingCount ?? 0, runners: listed?.length ?? 0 },
      'database pool not closed in time; abandoning the connections still in use',
    );
    return { closed: false, abandoned };
  }
  opts.log?.warn({ err: outcome instanceof Error ? outcome.message : String(outcome) }, 'closing the database pool failed');
  return { closed: false, abandoned: pool ? pool.totalCount - pool.idleCount : 0 };
}
