/**
 * Live feeds under load: `podChanged` subscribers over graphql-ws against `kubegraph serve` syncing a churning cluster.
 *
 * Processes: `kubegraph serve` (child, DATABASE_URL on a scratch database: BENCH_DATABASE_URL's server or an embedded
 * PostgreSQL), `kubegraph simulate` (child, 2,000 pods in 10 namespaces, no churn of its own), and the clients in
 * forked load generators (bench/subscriptions-load.worker.ts, BENCH_CLIENT_PROCESSES, default 2), one graphql-ws
 * connection per subscriber, each with the same viewer API token, subscribing to
 * `podChanged(filter) { type committedAt changedFields cursor pod { name phase ready restartCount } }`.
 * This process drives the churn: every 50 ms a simulator tick of random changes, about BENCH_POD_WRITES pod writes
 * per second (default 100), for BENCH_SECONDS (default 60).
 *
 * Phases, on the same serve process:
 * 1. baseline: 10 unfiltered subscribers, churn.
 * 2. load: 1,000 subscribers spread over the 10 namespaces (100 each) and 10 unfiltered, the same churn.
 * 3. idle: BENCH_IDLE_SUBSCRIBERS (default 10,000; 0 skips it) subscribers over the 10 namespaces, opened in batches,
 *    no churn: serve's RSS (/proc/<pid>/status) and V8 heap used (/metrics) per subscriber, each side measured after a
 *    full garbage collection (HeapProfiler.collectGarbage through the inspector, opened only then with SIGUSR1).
 * A churn phase starts once the server counts every subscriber as receiving (kubegraph_graphql_active_subscriptions)
 * and ends when the change log and the deliveries have been still for a while. Its window is the change log's
 * sequence numbers (from, to] read at those two moments.
 *
 * Figures per churn phase:
 * - commit → receipt: receipt time (load generator) − the event's committedAt (PostgreSQL's clock_timestamp() when
 *   the event row was inserted, a few ms before the commit; same host, same clock), every delivery.
 * - Kubernetes change → receipt: the simulator's `appliedAt` of a change to a pod, to the receipt of that pod's
 *   next event by the unfiltered subscribers (matched by pod and time, see changeToReceipt).
 * - deliveries: every subscriber's expected events are worked out from change_events (pod events of the window,
 *   its namespace or all) and compared with the sequence numbers of the cursors it received: lost, duplicated,
 *   unexpected (another namespace), out of order.
 * - serve's CPU seconds (/proc/<pid>/stat) per wall second and its RSS, sampled every 5 s; its garbage collections
 *   and event loop lag (prom-client's figures on /metrics); one-second windows in which a delivery took over 100 ms.
 * The load phase's figures are also given as ratios to the baseline's.
 *
 * BENCH_SERVE_CPU_PROF=DIR writes a V8 CPU profile of serve into DIR when it stops; BENCH_HEAP_SNAPSHOT_DIR=DIR heap
 * snapshots of serve before and after the idle subscribers opened (compare them in Chrome DevTools' Memory tab).
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiTokenService } from '../src/auth/api-token.service.js';
import { scratchDatabase } from './scratch-database.js';
import { percentile } from './stats.js';
import { accountDeliveries, changeToReceipt, type LoggedPodEvent } from './subscription-accounting.js';
import { churn, LoadProcess, metricValue, procSample, type ProcSample, type ServeProcess, spread, startServe } from './subscription-support.js';
import type { SubscriberRecord, SubscriberSpec } from './subscriptions-load.worker.js';
import { line, startSimulatorProcess, type SimulatorProcess } from './sync-support.js';
import type { DataSource } from 'typeorm';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const POD_WRITES = Number(process.env.BENCH_POD_WRITES ?? 100);
const IDLE = Number(process.env.BENCH_IDLE_SUBSCRIBERS ?? 10_000);
const PER_NAMESPACE = Number(process.env.BENCH_SUBSCRIBERS_PER_NAMESPACE ?? 100);
const UNFILTERED = 10;
const PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 2);
const PODS = 2000;
const NAMESPACES = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (n: number) => `${n.toFixed(1)} ms`;

interface Env {
  db: DataSource;
  serve: ServeProcess;
  sim: SimulatorProcess;
  loads: LoadProcess[];
  token: string;
  wsUrl: string;
}

async function lastSeq(db: DataSource): Promise<number> {
  const [{ seq }] = await db.query(`SELECT coalesce(max(seq), 0)::bigint AS seq FROM change_events`);
  return Number(seq);
}

/** Waits until `read` gives the same value for `stillMs` (or `timeoutMs` passes); returns it. */
async function settle<T>(read: () => Promise<T>, stillMs: number, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  let since = Date.now();
  while (Date.now() - since < stillMs && Date.now() < deadline) {
    await sleep(250);
    const next = await read();
    if (JSON.stringify(next) !== JSON.stringify(value)) {
      value = next;
      since = Date.now();
    }
  }
  return value;
}

async function activeSubscriptions(serve: ServeProcess): Promise<number> {
  return metricValue(await serve.metrics(), 'kubegraph_graphql_active_subscriptions');
}

async function waitForActive(serve: ServeProcess, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const active = await activeSubscriptions(serve);
    if (active === n) return;
    if (Date.now() > deadline) throw new Error(`the server counts ${active} active subscriptions, ${n} expected`);
    await sleep(250);
  }
}

async function openSubscribers(env: Env, specs: SubscriberSpec[], batch: number): Promise<void> {
  const parts = spread(specs, env.loads.length);
  const replies = await Promise.all(env.loads.map((l, i) => l.send({ cmd: 'open', url: env.wsUrl, token: env.token, subscribers: parts[i]!, batch })));
  const connected = replies.reduce((n, r) => n + r.connected, 0);
  const failures = replies.flatMap((r) => r.failures);
  if (connected !== specs.length) throw new Error(`${connected} of ${specs.length} subscribers connected: ${failures.join('; ')}`);
}

async function closeSubscribers(env: Env): Promise<void> {
  await Promise.all(env.loads.map((l) => l.send({ cmd: 'close' })));
  await waitForActive(env.serve, 0, 60_000);
}

function rssTrend(samples: ProcSample[]): string {
  // Least-squares slope of RSS against time, MiB per minute.
  const t0 = samples[0]!.at;
  const xs = samples.map((s) => (s.at - t0) / 60_000);
  const ys = samples.map((s) => s.rssMiB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / Math.max(1e-9, xs.reduce((a, x) => a + (x - mx) ** 2, 0));
  return `${ys.map((y) => y.toFixed(0)).join(' ')} MiB; slope ${slope.toFixed(1)} MiB/min`;
}

interface PhaseResult {
  commitP50: number;
  commitP99: number;
  commitMax: number;
  changeP99: number;
  deliveriesPerSecond: number;
  cpuCores: number;
  rssGrowthMiB: number;
}

/** One churn phase with `specs` subscribed; prints its figures. */
async function churnPhase(env: Env, name: string, specs: SubscriberSpec[]): Promise<PhaseResult> {
  const { db, serve, sim, loads } = env;
  await openSubscribers(env, specs, 100);
  await waitForActive(serve, specs.length, 120_000);
  // No churn yet: the log is still, so every event after `from` is one every subscriber should get.
  const from = await settle(() => lastSeq(db), 1000, 10_000);
  await Promise.all(loads.map((l) => l.send({ cmd: 'report' }))); // clears what arrived while subscribing
  const metricsBefore = await serve.metrics();
  const samples: ProcSample[] = [procSample(serve.pid)];
  const load = os.loadavg()[0]!;
  const run = await churn(sim, POD_WRITES, SECONDS, () => samples.push(procSample(serve.pid)));
  const atChurnEnd = procSample(serve.pid);
  samples.push(atChurnEnd);
  // The sync commits what it holds, then the deliveries drain.
  const to = await settle(() => lastSeq(db), 2000, 60_000);
  const received = async () => (await Promise.all(loads.map((l) => l.send({ cmd: 'count' })))).reduce((n, r) => n + r.deliveries, 0);
  await settle(received, 2000, 60_000);
  const end = procSample(serve.pid);
  const metricsAfter = await serve.metrics();
  const reports = await Promise.all(loads.map((l) => l.send({ cmd: 'report' })));
  const subscribers: SubscriberRecord[] = reports.flatMap((r) => r.subscribers);

  const rows: Array<{ seq: string; namespace: string | null; uid: string; at: string }> = await db.query(
    `SELECT seq, namespace, uid, (extract(epoch FROM committed_at) * 1000)::float8 AS at FROM change_events WHERE kind = 'Pod' AND seq > $1 AND seq <= $2 ORDER BY seq`,
    [from, to],
  );
  const events: LoggedPodEvent[] = rows.map((r) => ({ seq: Number(r.seq), namespace: r.namespace, uid: r.uid, committedAt: Number(r.at) }));
  const delivery = accountDeliveries(events, from, to, subscribers);
  // Pod events per sync transaction (xmin: the inserting transaction): a commit's events are fanned out back to back.
  const commits: number[] = (
    await db.query(`SELECT count(*)::int AS n FROM change_events WHERE kind = 'Pod' AND seq > $1 AND seq <= $2 GROUP BY xmin::text`, [from, to])
  ).map((r: { n: number }) => r.n).sort((a: number, b: number) => a - b);
  const latencies = subscribers
    .flatMap((s) => Array.from(s.latencies.filter((_, i) => s.seqs[i]! > from && s.seqs[i]! <= to)))
    .sort((a, b) => a - b);
  // Per event: commit → its first receipt (bus, execution), and first → last receipt (the fan-out to its subscribers).
  const firstLast = new Map<number, [number, number]>();
  for (const sub of subscribers) {
    sub.seqs.forEach((seq, i) => {
      const at = sub.receivedAt[i]!;
      const fl = firstLast.get(seq);
      if (!fl) firstLast.set(seq, [at, at]);
      else firstLast.set(seq, [Math.min(fl[0], at), Math.max(fl[1], at)]);
    });
  }
  const toFirst: number[] = [];
  const spreads: number[] = [];
  for (const e of events) {
    const fl = firstLast.get(e.seq);
    if (!fl) continue;
    toFirst.push(fl[0] - e.committedAt);
    spreads.push(fl[1] - fl[0]);
  }
  toFirst.sort((a, b) => a - b);
  spreads.sort((a, b) => a - b);
  // One-second windows of the churn (by commit time) in which some delivery took over 100 ms: a few stalls, or everywhere?
  const commitOf = new Map(events.map((e) => [e.seq, e.committedAt]));
  const churnStart = events[0]?.committedAt ?? 0;
  const slowSeconds = new Set<number>();
  for (const sub of subscribers) {
    sub.latencies.forEach((latency, i) => {
      const at = commitOf.get(sub.seqs[i]!);
      if (latency > 100 && at !== undefined) slowSeconds.add(Math.floor((at - churnStart) / 1000));
    });
  }
  const unfiltered = subscribers.filter((s) => s.namespace === null);
  const k8s = changeToReceipt(run.writes, events, to, unfiltered);
  const cpu = end.cpuSeconds - samples[0]!.cpuSeconds;
  const delta = (metric: string, labels = '') => metricValue(metricsAfter, metric, labels) - metricValue(metricsBefore, metric, labels);

  const result: PhaseResult = {
    commitP50: percentile(latencies, 50),
    commitP99: percentile(latencies, 99),
    commitMax: latencies[latencies.length - 1] ?? NaN,
    changeP99: percentile(k8s.latencies, 99),
    deliveriesPerSecond: delivery.received / run.elapsed,
    cpuCores: (atChurnEnd.cpuSeconds - samples[0]!.cpuSeconds) / run.elapsed,
    rssGrowthMiB: atChurnEnd.rssMiB - samples[0]!.rssMiB,
  };
  console.log(`\n--- ${name}: ${specs.length} subscribers (${specs.filter((s) => s.namespace === null).length} unfiltered), load average ${load.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)}`);
  line('churn', `${run.changes} changes, ${run.writes.length} pod writes in ${run.elapsed.toFixed(1)} s (${(run.writes.length / run.elapsed).toFixed(0)}/s); ${events.length} pod events committed (${(events.length / run.elapsed).toFixed(0)}/s), log window (${from}, ${to}]`);
  line(
    'pod events per commit',
    `${commits.length} commits: p50 ${percentile(commits, 50)}, p99 ${percentile(commits, 99)}, max ${commits[commits.length - 1] ?? 0}; ` +
      `${((100 * commits.filter((n) => n >= 20).reduce((a, n) => a + n, 0)) / Math.max(1, events.length)).toFixed(0)} % of events in commits of 20 or more`,
  );
  line(`commit → receipt (${latencies.length} deliveries)`, `p50 ${ms(result.commitP50)}, p90 ${ms(percentile(latencies, 90))}, p99 ${ms(result.commitP99)}, max ${ms(result.commitMax)}`);
  line(
    `Kubernetes change → receipt (${k8s.timed} changes × unfiltered)`,
    `p50 ${ms(percentile(k8s.latencies, 50))}, p99 ${ms(result.changeP99)}, max ${ms(k8s.latencies[k8s.latencies.length - 1] ?? NaN)} (${k8s.ambiguous} ambiguous, ${k8s.superseded} superseded left out)`,
  );
  line('  per event: commit → first receipt (log clock, µs)', `p50 ${ms(percentile(toFirst, 50))}, p99 ${ms(percentile(toFirst, 99))}`);
  line('  per event: first → last receipt (fan-out)', `p50 ${ms(percentile(spreads, 50))}, p99 ${ms(percentile(spreads, 99))}`);
  line('one-second windows with a delivery over 100 ms', `${slowSeconds.size} of ${Math.ceil(run.elapsed)}`);
  line('deliveries', `${delivery.received} of ${delivery.expected} expected, ${result.deliveriesPerSecond.toFixed(0)}/s over the churn`);
  line('lost / duplicated / unexpected / out of order', `${delivery.lost} / ${delivery.duplicated} / ${delivery.unexpected} / ${delivery.outOfOrder} (${delivery.before} from before the window)`);
  for (const e of delivery.examples) line('  faulty', e);
  const errors = subscribers.flatMap((s) => s.errors);
  if (errors.length > 0) line('subscriber errors', `${errors.length}: ${errors[0]}`);
  line(
    'server: executions / delivered / dropped / slow closes (metrics)',
    `${delta('kubegraph_graphql_subscription_executions_total')} / ${delta('kubegraph_graphql_subscription_events_delivered_total')} / ${delta('kubegraph_graphql_subscription_events_dropped_total')} / ${delta('kubegraph_graphql_subscription_slow_consumer_closes_total')}`,
  );
  line(
    'serve GC: major (count, s) / minor s; event loop lag p99 / max',
    `${delta('nodejs_gc_duration_seconds_count', '{kind="major"}')}, ${delta('nodejs_gc_duration_seconds_sum', '{kind="major"}').toFixed(2)} / ` +
      `${delta('nodejs_gc_duration_seconds_sum', '{kind="minor"}').toFixed(2)}; ` +
      `${ms(metricValue(metricsAfter, 'nodejs_eventloop_lag_p99_seconds') * 1000)} / ${ms(metricValue(metricsAfter, 'nodejs_eventloop_lag_max_seconds') * 1000)}`,
  );
  line('serve CPU over the churn', `${(result.cpuCores * run.elapsed).toFixed(1)} s = ${result.cpuCores.toFixed(2)} cores (${cpu.toFixed(1)} s to the drained end)`);
  line('serve RSS over the churn (every 5 s)', rssTrend(samples));
  line('serve RSS at start → churn end → drained', `${samples[0]!.rssMiB.toFixed(0)} → ${atChurnEnd.rssMiB.toFixed(0)} → ${end.rssMiB.toFixed(0)} MiB`);
  line(
    'load generators: CPU, event loop delay p99 / max',
    reports.map((r) => `${r.cpuSeconds.toFixed(1)} s, ${r.loopDelayP99Ms.toFixed(0)} / ${r.loopDelayMaxMs.toFixed(0)} ms`).join('; '),
  );
  await closeSubscribers(env);
  return result;
}

/** Memory of serve per idle subscriber (no churn), opened in batches, each side measured after a full garbage collection. */
async function idlePhase(env: Env, specs: SubscriberSpec[]): Promise<void> {
  const { serve } = env;
  const measure = async () => {
    await serve.collectGarbage();
    await sleep(1000);
    return { rss: procSample(serve.pid).rssMiB, heap: metricValue(await serve.metrics(), 'nodejs_heap_size_used_bytes') / 2 ** 20 };
  };
  const before = await measure();
  const snapshots = process.env.BENCH_HEAP_SNAPSHOT_DIR;
  if (snapshots) await serve.writeHeapSnapshot(path.join(snapshots, 'idle-before.heapsnapshot'));
  const started = Date.now();
  await openSubscribers(env, specs, 250);
  await waitForActive(serve, specs.length, 300_000);
  const opened = (Date.now() - started) / 1000;
  const after = await measure();
  if (snapshots) await serve.writeHeapSnapshot(path.join(snapshots, `idle-${specs.length}.heapsnapshot`));
  const perSubscriber = (a: number, b: number) => `${(((b - a) * 1024) / specs.length).toFixed(1)} KiB per subscriber`;
  console.log(`\n--- idle: ${specs.length} subscribers, no churn, load average ${os.loadavg()[0]!.toFixed(1)}`);
  line('opened and counted active in', `${opened.toFixed(1)} s (batches of 250 connections per load generator)`);
  line('serve RSS before → after (each after a full GC)', `${before.rss.toFixed(0)} → ${after.rss.toFixed(0)} MiB: ${perSubscriber(before.rss, after.rss)} (target < 20 KB)`);
  line('serve V8 heap used before → after (live objects)', `${before.heap.toFixed(0)} → ${after.heap.toFixed(0)} MiB: ${perSubscriber(before.heap, after.heap)}`);
  await closeSubscribers(env);
  const closed = await measure();
  line('serve RSS / heap used once they closed (after a full GC)', `${closed.rss.toFixed(0)} / ${closed.heap.toFixed(0)} MiB`);
}

function namespaced(count: number, namespaces: string[], firstId: number): SubscriberSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: firstId + i, namespace: namespaces[i % namespaces.length]! }));
}

function unfilteredSpecs(count: number, firstId: number): SubscriberSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: firstId + i, namespace: null }));
}

export default async function subscriptionsBenchmark(): Promise<void> {
  const db = await scratchDatabase({ poolSize: 4 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-bench-subs-'));
  const sim = await startSimulatorProcess({ pods: PODS, namespaces: NAMESPACES, seed: 'subscriptions' });
  const loads: LoadProcess[] = [];
  let serve: ServeProcess | undefined;
  try {
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, sim.kubeconfig);
    const env = { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    await promisify(execFile)(process.execPath, ['bin/kubegraph.js', 'cluster', 'add', '--kubeconfig', kubeconfig, '--org', 'bench', '--name', 'subscriptions'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    });
    const tokens = new ApiTokenService(db.dataSource);
    const organization = await tokens.ensureOrganization('bench');
    const { secret } = await tokens.create({ organizationId: organization.id, name: 'bench', role: 'viewer' });

    const profileDir = process.env.BENCH_SERVE_CPU_PROF;
    serve = await startServe(env, ['--max-semi-space-size=64', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])]);
    const synced = Date.now();
    // Synced: the pods are stored and the change log has been still for 3 s.
    await settle(async () => {
      const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_pods WHERE deleted_at IS NULL`);
      return [n >= PODS * 0.95, await lastSeq(db.dataSource)];
    }, 3000, 300_000);
    const namespaces: string[] = (
      await db.dataSource.query(`SELECT namespace FROM k8s_pods WHERE deleted_at IS NULL GROUP BY namespace ORDER BY count(*) DESC LIMIT $1`, [NAMESPACES])
    ).map((r: { namespace: string }) => r.namespace);
    const [{ n: syncedPods }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_pods WHERE deleted_at IS NULL`);
    console.log(
      `serve pid ${serve.pid} synced ${syncedPods} pods in ${((Date.now() - synced) / 1000).toFixed(1)} s; namespaces ${namespaces.join(', ')}; ` +
        `${SECONDS} s of churn per phase at ${POD_WRITES} pod writes/s; ${PROCESSES} load generator processes; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    );
    for (let i = 0; i < PROCESSES; i++) loads.push(new LoadProcess());
    const e: Env = { db: db.dataSource, serve, sim, loads, token: secret, wsUrl: `${serve.url.replace(/^http/, 'ws')}/graphql` };

    const base = await churnPhase(e, 'baseline', unfilteredSpecs(UNFILTERED, 0));
    const loaded = await churnPhase(e, 'load', [...namespaced(PER_NAMESPACE * namespaces.length, namespaces, 0), ...unfilteredSpecs(UNFILTERED, 100_000)]);

    console.log('\n--- load / baseline');
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    line('commit → receipt p50 / p99 / max', `${ratio(loaded.commitP50, base.commitP50)} / ${ratio(loaded.commitP99, base.commitP99)} / ${ratio(loaded.commitMax, base.commitMax)}`);
    line('Kubernetes change → receipt p99', ratio(loaded.changeP99, base.changeP99));
    line('deliveries per second', ratio(loaded.deliveriesPerSecond, base.deliveriesPerSecond));
    line('serve CPU per wall second', `${ratio(loaded.cpuCores, base.cpuCores)} (${base.cpuCores.toFixed(2)} → ${loaded.cpuCores.toFixed(2)} cores)`);
    line('serve RSS growth over the churn', `${base.rssGrowthMiB.toFixed(0)} → ${loaded.rssGrowthMiB.toFixed(0)} MiB`);
    line(`target: p99 commit → receipt < 100 ms at ${PER_NAMESPACE * namespaces.length + UNFILTERED} subscribers`, `${loaded.commitP99 < 100 ? 'met' : 'missed'} (${ms(loaded.commitP99)})`);
    // Last: the churn phases run on a heap that 10,000 connections have not been through, and without the inspector.
    if (IDLE > 0) await idlePhase(e, namespaced(IDLE, namespaces, 0));
    console.log(`load average at the end ${os.loadavg()[0]!.toFixed(1)} (other processes on this machine inflate every figure alike)`);
  } finally {
    for (const l of loads) await l.stop();
    await serve?.stop();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
    await db.cleanup();
  }
}
