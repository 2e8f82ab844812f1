#!/usr/bin/env node
// Runs the benchmarks in bench/ (all, or those whose file name contains an argument), one after another.
import { readdirSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Figures, not logs: the log level is warn unless LOG_LEVEL says otherwise.
process.env.LOG_LEVEL ??= 'warn';
register('@swc-node/register/esm', pathToFileURL('./'));
await import('reflect-metadata');

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench');
const wanted = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`kubegraph-bench: no benchmark matches ${wanted.join(', ') || '(none in bench/)'}\n`);
  process.exit(1);
}
for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const mod = await import(pathToFileURL(path.join(benchDir, file)).href);
  if (typeof mod.default === 'function') await mod.default();
}
process.exit(0);
