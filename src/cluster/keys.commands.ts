import type { Command } from 'commander';
import { withCliDatabase } from './cli-database.js';
import { rotateKubeconfigKeys } from './kubeconfig-rotation.js';

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Kubeconfig encryption keys');
  keys
    .command('rotate')
    .description(
      'Re-encrypt every stored kubeconfig under BYOK_ENCRYPTION_KEY; rows under an older key need it listed in BYOK_ENCRYPTION_KEYS_OLD',
    )
    .action(async () => {
      await withCliDatabase(async ({ dataSource, crypto }) => {
        const result = await rotateKubeconfigKeys(dataSource, crypto);
        process.stdout.write(
          `rotated ${result.rotated} kubeconfig(s) to key ${crypto.currentKeyId}; ${result.current} already used it\n`,
        );
        if (result.failed.length > 0) {
          const which = result.failed.map((f) => `"${f.name}" (key ${f.keyId})`).join(', ');
          throw new Error(
            `${result.failed.length} kubeconfig(s) could not be decrypted and were left as they are: ${which}; add their key to BYOK_ENCRYPTION_KEYS_OLD and run again`,
          );
        }
      });
    });
}
