import type { EntityManager, QueryRunner } from 'typeorm';

/**
 * Class of the two-key advisory locks (classid, objid) that keep replicas from running the same job at once;
 * 0x6b67 is "kg", apart from the single-key locks used elsewhere.
 */
const LOCK_CLASS = 0x6b67;

/** The objids under that class: one per job. */
export const AdvisoryLock = {
  /** Creating, filling and dropping the monthly partitions of a table (partition maintenance). */
  partitionMaintenance: 1,
  /** Rewriting the cost rows of an hour or a day (cost roll-up). */
  costRollup: 2,
  /** Applying migrations: replicas started together on one database take turns. */
  migrations: 3,
  /** Appending to the change log: held to commit, so that sequence order is commit order. */
  changeLog: 4,
} as const;

type Lock = (typeof AdvisoryLock)[keyof typeof AdvisoryLock];

/** Waits for `lock`, then holds it until the transaction of `manager` ends. */
export async function lockForTransaction(manager: EntityManager, lock: Lock): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, lock]);
}

/**
 * Waits for `lock` on the connection of `runner`, runs `fn` and lets the lock go: for work of several transactions. The
 * lock is a session's, so it is released here before the connection goes back to the pool (or ends with a broken one).
 */
export async function withSessionLock<T>(runner: QueryRunner, lock: Lock, fn: () => Promise<T>): Promise<T> {
  await runner.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, lock]);
  try {
    return await fn();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, lock]).catch(() => undefined);
  }
}

/** The advisory lock's SQL and parameters, for callers that run SQL without an EntityManager. */
export function transactionLockSql(lock: Lock): [string, unknown[]] {
  return ['SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, lock]];
}
