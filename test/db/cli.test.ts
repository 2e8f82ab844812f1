import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createDataSource } from '../../src/db/data-source.js';
import { EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { revertLastMigration } from '../../src/db/migration-runner.js';
import { migrations } from '../../src/db/migrations.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
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
      expect(oneLine(r.stderr)).toBe(`kubegraph: unknown option '${args[1]}' (see kubegraph ${args[0]} --help)`);
      expect(r.stdout).toBe('');
    }
  });

  test('a bad --port', async () => {
    const r = await runCli(['serve', '--port', 'eighty']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe("kubegraph: option '--port <port>' argument 'eighty' is invalid. must be a port number (0-65535) (see kubegraph serve --help)");
  });

  test('an unknown command, a missing option or argument, a misspelt option', async () => {
    const cases: Array<[string[], string]> = [
      [['frobnicate'], "kubegraph: unknown command 'frobnicate' (see kubegraph --help)"],
      [['cluster', 'add'], 'kubegraph: give either --kubeconfig FILE or --in-cluster (see kubegraph cluster add --help)'],
      [['cluster', 'remove'], "kubegraph: missing required argument 'name-or-id' (see kubegraph cluster remove --help)"],
      [['token', 'create', '--org', 'acme', '--role', 'viewer', '--expires'], "kubegraph: unknown option '--expires' (Did you mean --expires-in?) (see kubegraph token create --help)"],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, { DATABASE_URL: 'postgresql://root@127.0.0.1:1/x' })));
    for (const [i, [args, line]] of cases.entries()) {
      expect(results[i].code, args.join(' ')).toBe(1);
      expect(oneLine(results[i].stderr), args.join(' ')).toBe(line);
      expect(results[i].stdout).toBe('');
    }
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
    expect(lines[0]).toMatch(/^maintenance: created 12 partition\(s\), moved 0 row\(s\) out of DEFAULT, dropped 0 partition\(s\) past retention/);
    expect(lines[1]).toMatch(/^table\s+partition\s+from\s+to\s+rows$/);
    expect(lines.slice(2)).toHaveLength(15);
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

  test('on DATABASE_URL, every command that needs the schema refuses a database that is not migrated, with the same line', async () => {
    const empty = await createTestDatabase({ migrate: false });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-cli-refused-'));
    try {
      // Never reached: the schema check comes before the kubeconfig is looked at.
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\n');
      const env = { DATABASE_URL: empty.url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
      const commands = [
        ['partitions'],
        ['partitions', '--maintain'],
        ['cost', 'rollup'],
        ['token', 'create', '--org', 'acme', '--role', 'viewer'],
        ['cluster', 'add', '--kubeconfig', kubeconfig],
        ['cluster', 'list'],
        ['cluster', 'remove', 'prod'],
        ['keys', 'rotate'],
      ];
      const results = await Promise.all(commands.map((args) => runCli(args, env)));
      for (const [i, args] of commands.entries()) {
        expect(results[i].code, args.join(' ')).toBe(1);
        expect(oneLine(results[i].stderr)).toMatch(/^kubegraph: the schema on .* is not up to date \(\d+ migration\(s\) pending\): run "kubegraph migrate" first$/);
        expect(results[i].stdout, args.join(' ')).toBe('');
      }
      expect(await catalogObjects(empty.dataSource)).toEqual([]);
    } finally {
      await empty.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The embedded database belongs to the command while it runs, so every command brings it up to date as serve does.
describe('commands on the embedded database (no DATABASE_URL)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let sim: SimulatedCluster;
  let kubeconfig: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-cli-embedded-'));
    // As root the server runs as postgres, which must reach the files.
    await chmod(dataDir, 0o755);
    env = { KUBEGRAPH_DATA_DIR: dataDir, KUBEGRAPH_EMBEDDED_PG_PORT: String(await freePort()) };
    sim = await SimulatedCluster.start({ nodes: 1, pods: 2, seed: 'cli-embedded', name: 'embedded-sim' });
    kubeconfig = path.join(dataDir, 'sim.yaml');
    await writeFile(kubeconfig, sim.kubeconfig(), { mode: 0o600 });
  });
  afterAll(async () => {
    await sim?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Opens the command's embedded database in this process, between two commands. */
  async function onEmbedded<T>(fn: (ds: DataSource) => Promise<T>): Promise<T> {
    const server = await EmbeddedPostgres.start({ dataDir, port: Number(env.KUBEGRAPH_EMBEDDED_PG_PORT), ephemeral: true });
    try {
      const ds = createDataSource(server.url, { poolSize: 1 });
      await ds.initialize();
      try {
        return await fn(ds);
      } finally {
        await ds.destroy();
      }
    } finally {
      await server.stop();
    }
  }

  /** Reverts the newest `count` migrations, or every applied one: a data directory as before its first migration. */
  function unmigrate(count = Infinity): Promise<void> {
    return onEmbedded(async (ds) => {
      let reverted = 0;
      while (reverted < count && (await revertLastMigration(ds))) reverted++;
      if (count === Infinity) expect(await catalogObjects(ds)).toEqual([]);
    });
  }

  /** Runs a command that must succeed after saying, first on stderr, that it applied `applied` migrations. */
  async function run(args: string[], applied = migrations.length, logLevel = 'warn') {
    const r = await runCli(args, { ...env, LOG_LEVEL: logLevel });
    // Log lines (JSON) go to stderr too, between what the command says.
    const logs = r.stderr.split('\n').filter((l) => l.startsWith('{'));
    const lines = r.stderr.split('\n').filter((l) => l.length > 0 && !l.startsWith('{'));
    expect(lines[0], `${args.join(' ')}: ${r.stderr}`).toMatch(
      new RegExp(`^applied ${applied} pending migration\\(s\\) to the embedded PostgreSQL on 127\\.0\\.0\\.1:${env.KUBEGRAPH_EMBEDDED_PG_PORT} \\(files in .+\\)$`),
    );
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return { ...r, notes: lines.slice(1), logs };
  }

  // In order: the first runs on a data directory that does not exist yet, each later one on one taken back to it.
  test('token create', async () => {
    const token = await run(['token', 'create', '--org', 'acme', '--role', 'admin'], migrations.length, 'info');
    expect(token.notes).toEqual(['created organisation "acme"; created admin token "cli". The secret is shown only this once:']);
    // Whatever it logs (here the embedded PostgreSQL starting and stopping), `TOKEN=$(kubegraph token create …)` gets the secret alone.
    expect(token.logs.map((l) => JSON.parse(l).msg)).toContain('embedded PostgreSQL started');
    expect(token.stdout).toMatch(/^kg_\S{20,}\n$/);
  });

  test('cluster add', async () => {
    await unmigrate();
    const added = await run(['cluster', 'add', '--kubeconfig', kubeconfig, '--name', 'sim']);
    expect(added.stdout).toMatch(/^created organisation "default"\nregistered cluster "sim" \(id [0-9a-f-]{36}\) in organisation "default"/);
    // Its first use of a key logs, on stderr with every log line, that it generated one into the data directory.
    expect(added.logs.map((l) => JSON.parse(l).msg)).toContain('generated a kubeconfig encryption key for the embedded database; back this file up, or set BYOK_ENCRYPTION_KEY');
  });

  test('cluster remove, after an upgrade left the newest migration pending', async () => {
    await unmigrate(1);
    const removed = await run(['cluster', 'remove', 'sim'], 1);
    expect(removed.stdout).toMatch(/^removed cluster "sim" \(id [0-9a-f-]{36}\) and all its data\n$/);
    expect(await onEmbedded((ds) => ds.query(`SELECT name FROM k8s_clusters`))).toEqual([]);
  });

  test('cluster list', async () => {
    await unmigrate();
    expect((await run(['cluster', 'list'])).stdout).toBe('no clusters registered\n');
  });

  test('keys rotate', async () => {
    await unmigrate();
    expect((await run(['keys', 'rotate'])).stdout).toMatch(/^rotated 0 kubeconfig\(s\) to key [0-9a-f]{16}; 0 already used it\n$/);
  });

  test('partitions', async () => {
    await unmigrate();
    const lines = (await run(['partitions'])).stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^table\s+partition\s+from\s+to\s+rows$/);
    expect(lines.filter((l) => /^k8s_pods\s+k8s_pods_default\s+DEFAULT\s+0$/.test(l))).toHaveLength(1);
  });

  test('cost rollup, and then, with nothing left to apply, a command says nothing about migrations', async () => {
    await unmigrate();
    const cost = await run(['cost', 'rollup']);
    expect(cost.stdout).toMatch(/^cost: rolled up \d+ hour\(s\) into 0 hourly row\(s\) and \d+ day\(s\), /);
    expect(cost.notes).toEqual([]);
    const again = await runCli(['cost', 'rollup'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
  });
});
