import { type DataSource, MigrationExecutor } from 'typeorm';
import { AdvisoryLock, withSessionLock } from './advisory-locks.js';
import { migrations } from './migrations.js';
import { acquireConnection, releaseConnection } from './pool-connections.js';

const MIGRATIONS_TABLE = 'migrations';

/** Names of the migrations recorded as applied, oldest first (none when the bookkeeping table is absent). */
export async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
  const [{ exists }] = await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [MIGRATIONS_TABLE]);
  if (!exists) return [];
  const rows: Array<{ name: string }> = await dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
  return rows.map((r) => r.name);
}

/** Migrations this build knows and the database has not applied yet. */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = new Set(await appliedMigrations(dataSource));
  return migrations.map((m) => new m().name ?? m.name).filter((name) => !applied.has(name));
}

/**
 * Applies every pending migration, each in its own transaction; returns their names. Replicas started together on an
 * empty database would otherwise run the same migrations at once, all but one failing: they take turns under an advisory
 * lock, on the connection that runs the migrations, and those coming later find nothing pending.
 */
export async function applyMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = await acquireConnection(dataSource);
  try {
    return await withSessionLock(runner, AdvisoryLock.migrations, async () => {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return (await executor.executePendingMigrations()).map((m) => m.name);
    });
  } finally {
    await releaseConnection(runner);
  }
}

/**
 * Reverts the most recent migration; returns its name, or null when none is applied. Once the last
 * one is reverted the bookkeeping table goes too, so repeated reverts leave an empty database.
 */
export async function revertLastMigration(dataSource: DataSource): Promise<string | null> {
  const applied = await appliedMigrations(dataSource);
  if (applied.length === 0) {
    await dataSource.query(`DROP TABLE IF EXISTS ${MIGRATIONS_TABLE}`);
    return null;
  }
  await dataSource.undoLastMigration({ transaction: 'each' });
  if (applied.length === 1) await dataSource.query(`DROP TABLE IF EXISTS ${MIGRATIONS_TABLE}`);
  return applied[applied.length - 1];
}
