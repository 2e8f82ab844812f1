import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createTestDatabase, type TestDatabase, testServerUrl } from '../support/database.js';
import { catalogObjects } from './support/catalog.js';
import { freePort, runCli } from './support/processes.js';

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  return lines[0];
}

// Each CLI start compiles and loads the sources; on a busy machine that takes a while.
vi.setConfig({ testTimeout: 180_000 });

// Each case is a separate process; running them side by side keeps the file quick.
describe.concurrent('CLI errors: one line on stderr, exit 1', () => {
  test('a DATABASE_URL that is not a URL', async () => {
    const r = await runCli(['migrate'], { DATABASE_URL: 'not a url' });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe('kubegraph: DATABASE_URL is not a valid URL (expected postgresql://user[:password]@host[:port]/database)');
  });

  test('a DATABASE_URL with another scheme', async () => {
    const r = await runCli(['partitions'], { DATABASE_URL: 'mysql://root@127.0.0.1/db' });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe('kubegraph: DATABASE_URL must use the postgresql:// scheme (got "mysql://")');
  });

  test('nothing listening at DATABASE_URL', async () => {
    const port = await freePort();
    const r = await runCli(['migrate'], { DATABASE_URL: `postgresql://root@127.0.0.1:${port}/x` });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^kubegraph: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/x: .*ECONNREFUSED`));
  });

  test('a server that accepts but never answers times out quickly', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const r = await runCli(['migrate'], { DATABASE_URL: `postgresql://root@127.0.0.1:${port}/x` });
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toMatch(new RegExp(`^kubegraph: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/x: .*timeout`, 'i'));
    } finally {
      silent.close();
    }
  });

  test('wrong credentials: the password never appears', async () => {
    const server = new URL(testServerUrl());
    const url = `postgresql://nobody:very-secret-pw@${server.host}/postgres`;
    const r = await runCli(['migrate'], { DATABASE_URL: url });
    expect(r.code).toBe(1);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^kubegraph: cannot connect to PostgreSQL at .*(password authentication failed|role "nobody" does not exist)/);
    expect(r.stderr + r.stdout).not.toContain('very-secret-pw');
  });

  test('an unknown option', async () => {
    const cases = [['migrate', '--bogus'], ['serve', '--nope'], ['partitions', '-x']];
    const results = await Promise.all(cases.map((args) => runCli(args, { DATABASE_URL: 'postgresql://root@127.0.0.1:1/x' })));
    for (const [i, args] of cases.entries()) {
      const r = results[i];
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`error: unknown option '${args[1]}'`);
      expect(r.stdout).toBe('');
    }
  });

  test('a bad --port', async () => {
    const r = await runCli(['serve', '--port', 'eighty']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: option '--port <port>' argument 'eighty' is invalid. must be a port number (0-65535)");
  });
});

describe.concurrent('CLI help', () => {
  test('--help on the program and on each command', async () => {
    const root = await runCli(['--help']);
    expect(root.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'partitions']) expect(root.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    const expected: Record<string, string[]> = { serve: ['--demo', '--port <port>'], migrate: ['--revert'], partitions: ['--maintain'] };
    const results = await Promise.all(Object.keys(expected).map((cmd) => runCli([cmd, '--help'])));
    for (const [i, [cmd, options]] of Object.entries(expected).entries()) {
      const r = results[i];
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toContain(`Usage: kubegraph ${cmd} [options]`);
      for (const o of options) expect(r.stdout).toContain(o);
    }
  });

  test('--help and token --help import no GraphQL', async () => {
    // A module loader hook that names on stderr each of these packages as the CLI imports it; commander shows it works.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-imports-'));
    try {
      const hooks = pathToFileURL(path.join(dir, 'hooks.mjs')).href;
      await writeFile(
        path.join(dir, 'hooks.mjs'),
        `import { writeSync } from 'node:fs';
export async function load(url, context, next) {
  const m = /\\/node_modules\\/(commander|graphql|type-graphql|@apollo\\/server)\\//.exec(url);
  if (m) writeSync(2, 'imported ' + m[1] + '\\n');
  return next(url, context);
}
`,
      );
      await writeFile(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(hooks)});\n`);
      const env = { NODE_OPTIONS: `--import ${pathToFileURL(path.join(dir, 'register.mjs')).href}` };
      const cases = [['--help'], ['token', '--help'], ['token', 'create', '--help']];
      const results = await Promise.all(cases.map((args) => runCli(args, env)));
      for (const [i, args] of cases.entries()) {
        expect(results[i].code, args.join(' ')).toBe(0);
        expect(new Set(results[i].stderr.split('\n').filter(Boolean)), args.join(' ')).toEqual(new Set(['imported commander']));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('migrate and partitions against a database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('migrate builds the schema, is idempotent, and --revert repeated removes all of it', async () => {
    const env = { DATABASE_URL: db.url };
    const up = await runCli(['migrate'], env);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^applied InitialSchema1764230400000, .* migration\(s\) applied in all\n$/);
    const password = new URL(db.url).password;
    if (password) expect(up.stdout).not.toContain(password);
    const again = await runCli(['migrate'], env);
    expect(again.stdout).toMatch(/^schema is up to date on /);

    const maintain = await runCli(['partitions', '--maintain'], env);
    expect(maintain.code).toBe(0);
    const lines = maintain.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^maintenance: created 8 partition\(s\), moved 0 row\(s\) out of DEFAULT, dropped 0 partition\(s\) past retention/);
    expect(lines[1]).toMatch(/^table\s+partition\s+from\s+to\s+rows$/);
    expect(lines.slice(2)).toHaveLength(10);
    expect(lines.filter((l) => /^k8s_pods\s+k8s_pods_default\s+DEFAULT\s+0$/.test(l))).toHaveLength(1);

    let reverts = 0;
    for (;;) {
      const r = await runCli(['migrate', '--revert'], env);
      expect(r.code).toBe(0);
      if (r.stdout.startsWith('no migration is applied')) break;
      expect(r.stdout).toMatch(/^reverted \w+ on /);
      reverts++;
    }
    expect(reverts).toBeGreaterThanOrEqual(1);
    expect(await catalogObjects(db.dataSource)).toEqual([]);
  });

  test('every command that needs the schema refuses a database that is not migrated, with the same line', async () => {
    const empty = await createTestDatabase({ migrate: false });
    try {
      const env = { DATABASE_URL: empty.url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
      const commands = [['partitions'], ['cost', 'rollup'], ['token', 'create', '--org', 'acme', '--role', 'viewer'], ['cluster', 'list'], ['keys', 'rotate']];
      const results = await Promise.all(commands.map((args) => runCli(args, env)));
      for (const [i, args] of commands.entries()) {
        expect(results[i].code, args.join(' ')).toBe(1);
        expect(oneLine(results[i].stderr)).toMatch(/^kubegraph: the schema on .* is not up to date \(\d+ migration\(s\) pending\): run "kubegraph migrate" first$/);
      }
      expect(await catalogObjects(empty.dataSource)).toEqual([]);
    } finally {
      await empty.drop();
    }
  });
});
