import { InProcessEventBus } from '../src/events/in-process-event-bus.js';
import { logger } from '../src/logger.js';
import { line, percentile, startSimulatorProcess, startSync } from './sync-support.js';
import { scratchDatabase } from './scratch-database.js';

/**
 * Steady churn at about 1,000 changes per second against a 10,000-pod cluster: latency from the moment a change is
 * sent to the simulator to the commit of the row it changed (the writer's commit time, published with the event).
 * Baseline in the same run and database: the commit latency of a one-row UPDATE issued at the same pace.
 */

const POD_CHANGES = new Set(['crashPod', 'oomKill', 'imagePullBackOff', 'recoverPod', 'completePod', 'deletePod']);

interface Applied {
  kind: string;
  namespace?: string;
  name?: string;
}

export default async function benchChurn(): Promise<void> {
  if (!process.env.LOG_LEVEL) logger.level = 'warn';
  const rate = Number(process.env.BENCH_CHURN_RATE ?? 1000);
  const seconds = Number(process.env.BENCH_CHURN_SECONDS ?? 20);
  const tickMs = 50;
  const perTick = Math.round((rate * tickMs) / 1000);
  const db = await scratchDatabase();
  const sim = await startSimulatorProcess({ pods: 10_000, seed: 'churn' });
  const bus = new InProcessEventBus();
  const committed = new Map<string, number[]>();
  let podEvents = 0;
  bus.subscribe((events) => {
    for (const e of events) {
      if (e.kind !== 'Pod') continue;
      podEvents++;
      const key = `${e.namespace}/${e.name}`;
      const list = committed.get(key) ?? [];
      list.push(e.committedAt.getTime());
      committed.set(key, list);
    }
  });
  const { sync, client, clusterId } = await startSync(db.dataSource, bus, sim, 'churn');
  try {
    await sync.whenSynced();
    committed.clear();
    podEvents = 0;

    const sent: Array<{ key: string; at: number; replied: number }> = [];
    const baseline: number[] = [];
    let changes = 0;
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    let next = started;
    const tickTimes: number[] = [];
    const pendingBaseline: Array<Promise<void>> = [];
    while (Date.now() - started < seconds * 1000) {
      const at = Date.now();
      const { applied } = await sim.admin<{ applied: Applied[] }>('tick', { changes: perTick });
      const replied = Date.now();
      tickTimes.push(replied - at);
      changes += applied.length;
      for (const c of applied) if (POD_CHANGES.has(c.kind) && c.namespace && c.name) sent.push({ key: `${c.namespace}/${c.name}`, at, replied });
      const b = performance.now();
      pendingBaseline.push(
        db.dataSource.query(`UPDATE k8s_clusters SET updated_at = now() WHERE id = $1`, [clusterId]).then(() => {
          baseline.push(performance.now() - b);
        }),
      );
      next += tickMs;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const elapsed = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await Promise.all(pendingBaseline);
    tickTimes.sort((a, b) => a - b);

    await sync.flush();
    await new Promise((r) => setTimeout(r, 500));

    // The simulator applies a tick's changes while the request runs: its send time bounds the change time from
    // below (latency from it is an upper bound), its reply from above (latency from it is a lower bound).
    const latencies: number[] = [];
    const fromReply: number[] = [];
    let unmatched = 0;
    for (const s of sent) {
      const t = committed.get(s.key)?.find((c) => c >= s.at);
      if (t === undefined) unmatched++;
      else {
        latencies.push(t - s.at);
        fromReply.push(Math.max(0, t - s.replied));
      }
    }
    latencies.sort((a, b) => a - b);
    fromReply.sort((a, b) => a - b);
    baseline.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    line(`churn: changes sent over ${elapsed.toFixed(1)} s`, `${changes} (${(changes / elapsed).toFixed(0)}/s), ${(podEvents / elapsed).toFixed(0)} pod events/s committed`);
    line(`change → row committed, ${latencies.length} named pod changes (${unmatched} without a row change)`, `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${latencies[latencies.length - 1]?.toFixed(0)} ms`);
    line('  same, measured from the tick reply (lower bound)', `p50 ${percentile(fromReply, 50).toFixed(0)} ms, p99 ${percentile(fromReply, 99).toFixed(0)} ms`);
    line('baseline: one-row UPDATE commit at the same pace', `p50 ${percentile(baseline, 50).toFixed(1)} ms, p99 ${percentile(baseline, 99).toFixed(1)} ms`);
    line('ratio p99 sync / p99 baseline (target p99 < 250 ms)', `${(p99 / percentile(baseline, 99)).toFixed(1)}x`);
    line('simulator tick request (send → applied)', `p50 ${percentile(tickTimes, 50)} ms, p99 ${percentile(tickTimes, 99)} ms`);
    line('CPU of this process (sync + driver) per wall second', `${((cpu.user + cpu.system) / 1e6 / elapsed).toFixed(2)} cores`);
    line('writer', JSON.stringify({ batches: sync.writerStats().batches, transactionMs: Math.round(sync.writerStats().transactionMs) }));
  } finally {
    await sync.stop();
    client.close();
    await sim.stop();
    await db.cleanup();
  }
}
