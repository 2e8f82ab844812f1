/**
 * The subscriptions benchmark's clients, in a process of their own (child_process.fork from
 * bench/subscriptions.bench.ts): graphql-ws clients as a wall of dashboards would run them, one connection per
 * subscriber, none of their parsing on the server's event loop. The parent sends commands over IPC; every `next`
 * is recorded with its receipt time, its cursor's sequence number and its commit→receipt latency.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export const POD_CHANGED = `subscription PodFeed($filter: PodChangedFilter) {
  podChanged(filter: $filter) { type committedAt changedFields cursor pod { name phase ready restartCount } }
}`;

export interface SubscriberSpec {
  id: number;
  /** The namespace filter, or null for every pod of the organisation. */
  namespace: string | null;
}

export type LoadCommand =
  | { cmd: 'open'; url: string; token: string; subscribers: SubscriberSpec[]; batch: number }
  | { cmd: 'count' }
  | { cmd: 'report' }
  | { cmd: 'close' };

export interface SubscriberRecord {
  id: number;
  namespace: string | null;
  /** Sequence numbers (from the cursors) in the order received. */
  seqs: Float64Array;
  /** Receipt time (ms since the epoch, sub-millisecond) of each delivery. */
  receivedAt: Float64Array;
  /** Receipt time − committedAt of each delivery, ms. */
  latencies: Float64Array;
  errors: string[];
  completed: boolean;
}

export type LoadReply =
  | { cmd: 'open'; connected: number; failures: string[] }
  | { cmd: 'count'; deliveries: number; errors: number }
  | { cmd: 'report'; subscribers: SubscriberRecord[]; loopDelayP99Ms: number; loopDelayMaxMs: number; cpuSeconds: number }
  | { cmd: 'close' };

const PREFIX = 'change:';

class Subscriber {
  private n = 0;
  private seqs: Float64Array = new Float64Array(256);
  private receivedAt: Float64Array = new Float64Array(256);
  private latencies: Float64Array = new Float64Array(256);
  readonly errors: string[] = [];
  completed = false;

  constructor(
    readonly spec: SubscriberSpec,
    readonly client: Client,
  ) {}

  get deliveries(): number {
    return this.n;
  }

  record(data: { podChanged: { committedAt: string; cursor: string } }): void {
    const at = performance.timeOrigin + performance.now();
    const { committedAt, cursor } = data.podChanged;
    const text = Buffer.from(cursor, 'base64url').toString();
    const seq = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : NaN;
    if (this.n === this.seqs.length) {
      this.seqs = grow(this.seqs);
      this.receivedAt = grow(this.receivedAt);
      this.latencies = grow(this.latencies);
    }
    this.seqs[this.n] = seq;
    this.receivedAt[this.n] = at;
    this.latencies[this.n] = at - Date.parse(committedAt);
    this.n++;
  }

  /** What was received since the last report; the buffers start over. */
  take(): SubscriberRecord {
    const out: SubscriberRecord = {
      id: this.spec.id,
      namespace: this.spec.namespace,
      seqs: this.seqs.slice(0, this.n),
      receivedAt: this.receivedAt.slice(0, this.n),
      latencies: this.latencies.slice(0, this.n),
      errors: this.errors.splice(0),
      completed: this.completed,
    };
    this.n = 0;
    return out;
  }
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

const subscribers: Subscriber[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let cpuMark = process.cpuUsage();

/** Opens one connection per subscriber, `batch` at a time, each batch once all its connections are acknowledged. */
async function open(url: string, token: string, specs: SubscriberSpec[], batch: number): Promise<LoadReply> {
  const failures: string[] = [];
  let connected = 0;
  for (let i = 0; i < specs.length; i += batch) {
    await Promise.all(
      specs.slice(i, i + batch).map(
        (spec) =>
          new Promise<void>((resolve) => {
            const client = createClient({
              url,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${token}` },
              retryAttempts: 0,
              lazy: true,
            });
            const s = new Subscriber(spec, client);
            subscribers.push(s);
            client.on('connected', () => {
              connected++;
              resolve();
            });
            client.on('closed', (event) => {
              const e = event as { code?: number; reason?: string };
              if (!s.completed) failures.push(`closed ${e.code ?? ''} ${e.reason ?? ''}`.trim());
              resolve();
            });
            client.subscribe<{ podChanged: { committedAt: string; cursor: string } }>(
              { query: POD_CHANGED, variables: { filter: spec.namespace === null ? null : { namespace: spec.namespace } } },
              {
                next: (result) => {
                  if (result.errors) s.errors.push(JSON.stringify(result.errors).slice(0, 300));
                  else if (result.data) s.record(result.data);
                },
                error: (err) => {
                  s.errors.push(err instanceof Error ? err.message : JSON.stringify(err).slice(0, 300));
                  resolve();
                },
                complete: () => {
                  s.completed = true;
                },
              },
            );
          }),
      ),
    );
  }
  return { cmd: 'open', connected, failures: failures.slice(0, 5) };
}

async function handle(command: LoadCommand): Promise<LoadReply> {
  switch (command.cmd) {
    case 'open':
      return open(command.url, command.token, command.subscribers, command.batch);
    case 'count':
      return {
        cmd: 'count',
        deliveries: subscribers.reduce((n, s) => n + s.deliveries, 0),
        errors: subscribers.reduce((n, s) => n + s.errors.length, 0),
      };
    case 'report': {
      const cpu = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      const reply: LoadReply = {
        cmd: 'report',
        subscribers: subscribers.map((s) => s.take()),
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      };
      loopDelay.reset();
      return reply;
    }
    case 'close': {
      // Marked complete first: a close we asked for is not a failure.
      for (const s of subscribers) s.completed = true;
      await Promise.all(subscribers.map((s) => s.client.dispose()));
      subscribers.length = 0;
      return { cmd: 'close' };
    }
  }
}

process.on('message', (command: LoadCommand) => {
  handle(command).then(
    (reply) => process.send!(reply),
    (err: Error) => {
      process.stderr.write(`subscriptions load generator: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
});
