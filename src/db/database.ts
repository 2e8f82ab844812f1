import type { DataSource } from 'typeorm';
import type { Config, DatabasePart } from '../common/config.js';
import { logger } from '../common/logger.js';
import { createDataSource } from './data-source.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { closeDataSource } from './pool-connections.js';

const log = logger.child({ component: 'database' });

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

export interface OpenDatabase {
  /** The pool of the part the database was opened for (`openDatabase`'s `part`). */
  dataSource: DataSource;
  /** The pool of `part` (application_name `kubegraph-<part>`, at most `config.poolMax[part]` connections), opened on first use. */
  pool(part: DatabasePart): Promise<DataSource>;
  /** The pools opened so far, by part. */
  readonly pools: ReadonlyMap<DatabasePart, DataSource>;
  /** Where it is, without credentials: `host:port/database` (or "embedded …"). */
  description: string;
  /** Set when the server was started by this process. */
  embedded: EmbeddedPostgres | undefined;
  /**
   * Closes every pool, waiting at most `timeoutMs` (default 5 s) for connections in use and logging what it had to
   * abandon, then stops the embedded server if there is one.
   */
  close(timeoutMs?: number): Promise<void>;
}

/** host:port/database of a connection string; the password never appears in output. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return 'DATABASE_URL';
  }
}

export interface OpenDatabaseOptions {
  /** The part whose pool is opened at once, as `dataSource` (default `cli`: every command but serve). */
  part?: DatabasePart;
}

/** The application_name a part connects with. */
export function applicationNameOf(part: DatabasePart): string {
  return `kubegraph-${part}`;
}

/**
 * The configured database (DATABASE_URL), or the embedded PostgreSQL in the data directory when it is
 * unset, with one pool per part of kubegraph. Connection failures become one clear DatabaseError; the
 * connect timeout keeps them quick.
 */
export async function openDatabase(config: Config, opts: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  let description: string;
  if (url) {
    description = describeDatabaseUrl(url);
  } else {
    embedded = await EmbeddedPostgres.start({ dataDir: config.dataDir, port: config.embeddedPostgresPort });
    url = embedded.url;
    description = `embedded PostgreSQL on 127.0.0.1:${embedded.port} (files in ${embedded.clusterDir})`;
  }
  const connectionString = url;
  const pools = new Map<DatabasePart, DataSource>();
  const opening = new Map<DatabasePart, Promise<DataSource>>();
  let closing = false;
  const pool = (part: DatabasePart): Promise<DataSource> => {
    // A pool opened now would outlive close() and keep the process alive.
    if (closing) return Promise.reject(new DatabaseError(`the database is closing; no ${applicationNameOf(part)} connections are opened`));
    let open = opening.get(part);
    if (!open) {
      const dataSource = createDataSource(connectionString, {
        poolSize: config.poolMax[part],
        applicationName: applicationNameOf(part),
        connectTimeoutMs: 5000,
      });
      open = dataSource.initialize().then(
        () => {
          pools.set(part, dataSource);
          return dataSource;
        },
        (err: unknown) => {
          // Forgotten, so that a later call tries again (the database may be back by then).
          opening.delete(part);
          const reason = err instanceof Error ? err.message : String(err);
          throw new DatabaseError(`cannot connect to PostgreSQL at ${description}: ${reason || 'connection failed'}`);
        },
      );
      opening.set(part, open);
    }
    return open;
  };
  let dataSource: DataSource;
  try {
    dataSource = await pool(opts.part ?? 'cli');
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  return {
    dataSource,
    pool,
    pools,
    description,
    embedded,
    async close(timeoutMs = 5000) {
      closing = true;
      // Pools still connecting are closed once they have (or have failed to).
      await Promise.allSettled(opening.values());
      await Promise.all([...pools.values()].map((ds) => closeDataSource(ds, { timeoutMs, log })));
      await embedded?.stop();
    },
  };
}
