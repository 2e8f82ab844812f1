import type { DataSource } from 'typeorm';
import type { Config } from '../config.js';
import type { EventBus } from './event-bus.js';
import { PgNotifyEventBus } from './pg-notify-event-bus.js';

/**
 * The bus that reaches every process using the database: PostgreSQL NOTIFY on an external one (DATABASE_URL), where
 * several replicas and CLI commands meet, with NOTIFY sent from `pool` (opened only then); undefined on the embedded
 * one, which a single process holds.
 */
export async function sharedEventBus(config: Config, pool: () => Promise<DataSource>): Promise<EventBus | undefined> {
  return config.databaseUrl ? PgNotifyEventBus.create({ connectionString: config.databaseUrl, dataSource: await pool() }) : undefined;
}
