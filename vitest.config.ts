import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import { FileWatchdog } from './test/support/file-watchdog.js';

const require = createRequire(import.meta.url);

// The longest file takes about a minute alone, a few on a loaded machine; one past this has hung (README, Testing).
const fileTimeoutS = Number(process.env.TEST_FILE_TIMEOUT ?? 600);
if (!(fileTimeoutS > 0)) throw new Error(`TEST_FILE_TIMEOUT must be a number of seconds greater than zero (got "${process.env.TEST_FILE_TIMEOUT}")`);

export default defineConfig({
  // swc instead of the default transform: TypeORM and type-graphql need decorator metadata.
  plugins: [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false } } })],
  // graphql has no "exports" map: Node (and so every dependency) loads its CommonJS build, while Vite would
  // pick the .mjs one for our sources — two copies whose types do not recognise each other.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The global teardown stops the run's PostgreSQL; past this it is left to the next run's clean-up of stale runs.
    teardownTimeout: 30_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', new FileWatchdog(fileTimeoutS * 1000)],
  },
});
