import type { DataSource } from 'typeorm';
import { migrations } from './migrations.js';

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

/** Applies every pending migration, each in its own transaction; returns their names. */
export async function applyMigrations(dataSource: DataSource): Promise<string[]> {
  const done = await dataSource.runMigrations({ transaction: 'each' });
  return done.map((m) => m.name);
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
