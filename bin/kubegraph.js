#!/usr/bin/env node
// Runs the compiled CLI from dist/, compiling first whatever source changed since the last run (bin/compile.js).
import { compile } from './compile.js';

await compile();
await import('../dist/src/main.js');
