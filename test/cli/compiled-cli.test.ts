import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
// A copy of the project's runnable parts, inside node_modules so that it resolves the same packages; the shared dist/ of
// the working tree is left alone.
const copy = path.join(root, 'node_modules/.cache', `kubegraph-compile-${randomBytes(4).toString('hex')}`);

async function node(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, args, { cwd: copy, timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'warn' } });
}

const help = async () => (await node(['bin/kubegraph.js', '--help'])).stdout;

beforeAll(async () => {
  for (const dir of ['bin', 'src', 'migrations', 'bench', 'test/support']) await fs.cp(path.join(root, dir), path.join(copy, dir), { recursive: true });
  await fs.copyFile(path.join(root, 'package.json'), path.join(copy, 'package.json'));
});

afterAll(async () => {
  await fs.rm(copy, { recursive: true, force: true });
});

describe('the compiled CLI', () => {
  it('compiles on the first start into dist/, keeping decorator metadata and declared-only class fields', async () => {
    expect(await help()).toContain('Usage: kubegraph');
    const probe = `
      import 'reflect-metadata';
      const { ClusterEntity } = await import('./dist/src/db/entities/cluster.entity.js');
      console.log(JSON.stringify({
        createdAt: Reflect.getMetadata('design:type', ClusterEntity.prototype, 'createdAt')?.name,
        ownField: 'createdAt' in new ClusterEntity(),
      }));`;
    const { stdout } = await node(['--input-type=module', '-e', probe]);
    expect(JSON.parse(stdout)).toEqual({ createdAt: 'Date', ownField: false });
    await expect(fs.stat(path.join(copy, 'dist/main.js'))).resolves.toBeTruthy();
    // The benchmarks run compiled too, with the test fixture that seeds the API benchmark.
    await expect(fs.stat(path.join(copy, 'dist/bench/api.bench.js'))).resolves.toBeTruthy();
    await expect(fs.stat(path.join(copy, 'dist/test/support/seed.js'))).resolves.toBeTruthy();
  });

  it('recompiles an edited source, even one whose modification time went back', async () => {
    const main = path.join(copy, 'src/main.ts');
    const source = await fs.readFile(main, 'utf8');
    const description = /\.description\('([^']+)'\)/.exec(source)![1]!;
    await fs.writeFile(main, source.replace(description, 'An edited description'));
    // As `cp -p`, `tar x` or a restored backup leave it: content changed, modification time older than dist/.
    await fs.utimes(main, new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
    const out = await help();
    expect(out).toContain('An edited description');
    expect(out).not.toContain(description);
  });

  it('reports a source that does not compile without stopping commands that do not import it, and drops deleted ones', async () => {
    await fs.writeFile(path.join(copy, 'src/scratch-extra.ts'), 'export const extra: = ;\n');
    const broken = await node(['bin/kubegraph.js', '--help']);
    expect(broken.stdout).toContain('Usage: kubegraph');
    expect(broken.stderr).toMatch(/cannot compile src\/scratch-extra\.ts:[\s\S]*Unexpected token/);
    await fs.writeFile(path.join(copy, 'src/scratch-extra.ts'), 'export const extra: number = 1;\n');
    expect((await node(['bin/kubegraph.js', '--help'])).stderr).toBe('');
    await expect(fs.stat(path.join(copy, 'dist/src/scratch-extra.js'))).resolves.toBeTruthy();
    await fs.rm(path.join(copy, 'src/scratch-extra.ts'));
    await help();
    await expect(fs.stat(path.join(copy, 'dist/src/scratch-extra.js'))).rejects.toThrow(/ENOENT/);
  });

  it('compiles in a child process, so that a long-running command never maps swc', async () => {
    const main = path.join(copy, 'src/main.ts');
    const compiledBefore = (await fs.stat(path.join(copy, 'dist/src/main.js'))).mtimeMs;
    await fs.appendFile(main, '\n');
    const probe = `
      import { readFileSync } from 'node:fs';
      import { ensureCompiled } from './bin/compile.js';
      ensureCompiled();
      console.log(JSON.stringify({ swcMapped: /swc/.test(readFileSync('/proc/self/maps', 'utf8')) }));`;
    const { stdout } = await node(['--input-type=module', '-e', probe]);
    expect(JSON.parse(stdout)).toEqual({ swcMapped: false });
    expect((await fs.stat(path.join(copy, 'dist/src/main.js'))).mtimeMs).toBeGreaterThan(compiledBefore);
  });

  it('serves several processes starting at once on a missing dist/', async () => {
    await fs.rm(path.join(copy, 'dist'), { recursive: true, force: true });
    const outs = await Promise.all(Array.from({ length: 4 }, () => help()));
    for (const out of outs) expect(out).toContain('Usage: kubegraph');
    const leftovers = (await fs.readdir(path.join(copy, 'dist'), { recursive: true })).filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });
});
