import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { registerClusterCommands } from './cluster/cluster.commands.js';
import { registerKeysCommands } from './cluster/keys.commands.js';
import { registerTokenCommand } from './auth/token.command.js';
import { ConfigError } from './common/config.js';
import { logToStderr } from './common/logger.js';
import { registerCostCommand } from './cost/cost.command.js';
import { registerSimulateCommand } from './simulator/simulate.command.js';
import { registerMigrateCommand } from './db/migrate.command.js';
import { registerPartitionsCommand } from './db/partitions.command.js';
import { registerSchemaCommand } from './server/schema.command.js';
import { registerServeCommand } from './server/serve.command.js';

// Each domain registers its own commands; this file only assembles them and turns failures into one line.
const program = new Command('kubegraph')
  .description('Live, historical inventory of Kubernetes clusters in PostgreSQL, served over GraphQL')
  .exitOverride();

const registrations: Array<(p: Command) => void> = [registerServeCommand, registerMigrateCommand, registerPartitionsCommand, registerClusterCommands, registerKeysCommands, registerSimulateCommand, registerTokenCommand, registerSchemaCommand, registerCostCommand];

for (const register of registrations) register(program);

/** A usage mistake reads as one line, like every other failure, pointing at the help of the command it was made on. */
function oneLineUsageErrors(command: Command, name: string): void {
  command.configureOutput({
    outputError: (message, write) => write(`kubegraph: ${message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see ${name} --help)\n`),
  });
  for (const sub of command.commands) oneLineUsageErrors(sub, `${name} ${sub.name()}`);
}
oneLineUsageErrors(program, 'kubegraph');

// Only `serve` is a service logging to standard output; every other command's standard output is its result.
program.hook('preAction', (_program, action) => {
  let command = action;
  while (command.parent && command.parent !== program) command = command.parent;
  if (command.name() !== 'serve') logToStderr();
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode);
  }
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`kubegraph: ${message}\n`);
  process.exit(1);
}
