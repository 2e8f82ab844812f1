import { InProcessEventBus } from '../src/events/in-process-event-bus.js';
import { logger } from '../src/common/logger.js';
import type { AppliedChange } from '../src/simulator/sim-change.js';
import { percentile } from './stats.js';
import { line, startSimulatorProcess, startSync } from './sync-support.js';
import { scratchDatabase } from './scratch-database.js';

/**
 * Steady churn at about 1,000 changes per second against a 10,000-pod cluster: latency from the moment a change is
 * sent to the simulator to the commit of the pod row it wrote (the writer's commit time, published with the event).
 * Baseline in the same run and database: the commit latency of a one-row UPDATE issued at the same pace.
 *
 * Every pod write is followed: the simulator reports the object writes of each change (uid and the resourceVersion
 * each got), and a committed pod event carries the row's resourceVersion. A write is matched with the first committed
 * event of the same uid at its resourceVersion or a later one (the simulator's resourceVersions are a counter, so
 * the benchmark may order them; the sync only compares them for equality); see Match for what a later one means.
 */

interface SentWrite {
  uid: string;
  rv: number;
  change: string;
  type: string;
  /** Index of the tick that sent it. */
  tick: number;
  at: number;
  /** When the simulator made the change (its clock: the same host's). */
  made: number;
  replied: number;
}

interface Match {
  write: SentWrite;
  /**
   * exact: an event carries the write's resourceVersion. with-newer: the first event at or after it carries a newer
   * state, sent in the same tick, or while the sync had not yet committed the write's tick (coalesced while queued).
   * nothing-stored: the newer state came after the sync had committed the write's tick, so the write itself changed
   * nothing the sync stores (a pod marked NotReady and Ready again before its row was written, say).
   * never: no event at or after it (the last writes of a pod that changed nothing stored).
   */
  match: 'exact' | 'with-newer' | 'nothing-stored' | 'never';
  committed?: number;
}

/** Classifies every pod write against the committed events (see Match). */
function matchWrites(sent: SentWrite[], committed: Map<string, Array<{ rv: number; at: number }>>): Match[] {
  const byUid = new Map<string, SentWrite[]>();
  for (const s of sent) {
    let writes = byUid.get(s.uid);
    if (!writes) byUid.set(s.uid, (writes = []));
    writes.push(s);
  }
  // When the sync had committed every write of a tick that got its own event: the writer takes changes in arrival
  // order, so a write of that tick still unwritten by then changed nothing stored.
  const tickDone = new Map<number, number>();
  for (const [uid, writes] of byUid) {
    const at = new Map((committed.get(uid) ?? []).map((e) => [e.rv, e.at]));
    for (const w of writes) {
      const t = at.get(w.rv);
      if (t !== undefined) tickDone.set(w.tick, Math.max(tickDone.get(w.tick) ?? 0, t));
    }
  }
  const out: Match[] = [];
  for (const [uid, writes] of byUid) {
    const events = committed.get(uid) ?? [];
    for (const w of writes) {
      const e = events.find((c) => c.rv >= w.rv);
      if (!e) out.push({ write: w, match: 'never' });
      else if (e.rv === w.rv) out.push({ write: w, match: 'exact', committed: e.at });
      else {
        const newer = writes.find((o) => o.rv === e.rv);
        const queued = newer !== undefined && (newer.tick === w.tick || newer.at < (tickDone.get(w.tick) ?? Infinity));
        out.push({ write: w, match: queued ? 'with-newer' : 'nothing-stored', committed: e.at });
      }
    }
  }
  return out;
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
  const committed = new Map<string, Array<{ rv: number; at: number }>>();
  let podEvents = 0;
  let eventsWithoutRv = 0;
  bus.subscribe((events) => {
    for (const e of events) {
      if (e.kind !== 'Pod') continue;
      podEvents++;
      const rv = Number(e.state.resourceVersion);
      if (!Number.isFinite(rv)) {
        eventsWithoutRv++;
        continue;
      }
      const list = committed.get(e.uid) ?? [];
      list.push({ rv, at: e.committedAt.getTime() });
      committed.set(e.uid, list);
    }
  });
  const { sync, client, clusterId } = await startSync(db.dataSource, bus, sim, 'churn');
  try {
    await sync.whenSynced();
    committed.clear();
    podEvents = 0;

    const sent: SentWrite[] = [];
    const baseline: number[] = [];
    let changes = 0;
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    let next = started;
    const tickTimes: number[] = [];
    const pendingBaseline: Array<Promise<void>> = [];
    let tick = 0;
    while (Date.now() - started < seconds * 1000) {
      const at = Date.now();
      const { applied } = await sim.admin<{ applied: AppliedChange[] }>('tick', { changes: perTick });
      const replied = Date.now();
      tickTimes.push(replied - at);
      changes += applied.length;
      for (const c of applied) {
        for (const w of c.writes) {
          if (w.resource === 'pods') sent.push({ uid: w.uid, rv: Number(w.resourceVersion), change: c.kind, type: w.type, tick, at, made: c.appliedAt, replied });
        }
      }
      tick++;
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
    // below (latency from it is an upper bound), its reply from above (latency from it is a lower bound). The
    // simulator also stamps each change; it runs on the same host, so its clock is this process's.
    const m = matchWrites(sent, committed);
    const timed = m.filter((x) => x.match === 'exact' || x.match === 'with-newer');
    const latencies = timed.map((x) => x.committed! - x.write.at).sort((a, b) => a - b);
    const fromReply = timed.map((x) => Math.max(0, x.committed! - x.write.replied)).sort((a, b) => a - b);
    const fromChange = timed.map((x) => x.committed! - x.write.made).sort((a, b) => a - b);
    const count = (c: Match['match']) => m.filter((x) => x.match === c).length;
    baseline.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    line(`churn: changes sent over ${elapsed.toFixed(1)} s`, `${changes} (${(changes / elapsed).toFixed(0)}/s), ${(podEvents / elapsed).toFixed(0)} pod events/s committed`);
    line(
      `pod writes sent: ${sent.length}`,
      `${count('exact')} committed as written, ${count('with-newer')} with a newer state of the same pod, ` +
        `${count('nothing-stored')} superseded with nothing stored, ${count('never')} never committed` + (eventsWithoutRv ? ` (${eventsWithoutRv} events without a resourceVersion)` : ''),
    );
    line(`pod write → row committed (${latencies.length} writes)`, `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${latencies[latencies.length - 1]?.toFixed(0)} ms`);
    line('  same, measured from the tick reply (lower bound)', `p50 ${percentile(fromReply, 50).toFixed(0)} ms, p99 ${percentile(fromReply, 99).toFixed(0)} ms`);
    line('  same, measured from when the simulator made the change', `p50 ${percentile(fromChange, 50).toFixed(0)} ms, p99 ${percentile(fromChange, 99).toFixed(0)} ms`);
    const slowest = timed.reduce<Match | undefined>((a, x) => (!a || x.committed! - x.write.at > a.committed! - a.write.at ? x : a), undefined);
    if (slowest) line(`  slowest: a ${slowest.write.change} write (${slowest.write.type}), ${slowest.match}`, `${slowest.committed! - slowest.write.at} ms`);
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
