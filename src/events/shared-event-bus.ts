import type { DataSource } from 'typeorm';
import { ChangeLogBus } from './change-log-bus.js';

/**
 * The bus that reaches every process using the database through its change log: replicas, CLI commands, and the
 * embedded database alike. Its listening connection uses the data source's own connection string.
 */
export function sharedEventBus(dataSource: DataSource): ChangeLogBus {
  const url = (dataSource.options as { url?: unknown }).url;
  if (typeof url !== 'string') throw new Error('the change log needs a data source opened from a connection string');
  return new ChangeLogBus({ connectionString: url, dataSource });
}
