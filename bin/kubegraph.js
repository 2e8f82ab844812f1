#!/usr/bin/env node
// Runs the TypeScript sources directly: swc keeps decorator metadata, which TypeORM and type-graphql need.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('@swc-node/register/esm', pathToFileURL('./'));
await import('../src/main.ts');
