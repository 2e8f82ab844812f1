import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { EmbeddedPostgres, hydrateSymlinks } from '../../src/db/embedded-postgres.js';
import { exitOf, freePort, isAlive, spawnUntil } from './support/processes.js';

vi.setConfig({ testTimeout: 180_000 });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function tempDir(mode = 0o755): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kubegraph-embedded-test-'));
  await fsp.chmod(dir, mode);
  cleanups.push(() => fsp.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function select1(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 AS one');
    return rows[0].one;
  } finally {
    await client.end();
  }
}

async function start(dataDir: string, port?: number): Promise<EmbeddedPostgres> {
  const server = await EmbeddedPostgres.start({ dataDir, port: port ?? (await freePort()), ephemeral: true });
  cleanups.push(() => server.stop());
  return server;
}

function postmasterAlive(pid: number): boolean {
  return isAlive(pid) && fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
}

describe('embedded PostgreSQL', () => {
  test('starts, answers, stops with no process left, and starts again on the same files', async () => {
    const dir = await tempDir();
    const first = await EmbeddedPostgres.start({ dataDir: dir, port: await freePort(), ephemeral: true });
    expect(await select1(first.url)).toBe(1);
    expect(first.url).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/kubegraph$/);
    const pid = first.pid;
    await first.stop();
    expect(isAlive(pid)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = await start(dir);
    expect(second.pid).not.toBe(pid);
    expect(await select1(second.url)).toBe(1);
  });

  test('after SIGKILL of its process, the orphaned server is stopped and a new one starts cleanly', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const { child, match } = await spawnUntil(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'test/db/fixtures/embedded-child.ts', dir, String(port)],
      {},
      /ready (\d+)/,
      120_000,
    );
    const orphan = Number(match[1]);
    child.kill('SIGKILL');
    await exitOf(child);
    // SIGKILL gives no chance to clean up: the server keeps running, holding the port and the files.
    expect(postmasterAlive(orphan)).toBe(true);

    const server = await start(dir, port);
    expect(isAlive(orphan)).toBe(false);
    expect(server.pid).not.toBe(orphan);
    expect(await select1(server.url)).toBe(1);
  });

  test('a stale postmaster.pid naming a dead process does not stop a start', async () => {
    const dir = await tempDir();
    const server = await EmbeddedPostgres.start({ dataDir: dir, port: await freePort(), ephemeral: true });
    await server.stop();
    // A pid that is certainly not running: above the kernel's pid_max.
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    await fsp.writeFile(path.join(dir, 'postgres', 'postmaster.pid'), `${pidMax + 1}\n${path.join(dir, 'postgres')}\n0\n5432\n\n\n\n`);
    const again = await start(dir);
    expect(await select1(again.url)).toBe(1);
  });

  test('refuses a data directory whose server belongs to another live process', async () => {
    const dir = await tempDir();
    const { child, match } = await spawnUntil(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'test/db/fixtures/embedded-child.ts', dir, String(await freePort())],
      {},
      /ready (\d+)/,
      120_000,
    );
    cleanups.push(async () => {
      child.kill('SIGTERM');
      await exitOf(child);
      // The fixture has no signal handling; stop its server as an orphan would be.
      await EmbeddedPostgres.start({ dataDir: dir, port: await freePort(), ephemeral: true }).then((s) => s.stop());
    });
    await expect(EmbeddedPostgres.start({ dataDir: dir, port: await freePort(), ephemeral: true })).rejects.toThrow(
      `the embedded database in ${path.join(dir, 'postgres')} is in use by process ${child.pid}`,
    );
    expect(postmasterAlive(Number(match[1]))).toBe(true);
  });

  test('a port already in use gives a clear error', async () => {
    const dir = await tempDir();
    const first = await start(dir);
    const other = await tempDir();
    await expect(EmbeddedPostgres.start({ dataDir: other, port: first.port, ephemeral: true })).rejects.toThrow(
      `port ${first.port} is already in use; choose another with KUBEGRAPH_EMBEDDED_PG_PORT`,
    );
  });

  test.runIf(process.getuid?.() === 0)('as root, a data directory the postgres user cannot reach keeps its files in a reachable place', async () => {
    const closed = await tempDir(0o700);
    const dataDir = path.join(closed, 'data');
    const server = await start(dataDir);
    expect(await select1(server.url)).toBe(1);
    expect(server.clusterDir.startsWith('/var/lib/kubegraph/clusters/')).toBe(true);
    expect((await fsp.readFile(path.join(dataDir, 'postgres-location'), 'utf8')).trim()).toBe(server.clusterDir);
    expect((await fsp.stat(closed)).mode & 0o777).toBe(0o700);
    cleanups.unshift(() => fsp.rm(path.dirname(server.clusterDir), { recursive: true, force: true }));
  });

  test('library links of the binary package are recreated once and then left alone', async () => {
    const pkg = await tempDir();
    const native = path.join(pkg, 'native');
    await fsp.mkdir(path.join(native, 'lib'), { recursive: true });
    await fsp.writeFile(path.join(native, 'lib', 'libdemo.so.1.2'), 'x');
    await fsp.writeFile(
      path.join(native, 'pg-symlinks.json'),
      JSON.stringify([
        { source: 'native/lib/libdemo.so.1.2', target: 'native/lib/libdemo.so' },
        { source: 'native/lib/libdemo.so.1.2', target: 'native/lib/libdemo.so.1' },
      ]),
    );
    expect(await hydrateSymlinks(native)).toBe(2);
    expect(await hydrateSymlinks(native)).toBe(0);
    expect(await fsp.readlink(path.join(native, 'lib', 'libdemo.so'))).toBe('libdemo.so.1.2');
    expect(await fsp.readFile(path.join(native, 'lib', 'libdemo.so.1'), 'utf8')).toBe('x');
  });
});
