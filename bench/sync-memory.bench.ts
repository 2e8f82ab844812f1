import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InProcessEventBus } from '../src/events/in-process-event-bus.js';
import { logger } from '../src/common/logger.js';
import { line, type SimulatorProcess, startSimulatorProcess, startSync } from './sync-support.js';
import { scratchDatabase } from './scratch-database.js';

/**
 * Resident memory of one process syncing 10 clusters × 10,000 pods (the simulators run in their own processes).
 * Baseline in the same process: resident memory before any sync started (runtime, modules, database pool).
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settle(): { rss: number; heap: number; external: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external };
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

/** Resident memory split as the kernel reports it: anonymous (heap, buffers) vs file-backed (mapped code, e.g. swc). */
function residentSplit(): string {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return `anonymous ${mib(kb('RssAnon'))}, file-backed ${mib(kb('RssFile'))}, V8 heap total ${mib(process.memoryUsage().heapTotal)}`;
}

export default async function benchMemory(): Promise<void> {
  if (!process.env.LOG_LEVEL) logger.level = 'warn';
  const clusters = Number(process.env.BENCH_MEMORY_CLUSTERS ?? 10);
  const pods = Number(process.env.BENCH_MEMORY_PODS ?? 10_000);
  const db = await scratchDatabase({ poolSize: 20 });
  const sims: SimulatorProcess[] = [];
  const syncs: Awaited<ReturnType<typeof startSync>>[] = [];
  try {
    for (let i = 0; i < clusters; i++) sims.push(await startSimulatorProcess({ pods, seed: `memory-${i}`, name: `memory-${i}` }));
    const bus = new InProcessEventBus();
    const before = settle();
    line('baseline split', residentSplit());
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const started = performance.now();
    for (let i = 0; i < clusters; i++) syncs.push(await startSync(db.dataSource, bus, sims[i]!, `memory-${i}`));
    await Promise.all(syncs.map((s) => s.sync.whenSynced()));
    const syncedMs = performance.now() - started;
    // A little churn on every cluster, so that watches, batches and events are all in use when measured.
    for (let round = 0; round < 10; round++) {
      await Promise.all(sims.map((s) => s.admin('tick', { changes: 20 })));
      await new Promise((r) => setTimeout(r, 200));
    }
    await Promise.all(syncs.map((s) => s.sync.flush()));
    clearInterval(sampler);
    const justAfter = settle();
    // Steady state: watches open, a trickle of changes; V8 gives back the heap the initial lists grew once idle.
    const steadyMs = Number(process.env.BENCH_MEMORY_STEADY_MS ?? 30_000);
    for (let t = 0; t < steadyMs; t += 1000) {
      await sims[t % sims.length]!.admin('tick', { changes: 5 });
      await new Promise((r) => setTimeout(r, 1000));
    }
    const after = settle();
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_pods WHERE deleted_at IS NULL`);
    line(`${clusters} clusters × ${pods} pods synced (${n} live pod rows)`, `${(syncedMs / 1000).toFixed(1)} s`);
    line('baseline: resident memory before any sync', `${mib(before.rss)} (heap ${mib(before.heap)})`);
    line('resident memory right after the initial syncs, after GC', `${mib(justAfter.rss)} (heap ${mib(justAfter.heap)})`);
    line(`resident memory in steady sync ${steadyMs / 1000} s later (target < 400 MiB)`, `${mib(after.rss)} (heap ${mib(after.heap)}, external ${mib(after.external)})`);
    line('  of which', residentSplit());
    line('peak resident memory during the initial syncs', mib(peak));
    line('ratio steady / baseline resident memory', `${(after.rss / before.rss).toFixed(2)}x`);
    line('heap per synced pod', `${((after.heap - before.heap) / n).toFixed(0)} bytes`);
  } finally {
    for (const s of syncs) {
      await s.sync.stop();
      s.client.close();
    }
    for (const s of sims) await s.stop();
    await db.cleanup();
  }
}
