import fs from 'node:fs/promises';
import type { Command } from 'commander';

export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the GraphQL schema (SDL) generated from the code')
    .option('--out <file>', 'write it to this file instead of stdout')
    .action(async (opts: { out?: string }) => {
      // Loaded on use, so that `kubegraph --help` and other commands start fast.
      const { printKubegraphSchema } = await import('./schema-sdl.js');
      const sdl = await printKubegraphSchema();
      if (!opts.out) {
        process.stdout.write(sdl);
        return;
      }
      await fs.writeFile(opts.out, sdl);
      process.stderr.write(`wrote the schema to ${opts.out} (${sdl.split('\n').length} lines)\n`);
    });
}
