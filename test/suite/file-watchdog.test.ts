import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

// A file that never finishes fails the run, named, instead of hanging it: vitest with the watchdog reporter on a
// fixture directory holding a file that passes and one that spins, with a 3 s limit per file.
it('names a file that does not finish, kills its worker and fails the run', async () => {
  const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/suite/fixtures/vitest.config.ts'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(out).toContain('started a-finishes.fixture.ts');
  expect(out).toContain('started b-spins.fixture.ts');
  expect(out).toMatch(/test file watchdog: a file has not finished within 3 s; still running:\n {2}b-spins\.fixture\.ts: running for \d+ s\n/);
  expect(out).toMatch(/Test Files +1 passed \(2\)/);
});
