import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InProcessEventBus } from '../src/events/in-process-event-bus.js';
import { logger } from '../src/logger.js';
import { line, scratchDatabase, type SimulatorProcess, startSimulatorProcess, startSync } from './sync-support.js';

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

export default async function benchMemory(): Promise<void> {
  if (!process.env.LOG_LEVEL) logger.level = 'warn';
  const clusters = Number(process.env.BENCH_MEMORY_CLUSTERS ?? 10);
  const pods = Number(process.env.BENCH_MEMORY_PODS ?? 10_000);
  const db = await scratchDatabase(20);
  const sims: SimulatorProcess[] = [];
  const syncs: Awaited<ReturnType<typeof startSync>>[] = [];
  try {
    for (let i = 0; i < clusters; i++) sims.push(await startSimulatorProcess({ pods, seed: `memory-${i}`, name: `memory-${i}` }));
    const bus = new InProcessEventBus();
    const before = settle();
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
    const after = settle();
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_pods WHERE deleted_at IS NULL`);
    line(`${clusters} clusters × ${pods} pods synced (${n} live pod rows)`, `${(syncedMs / 1000).toFixed(1)} s`);
    line('baseline: resident memory before any sync', `${mib(before.rss)} (heap ${mib(before.heap)})`);
    line('resident memory in steady sync, after GC (target < 400 MiB)', `${mib(after.rss)} (heap ${mib(after.heap)}, external ${mib(after.external)})`);
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
