import type { DataSource } from 'typeorm';
import { ApiTokenService } from '../auth/api-token.service.js';
import { loadConfig, type Config } from '../config.js';
import { withMigratedDatabase } from '../db/migrated-database.js';
import type { EventBus } from '../events/event-bus.js';
import { sharedEventBus } from '../events/shared-event-bus.js';
import { resolveKubeconfigCrypto } from './key-store.js';
import type { KubeconfigCrypto } from './kubeconfig-crypto.js';

export interface CliDatabase {
  config: Config;
  dataSource: DataSource;
  crypto: KubeconfigCrypto;
  /**
   * Reaches the subscribers of running servers on an external database (PostgreSQL NOTIFY, as `serve` uses);
   * undefined on the embedded one, which no server can share while this command holds it.
   */
  openEventBus(): Promise<EventBus | undefined>;
}

/** Opens the database for one CLI command, migrated as withMigratedDatabase does, and closes it afterwards. */
export async function withCliDatabase<T>(fn: (db: CliDatabase) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const crypto = await resolveKubeconfigCrypto(config);
  return withMigratedDatabase(
    config,
    async ({ dataSource }) => {
      let bus: EventBus | undefined;
      try {
        return await fn({
          config,
          dataSource,
          crypto,
          openEventBus: async () => {
            bus ??= await sharedEventBus(config, dataSource);
            return bus;
          },
        });
      } finally {
        await bus?.close();
      }
    },
    // A running `serve` can register clusters through GraphQL.
    { whileServed: 'use the registerCluster mutation of its GraphQL API' },
  );
}

/**
 * The organisation a CLI command acts on: `--org` when given (created on registration if new), else the only
 * one there is, else `default` (created when there are none).
 */
export async function resolveCliOrganization(
  dataSource: DataSource,
  name: string | undefined,
  opts: { create: boolean },
): Promise<{ id: string; name: string; created: boolean }> {
  const tokens = new ApiTokenService(dataSource);
  if (name !== undefined) {
    if (opts.create) return tokens.ensureOrganization(name);
    const rows: Array<{ id: string; name: string }> = await dataSource.query(`SELECT id, name FROM organizations WHERE name = $1`, [name]);
    if (!rows[0]) throw new Error(`there is no organisation named "${name}"`);
    return { ...rows[0], created: false };
  }
  const all: Array<{ id: string; name: string }> = await dataSource.query(`SELECT id, name FROM organizations ORDER BY name LIMIT 11`);
  if (all.length === 1) return { ...all[0]!, created: false };
  if (all.length > 1) {
    const names = all.slice(0, 10).map((o) => o.name).join(', ');
    throw new Error(`there are several organisations (${names}${all.length > 10 ? ', …' : ''}); choose one with --org`);
  }
  if (!opts.create) throw new Error('there are no organisations yet; register a cluster first');
  return tokens.ensureOrganization('default');
}
