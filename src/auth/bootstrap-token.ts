import type { DataSource } from 'typeorm';
import type { Config } from '../common/config.js';
import { ApiTokenService } from './api-token.service.js';

export const BOOTSTRAP_ORGANIZATION = 'default';

export interface BootstrapToken {
  organizationName: string;
  secret: string;
}

/**
 * On the very first start of the embedded default (no DATABASE_URL, no API token anywhere), creates an
 * admin token for the `default` organisation so a new user can open GraphiQL at once. Returns it for
 * printing, once; returns null on every later start and whenever DATABASE_URL is set (production
 * databases get their tokens from `kubegraph token create`).
 */
export async function ensureBootstrapToken(dataSource: DataSource, config: Config): Promise<BootstrapToken | null> {
  if (config.databaseUrl) return null;
  return dataSource.transaction(async (manager) => {
    // Serialises concurrent first starts: only one of them may find the table empty.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('kubegraph.bootstrap-token'))`);
    const [{ exists }] = await manager.query(`SELECT EXISTS (SELECT 1 FROM api_tokens) AS exists`);
    if (exists) return null;
    const tokens = new ApiTokenService(manager.connection, manager);
    const org = await tokens.ensureOrganization(BOOTSTRAP_ORGANIZATION);
    const created = await tokens.create({ organizationId: org.id, name: 'bootstrap admin', role: 'admin' });
    return { organizationName: org.name, secret: created.secret };
  });
}

/** What the first start prints: the secret appears here and nowhere else (never in the logs). */
export function bootstrapMessage(token: BootstrapToken, graphiqlUrl: string): string {
  return [
    '',
    `First start: created an admin API token for organisation "${token.organizationName}". It is shown only this once:`,
    '',
    `    ${token.secret}`,
    '',
    `Open ${graphiqlUrl} and put it in the Headers tab:  { "Authorization": "Bearer ${token.secret}" }`,
    'More tokens: kubegraph token create --org ORG --role admin|editor|viewer',
    '',
  ].join('\n');
}
