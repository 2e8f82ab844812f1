import 'reflect-metadata';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { entities } from './entities/index.js';
import { migrations } from './migrations.js';

export interface DataSourceOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Give up connecting after this long (default 5 s), so an unreachable server fails fast. */
  connectTimeoutMs?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** A TypeORM logger, e.g. to count statements in tests. */
  logger?: TypeOrmLogger;
}

/**
 * The one way to reach PostgreSQL: every entity and migration registered, never `synchronize`
 * (the schema is the migrations' SQL). Call `initialize()` on the result.
 */
export function createDataSource(url: string, opts: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'migrations',
    // Each migration in its own transaction: PostgreSQL DDL is transactional, so a failed one leaves nothing.
    migrationsTransactionMode: 'each',
    // gen_random_uuid() is built into PostgreSQL 13+; no extension is needed or installed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Counts and sums of bigints come back as numbers; ours stay far below 2^53.
    parseInt8: true,
    poolSize: opts.poolSize ?? 10,
    connectTimeoutMS: opts.connectTimeoutMs ?? 5000,
    applicationName: opts.applicationName ?? 'kubegraph',
    logger: opts.logger,
    logging: opts.logger ? 'all' : false,
  });
}
