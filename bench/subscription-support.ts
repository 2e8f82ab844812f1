import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import WebSocket from 'ws';
import type { AppliedChange } from '../src/simulator/sim-change.js';
import type { LoadCommand, LoadReply, SubscriberSpec } from './subscriptions-load.worker.js';
import type { SimulatorProcess } from './sync-support.js';

/** The subscriptions benchmark's processes: `kubegraph serve` as a child, its /proc figures, the load generators, the churn. */

const root = process.cwd();

export interface ServeProcess {
  pid: number;
  url: string;
  /** Text of GET /metrics. */
  metrics(): Promise<string>;
  /**
   * A full garbage collection, through the inspector (opened with SIGUSR1 on a port chosen at start, so that the churn
   * phases before run without it): what the heap holds afterwards is live.
   */
  collectGarbage(): Promise<void>;
  /** A V8 heap snapshot (which collects garbage first) into `file`. */
  writeHeapSnapshot(file: string): Promise<void>;
  /** SIGTERM, then waits for the exit (a CPU profile, if asked for, is written then). */
  stop(): Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `node bin/kubegraph.js serve --port 0` with `env`; resolves once it says where it serves. */
export async function startServe(env: NodeJS.ProcessEnv, nodeFlags: string[]): Promise<ServeProcess> {
  const inspectPort = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, `--inspect-port=127.0.0.1:${inspectPort}`, 'bin/kubegraph.js', 'serve', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', HOST: '127.0.0.1', ...env },
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stderr!.on('data', keep);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      const m = /kubegraph is serving at (http:\/\/\S+)/.exec(tail);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${tail}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  /** One inspector method, its events passed to `onEvent` until its answer. */
  const inspector = async (method: string, params: object = {}, onEvent?: (event: { method: string; params: unknown }) => void) => {
    child.kill('SIGUSR1');
    let target: string | undefined;
    for (let i = 0; i < 100 && !target; i++) {
      target = await fetch(`http://127.0.0.1:${inspectPort}/json/list`)
        .then((r) => r.json() as Promise<Array<{ webSocketDebuggerUrl: string }>>)
        .then((list) => list[0]?.webSocketDebuggerUrl)
        .catch(() => undefined);
      if (!target) await new Promise((r) => setTimeout(r, 100));
    }
    if (!target) throw new Error('the inspector of serve did not open');
    const socket = new WebSocket(target, { maxPayload: 2 ** 30 });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await new Promise<void>((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { id?: number; method?: string; params?: unknown };
        if (message.id === 1) resolve();
        else if (message.method) onEvent?.({ method: message.method, params: message.params });
      });
      socket.send(JSON.stringify({ id: 1, method, params }));
    });
    socket.close();
  };
  return {
    pid: child.pid!,
    url,
    async metrics() {
      return (await fetch(`${url}/metrics`)).text();
    },
    async collectGarbage() {
      await inspector('HeapProfiler.collectGarbage');
    },
    async writeHeapSnapshot(file) {
      const out = createWriteStream(file);
      await inspector('HeapProfiler.takeHeapSnapshot', {}, (event) => {
        if (event.method === 'HeapProfiler.addHeapSnapshotChunk') out.write((event.params as { chunk: string }).chunk);
      });
      await new Promise((resolve) => out.end(resolve));
    },
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) process.stderr.write(`serve exited with ${code}; its last output:\n${tail}\n`);
      return code;
    },
  };
}

/** A sample of Prometheus text, by name and labels as written (`{kind="major"}`). */
export function metricValue(text: string, name: string, labels = ''): number {
  const m = new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

export interface ProcSample {
  at: number;
  cpuSeconds: number;
  rssMiB: number;
}

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
export function procSample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return { at: Date.now(), cpuSeconds: ticks / 100, rssMiB: rssKiB / 1024 };
}

/** A load generator process (bench/subscriptions-load.worker.ts), one command at a time. */
export class LoadProcess {
  private readonly child: ChildProcess;
  private queue: Promise<unknown> = Promise.resolve();

  constructor() {
    this.child = fork(new URL('./subscriptions-load.worker.js', import.meta.url), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  get pid(): number {
    return this.child.pid!;
  }

  send<C extends LoadCommand['cmd']>(command: Extract<LoadCommand, { cmd: C }>): Promise<Extract<LoadReply, { cmd: C }>> {
    const next = this.queue.then(
      () =>
        new Promise<Extract<LoadReply, { cmd: C }>>((resolve, reject) => {
          const onExit = (code: number | null) => reject(new Error(`load generator exited with ${code}`));
          this.child.once('exit', onExit);
          this.child.once('message', (reply) => {
            this.child.off('exit', onExit);
            resolve(reply as Extract<LoadReply, { cmd: C }>);
          });
          this.child.send(command);
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Spreads subscribers over the load generators, round robin. */
export function spread(specs: SubscriberSpec[], parts: number): SubscriberSpec[][] {
  const out: SubscriberSpec[][] = Array.from({ length: parts }, () => []);
  specs.forEach((s, i) => out[i % parts]!.push(s));
  return out;
}

export interface PodWrite {
  uid: string;
  /** When the simulator made the change (its clock: this host's). */
  appliedAt: number;
  tick: number;
}

/**
 * Drives the simulator at about `podWritesPerSecond` pod writes: every 50 ms a tick of as many random changes as the
 * shortfall needs, at the pod writes per change seen so far (a rollout writes dozens of pods, a crash one).
 */
export async function churn(sim: SimulatorProcess, podWritesPerSecond: number, seconds: number, onSample: () => void): Promise<{ writes: PodWrite[]; changes: number; elapsed: number }> {
  const writes: PodWrite[] = [];
  let changes = 0;
  let tick = 0;
  const started = Date.now();
  let lastSample = started;
  while (Date.now() - started < seconds * 1000) {
    const due = (podWritesPerSecond * (Date.now() - started)) / 1000 - writes.length;
    if (due > 0) {
      const perChange = changes > 20 ? writes.length / changes : 1.5;
      const n = Math.max(1, Math.min(20, Math.round(due / perChange)));
      const { applied } = await sim.admin<{ applied: AppliedChange[] }>('tick', { changes: n });
      changes += applied.length;
      for (const c of applied) for (const w of c.writes) if (w.resource === 'pods') writes.push({ uid: w.uid, appliedAt: c.appliedAt, tick });
      tick++;
    }
    if (Date.now() - lastSample >= 5000) {
      lastSample = Date.now();
      onSample();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { writes, changes, elapsed: (Date.now() - started) / 1000 };
}
