import type { Command } from 'commander';
import { loadConfig } from '../common/config.js';
import { isRole, ROLES } from '../graphql/roles.js';

/** Longer is as good as never expiring, and far enough beyond it the date cannot be stored at all. */
const MAX_EXPIRY_DAYS = 36_500;

function parseExpiry(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const m = /^(\d+)d$/.exec(value.trim());
  if (!m || Number(m[1]) < 1) throw new Error(`--expires-in must be a number of days such as 30d (got "${value}")`);
  if (Number(m[1]) > MAX_EXPIRY_DAYS) {
    throw new Error(`--expires-in must be at most ${MAX_EXPIRY_DAYS}d (100 years); leave it out for a token that never expires (got "${value}")`);
  }
  return new Date(Date.now() + Number(m[1]) * 86_400_000);
}

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an API token (and its organisation, if new) and print the secret once')
    .requiredOption('--org <name>', 'organisation name; created when it does not exist')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--name <name>', 'a name to tell the token apart', 'cli')
    .option('--expires-in <days>', 'expire after this many days, e.g. 90d (default: never)')
    .action(async (opts: { org: string; role: string; name: string; expiresIn?: string }) => {
      const { role } = opts;
      if (!isRole(role)) throw new Error(`--role must be one of ${ROLES.join(', ')} (got "${role}")`);
      const expiresAt = parseExpiry(opts.expiresIn);
      const config = loadConfig();
      // Loaded on use, so that `kubegraph --help` and other commands start fast.
      const { withMigratedDatabase } = await import('../db/migrated-database.js');
      const { ApiTokenService } = await import('./api-token.service.js');
      await withMigratedDatabase(
        config,
        async ({ dataSource }) => {
          // One transaction: an organisation is not created for a token that is refused.
          const { org, created } = await dataSource.transaction(async (tx) => {
            const tokens = new ApiTokenService(dataSource, tx);
            const ensured = await tokens.ensureOrganization(opts.org);
            return { org: ensured, created: await tokens.create({ organizationId: ensured.id, name: opts.name, role, expiresAt }) };
          });
          process.stderr.write(
            `${org.created ? 'created organisation' : 'organisation'} "${org.name}"; created ${created.token.role} token "${created.token.name}"` +
              `${expiresAt ? ` expiring ${expiresAt.toISOString()}` : ''}. The secret is shown only this once:\n`,
          );
          // The secret alone on stdout, so that `TOKEN=$(kubegraph token create ...)` works.
          process.stdout.write(`${created.secret}\n`);
        },
        { whileServed: 'use the createApiToken mutation of its GraphQL API' },
      );
    });
}
