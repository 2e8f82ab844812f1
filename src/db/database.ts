import type { DataSource } from 'typeorm';
import type { Config } from '../common/config.js';
import { logger } from '../common/logger.js';
import { createDataSource, type DataSourceOptions } from './data-source.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { closeDataSource } from './pool-connections.js';

const log = logger.child({ component: 'database' });

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

export interface OpenDatabase {
  dataSource: DataSource;
  /** Where it is, without credentials: `host:port/database` (or "embedded …"). */
  description: string;
  /** Set when the server was started by this process. */
  embedded: EmbeddedPostgres | undefined;
  /**
   * Closes the pool, waiting at most `timeoutMs` (default 5 s) for connections in use and logging what it had to
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

/**
 * The configured database (DATABASE_URL), or the embedded PostgreSQL in the data directory when it is
 * unset. Connection failures become one clear DatabaseError; the connect timeout keeps them quick.
 */
export async function openDatabase(config: Config, opts: DataSourceOptions = {}): Promise<OpenDatabase> {
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
  const dataSource = createDataSource(url, { connectTimeoutMs: 5000, ...opts });
  try {
    await dataSource.initialize();
  } catch (err) {
    await embedded?.stop();
    const reason = err instanceof Error ? err.message : String(err);
    throw new DatabaseError(`cannot connect to PostgreSQL at ${description}: ${reason || 'connection failed'}`);
  }
  return {
    dataSource,
    description,
    embedded,
    async close(timeoutMs = 5000) {
      await closeDataSource(dataSource, { timeoutMs, log });
      await embedded?.stop();
    },
  };
}
