#!/usr/bin/env node
// Runs the compiled CLI from dist/, compiling first whatever source changed since the last run (bin/compile.js).
// `npm start` runs it with a larger V8 young generation (--max-semi-space-size, README "How it runs"): a flag of node
// itself costs nothing, while setting it from here would need a second process, and `env -S` in the shebang is not
// understood everywhere (BusyBox).
import { ensureCompiled } from './compile.js';

ensureCompiled();
await import('../dist/src/main.js');
