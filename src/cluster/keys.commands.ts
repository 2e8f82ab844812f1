import type { Command } from 'commander';

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Kubeconfig encryption keys');
  keys
    .command('rotate')
    .description(
      'Re-encrypt every stored kubeconfig under BYOK_ENCRYPTION_KEY; rows under an older key need it listed in BYOK_ENCRYPTION_KEYS_OLD',
    )
    .action(async () => {
      const { rotateKeys } = await import('./cluster-cli.js');
      await rotateKeys();
    });
}
