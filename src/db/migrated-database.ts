import type { Config } from '../config.js';
import { type OpenDatabase, openDatabase } from './database.js';
import { EmbeddedPostgresError } from './embedded-postgres.js';
import { applyMigrations, pendingMigrations } from './migration-runner.js';

export interface MigratedDatabaseOptions {
  /** Bring the embedded database up to date, as `serve` would, instead of refusing it. */
  migrateEmbedded?: boolean;
  /** What else to suggest when a running `serve` holds the embedded database, after "stop that kubegraph serve first". */
  whileServed?: string;
}

/**
 * Opens the database for one CLI command, refuses to go on while migrations are pending (an external database
 * is migrated with `kubegraph migrate`), runs `fn` and closes the database whatever happens.
 */
export async function withMigratedDatabase<T>(config: Config, fn: (db: OpenDatabase) => Promise<T>, opts: MigratedDatabaseOptions = {}): Promise<T> {
  const db = await openDatabase(config, { poolSize: 2, applicationName: 'kubegraph-cli' }).catch((err: unknown) => {
    // The embedded database belongs to one process at a time.
    if (err instanceof EmbeddedPostgresError && /in use by process/.test(err.message)) {
      throw new Error(`${err.message}: stop that kubegraph serve first${opts.whileServed ? `, or ${opts.whileServed}` : ''}`);
    }
    throw err;
  });
  try {
    const pending = await pendingMigrations(db.dataSource);
    if (pending.length > 0) {
      if (!opts.migrateEmbedded || !db.embedded) {
        throw new Error(`the schema on ${db.description} is not up to date (${pending.length} migration(s) pending): run "kubegraph migrate" first`);
      }
      await applyMigrations(db.dataSource);
    }
    return await fn(db);
  } finally {
    await db.close();
  }
}
