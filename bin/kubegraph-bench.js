#!/usr/bin/env node
// Runs the benchmarks in bench/ (all, or those whose file name contains an argument), one after another, compiled
// like the service (bin/compile.js), and by `npm run bench` with the V8 flags of `npm start`, so that their figures describe it.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ensureCompiled, ROOT } from './compile.js';

// Figures, not logs: the log level is warn unless LOG_LEVEL says otherwise.
process.env.LOG_LEVEL ??= 'warn';
ensureCompiled();
await import('reflect-metadata');

const wanted = process.argv.slice(2);
const files = readdirSync(path.join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`kubegraph-bench: no benchmark matches ${wanted.join(', ') || '(none in bench/)'}\n`);
  process.exit(1);
}
for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const mod = await import(pathToFileURL(path.join(DIST, 'bench', file.replace(/\.ts$/, '.js'))).href);
  if (typeof mod.default === 'function') await mod.default();
}
process.exit(0);
