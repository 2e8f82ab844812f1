import type { EntityManager } from 'typeorm';

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
  /** Appending to the change log: held to commit, so that sequence order is commit order. */
  changeLog: 3,
} as const;

/** Waits for `lock`, then holds it until the transaction of `manager` ends. */
export async function lockForTransaction(manager: EntityManager, lock: (typeof AdvisoryLock)[keyof typeof AdvisoryLock]): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, lock]);
}

/** The advisory lock's SQL and parameters, for callers that run SQL without an EntityManager. */
export function transactionLockSql(lock: (typeof AdvisoryLock)[keyof typeof AdvisoryLock]): [string, unknown[]] {
  return ['SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, lock]];
}
