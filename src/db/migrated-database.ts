import type { Config } from '../common/config.js';
import { type OpenDatabase, openDatabase } from './database.js';
import { EmbeddedPostgresError } from './embedded-postgres.js';
import { applyMigrations, pendingMigrations } from './migration-runner.js';

export interface MigratedDatabaseOptions {
  /** What else to suggest when a running `serve` holds the embedded database, after "stop that kubegraph serve first". */
  whileServed?: string;
}

/**
 * Opens the database for one CLI command, runs `fn` and closes the database whatever happens. The embedded
 * database belongs to this process while the command runs, so pending migrations are applied to it as `serve`
 * would (and said on stderr); an external one may be shared with running servers and must be migrated with
 * `kubegraph migrate`, so pending migrations there stop the command before it changes anything.
 */
export async function withMigratedDatabase<T>(config: Config, fn: (db: OpenDatabase) => Promise<T>, opts: MigratedDatabaseOptions = {}): Promise<T> {
  const db = await openDatabase(config, { part: 'cli' }).catch((err: unknown) => {
    // The embedded database belongs to one process at a time.
    if (err instanceof EmbeddedPostgresError && /in use by process/.test(err.message)) {
      throw new Error(`${err.message}: stop that kubegraph serve first${opts.whileServed ? `, or ${opts.whileServed}` : ''}`);
    }
    throw err;
  });
  try {
    const pending = await pendingMigrations(db.dataSource);
    if (pending.length > 0) {
      if (!db.embedded) {
        throw new Error(`the schema on ${db.description} is not up to date (${pending.length} migration(s) pending): run "kubegraph migrate" first`);
      }
      const applied = await applyMigrations(db.dataSource);
      // stderr: stdout carries the command's own output (a token secret, a table) for scripts.
      process.stderr.write(`applied ${applied.length} pending migration(s) to the ${db.description}\n`);
    }
    return await fn(db);
  } finally {
    await db.close();
  }
}
