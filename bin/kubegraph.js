#!/usr/bin/env -S node --max-semi-space-size=64
// Runs the compiled CLI from dist/, compiling first whatever source changed since the last run (bin/compile.js).
// The shebang (like `npm start`) gives V8 a larger young generation: the sync's initial lists allocate heavily, and
// with it they spend about half as long in garbage collection (BENCHMARKS.md). A flag passed to node itself costs
// nothing; setting it from here would need a second process.
import { ensureCompiled } from './compile.js';

ensureCompiled();
await import('../dist/src/main.js');
