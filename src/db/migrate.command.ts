import type { Command } from 'commander';
import { loadConfig } from '../common/config.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending schema migrations to DATABASE_URL (the embedded database when it is unset)')
    .option('--revert', 'revert the most recent migration instead (repeat to revert more)')
    .action(async (opts: { revert?: boolean }) => {
      const config = loadConfig();
      // Loaded on use, so that `kubegraph --help` and other commands start fast.
      const { openDatabase } = await import('./database.js');
      const { appliedMigrations, applyMigrations, revertLastMigration } = await import('./migration-runner.js');
      const db = await openDatabase(config);
      try {
        if (opts.revert) {
          const reverted = await revertLastMigration(db.dataSource);
          const left = (await appliedMigrations(db.dataSource)).length;
          process.stdout.write(
            reverted ? `reverted ${reverted} on ${db.description}; ${left} migration(s) remain applied\n` : `no migration is applied on ${db.description}; nothing to revert\n`,
          );
        } else {
          const applied = await applyMigrations(db.dataSource);
          const total = (await appliedMigrations(db.dataSource)).length;
          process.stdout.write(
            applied.length > 0
              ? `applied ${applied.join(', ')} on ${db.description}; ${total} migration(s) applied in all\n`
              : `schema is up to date on ${db.description} (${total} migration(s) applied)\n`,
          );
        }
      } finally {
        await db.close();
      }
    });
}
