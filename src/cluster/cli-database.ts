import type { DataSource } from 'typeorm';
import { checkOrganizationName } from '../auth/api-token.service.js';
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
            bus ??= await sharedEventBus(config, async () => dataSource);
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

/** An organisation that exists, or one a registration is to create in its own transaction (`id` absent). */
export interface CliOrganization {
  id?: string;
  name: string;
}

/**
 * The organisation a CLI command acts on: `--org` when given, else the only one there is, else `default`. With
 * `create`, a missing one comes back without an id, for the registration to create with its cluster, so that a
 * failed registration leaves no organisation behind; without, a missing one is an error.
 */
export async function resolveCliOrganization(dataSource: DataSource, name: string | undefined, opts: { create: true }): Promise<CliOrganization>;
export async function resolveCliOrganization(dataSource: DataSource, name: string | undefined, opts: { create: false }): Promise<Required<CliOrganization>>;
export async function resolveCliOrganization(dataSource: DataSource, name: string | undefined, opts: { create: boolean }): Promise<CliOrganization> {
  if (name !== undefined) {
    const wanted = opts.create ? checkOrganizationName(name) : name;
    const rows: Array<{ id: string; name: string }> = await dataSource.query(`SELECT id, name FROM organizations WHERE name = $1`, [wanted]);
    if (rows[0]) return rows[0];
    if (opts.create) return { name: wanted };
    throw new Error(`there is no organisation named "${name}"`);
  }
  const all: Array<{ id: string; name: string }> = await dataSource.query(`SELECT id, name FROM organizations ORDER BY name LIMIT 11`);
  if (all.length === 1) return all[0]!;
  if (all.length > 1) {
    const names = all.slice(0, 10).map((o) => o.name).join(', ');
    throw new Error(`there are several organisations (${names}${all.length > 10 ? ', …' : ''}); choose one with --org`);
  }
  if (!opts.create) throw new Error('there are no organisations yet; register a cluster first');
  return { name: 'default' };
}
