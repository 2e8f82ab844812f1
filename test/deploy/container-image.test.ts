import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// No container engine runs here: the Dockerfile's steps are replayed in temporary directories standing for each stage's
// WORKDIR, and its command is started there as its USER (when the tests run as root, which may switch users).
vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

const ROOT = path.resolve(import.meta.dirname, '../..');
const sh = promisify(execFile);

interface Step {
  op: string;
  args: string;
}
interface Stage {
  name: string | undefined;
  steps: Step[];
}

/** The Dockerfile's stages and their instructions (comments dropped, continued lines joined). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') stages.push({ name: / AS (\S+)$/i.exec(args!)?.[1], steps: [] });
    else stages.at(-1)?.steps.push({ op: op!.toUpperCase(), args: args! });
  }
  return stages;
}

const dockerfile = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const copyOf = (step: Step) => {
  const words = step.args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
};
const instruction = (stage: Stage, op: string) => stage.steps.filter((s) => s.op === op);

/** .dockerignore as the builder applies it: the last pattern matching a path or one of its parent directories decides. */
function includedInContext(file: string): boolean {
  const patterns = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const parts = file.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let included = true;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const glob = path.posix.normalize(negated ? raw.slice(1) : raw).replace(/\/$/, '');
    const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\0/g, '.*')}$`);
    if (candidates.some((c) => re.test(c))) included = negated;
  }
  return included;
}

function filesUnder(dir: string): string[] {
  return fs.statSync(dir).isDirectory() ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : [dir];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('Dockerfile', () => {
  it('copies only sources that exist and that .dockerignore lets into the build context, which keeps out installs, builds and keys', () => {
    const copied = dockerfile.flatMap((stage) => instruction(stage, 'COPY').map(copyOf)).filter((c) => c.from === undefined);
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied.flatMap((c) => c.sources)) {
      expect(fs.existsSync(path.join(ROOT, source)), source).toBe(true);
      for (const file of filesUnder(path.join(ROOT, source))) expect(includedInContext(path.relative(ROOT, file)), file).toBe(true);
    }
    for (const kept of ['node_modules/pg/package.json', 'dist/main.js', '.kubegraph/encryption-key', '.git/HEAD', 'test/global-setup.ts']) {
      expect(includedInContext(kept), kept).toBe(false);
    }
    // Kubernetes probes the pod; a HEALTHCHECK would only be ignored there.
    expect(dockerfile.flatMap((stage) => instruction(stage, 'HEALTHCHECK'))).toEqual([]);
  });

  describe('the runtime stage', () => {
    const dirs: Record<string, string> = {};
    let workdirs: Record<string, string>;
    let command: string[];
    let user: { uid: number; gid: number };
    let db: TestDatabase;
    const asUser = process.getuid?.() === 0;

    /** The host directory standing for a path inside a stage's WORKDIR. */
    const onHost = (stage: string, p: string) => {
      const rel = path.posix.relative(workdirs[stage]!, path.posix.resolve(workdirs[stage]!, p));
      if (rel.startsWith('..')) throw new Error(`${p} is outside the WORKDIR of stage ${stage}`);
      return path.join(dirs[stage]!, rel);
    };

    /** Replays a stage: WORKDIR, COPY and RUN. The build stage's `npm ci` is the checkout's own install of the same lock file. */
    async function replay(stage: Stage, id: string): Promise<void> {
      dirs[id] = await fsp.mkdtemp(path.join(os.tmpdir(), `kubegraph-image-${id}-`));
      for (const step of stage.steps) {
        if (step.op === 'WORKDIR') workdirs[id] = step.args;
        if (step.op === 'COPY') {
          const { from, sources, dest } = copyOf(step);
          for (const source of sources) {
            const src = from === undefined ? path.join(ROOT, source) : onHost(from, source);
            const target = dest.endsWith('/') ? path.join(onHost(id, dest), path.basename(source)) : onHost(id, dest);
            await fsp.cp(src, target, { recursive: true });
          }
        }
        if (step.op === 'RUN') {
          const script = step.args.replace(/^(--\S+\s+)+/, '');
          if (stage !== runtime && /^npm ci\b/.test(script)) {
            await fsp.symlink(path.join(ROOT, 'node_modules'), path.join(dirs[id]!, 'node_modules'));
            continue;
          }
          // The runtime stage's install runs for real, from npm's cache where it has the packages.
          await sh('/bin/sh', ['-c', script], { cwd: dirs[id], env: { ...process.env, npm_config_prefer_offline: 'true' }, timeout: 240_000 });
        }
      }
    }

    beforeAll(async () => {
      workdirs = {};
      for (const [i, stage] of dockerfile.entries()) await replay(stage, stage.name ?? String(i));
      const [uid, gid] = instruction(runtime, 'USER').at(-1)!.args.split(':').map(Number);
      user = { uid: uid!, gid: gid! };
      command = JSON.parse(instruction(runtime, 'CMD').at(-1)!.args) as string[];
      // As in the image: everything owned by root, readable and not writable by the service's user.
      await sh('chmod', ['-R', 'u=rwX,go=rX', dirs[String(dockerfile.length - 1)]!]);
      db = await createTestDatabase({ migrate: false });
    });

    afterAll(async () => {
      await db?.drop();
      for (const dir of Object.values(dirs)) await fsp.rm(dir, { recursive: true, force: true });
    });

    const runtimeDir = () => dirs[String(dockerfile.length - 1)]!;

    function start(env: Record<string, string>): ChildProcess {
      expect(command[0]).toBe('node');
      return spawn(process.execPath, command.slice(1), {
        cwd: runtimeDir(),
        // What the container has: its own variables only, HOME at / for a user without a passwd entry.
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/', ...env },
        ...(asUser ? user : {}),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }

    function output(child: ChildProcess): { text: () => string; until: (re: RegExp) => Promise<RegExpMatchArray> } {
      let text = '';
      const waiting: Array<() => void> = [];
      const onData = (c: Buffer) => {
        text += c.toString();
        for (const w of waiting.splice(0)) w();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      return {
        text: () => text,
        until: (re) =>
          new Promise((resolve, reject) => {
            const check = () => {
              const m = re.exec(text);
              if (m) return resolve(m);
              if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${re}:\n${text}`));
              waiting.push(check);
            };
            child.once('exit', () => setImmediate(check));
            check();
          }),
      };
    }

    it('holds production dependencies only, and the command starts from them and dist/ as the image user, serving /healthz and /readyz', async () => {
      // Every package the lock file marks as needed by development only (vitest, typescript, @swc-node/register, …) is absent.
      const lock = JSON.parse(await fsp.readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
      const devOnly = Object.entries(lock.packages).filter(([, p]) => p.dev).map(([where]) => where);
      expect(devOnly).toContain('node_modules/@swc-node/register');
      for (const where of devOnly) expect(fs.existsSync(path.join(runtimeDir(), where)), where).toBe(false);
      // Nothing above the runtime directory could supply a missing package.
      expect(fs.existsSync(path.join(path.dirname(runtimeDir()), 'node_modules'))).toBe(false);
      if (asUser) expect(user.uid).not.toBe(0);
      const before = filesUnder(runtimeDir()).sort();

      const port = await freePort();
      const child = start({ DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' });
      const out = output(child);
      try {
        const [, url] = await out.until(/kubegraph is serving at (http:\/\/\S+)/);
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
        const ready = await fetch(`${url}/readyz`);
        expect({ status: ready.status, body: await ready.json() }).toMatchObject({ status: 200, body: { ready: true, checks: { database: 'ok', migrations: 'applied' } } });
        expect((await fetch(`${url}/metrics`)).status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      const code = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
      expect(code, out.text()).toBe(0);
      // Read-only root filesystem: it wrote nothing where it runs.
      expect(filesUnder(runtimeDir()).sort()).toEqual(before);
    });

    it('without DATABASE_URL stops at once with one line asking for it, writing nothing', async () => {
      const before = filesUnder(runtimeDir()).sort();
      const child = start({ HOST: '127.0.0.1', PORT: String(await freePort()) });
      const out = output(child);
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(out.text()).toMatch(/set DATABASE_URL/);
      expect(filesUnder(runtimeDir()).sort()).toEqual(before);
    });
  });
});
