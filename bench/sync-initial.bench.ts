import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { InProcessEventBus } from '../src/events/in-process-event-bus.js';
import { logger } from '../src/common/logger.js';
import { createClusterRow, line, startSimulatorProcess, startSync } from './sync-support.js';
import { machineBusySeconds } from './stats.js';
import { scratchDatabase } from './scratch-database.js';

/**
 * Initial sync of a 10,000- and a 50,000-pod simulated cluster: pods per second from start to every row committed,
 * against the physical limit measured in the same run: a bulk COPY of the very same pod rows into the same table
 * (same indexes, same partitions) from memory.
 */

async function copyBaseline(url: string, fromCluster: string, toCluster: string): Promise<{ ms: number; rows: number; busy: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = (
      await client.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'k8s_pods' AND column_name NOT IN ('id', 'cluster_id') ORDER BY ordinal_position`,
      )
    ).rows.map((r: { column_name: string }) => r.column_name);
    const chunks: Buffer[] = [];
    const out = client.query(copyTo(`COPY (SELECT '${toCluster}'::uuid, ${columns.join(', ')} FROM k8s_pods WHERE cluster_id = '${fromCluster}') TO STDOUT`));
    for await (const chunk of out) chunks.push(chunk as Buffer);
    const rows = chunks.reduce((n, c) => n + c.toString().split('\n').length - 1, 0);
    const started = performance.now();
    const busyBefore = machineBusySeconds();
    await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY k8s_pods (cluster_id, ${columns.join(', ')}) FROM STDIN`)));
    return { ms: performance.now() - started, rows, busy: machineBusySeconds() - busyBefore };
  } finally {
    await client.end();
  }
}

export default async function benchInitialSync(): Promise<void> {
  if (!process.env.LOG_LEVEL) logger.level = 'warn';
  const sizes = (process.env.BENCH_SYNC_PODS ?? '10000,50000').split(',').map(Number);
  for (const pods of sizes) {
    const db = await scratchDatabase();
    const sim = await startSimulatorProcess({ pods, seed: `initial-${pods}` });
    const bus = new InProcessEventBus();
    let events = 0;
    bus.subscribe((batch) => (events += batch.length));
    try {
      const started = performance.now();
      const [busyBefore, ownBefore] = [machineBusySeconds(), process.cpuUsage()];
      const { sync, client, clusterId } = await startSync(db.dataSource, bus, sim, `initial-${pods}`);
      await sync.whenSynced();
      const ms = performance.now() - started;
      const own = process.cpuUsage(ownBefore);
      const busy = machineBusySeconds() - busyBefore;
      const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_pods WHERE cluster_id = $1`, [clusterId]);
      const stats = sync.writerStats();
      await sync.stop();
      client.close();

      const copyCluster = await createClusterRow(db.dataSource, `copy-${pods}`);
      const copy = await copyBaseline(db.url, clusterId, copyCluster.id);
      const syncRate = n / (ms / 1000);
      const copyRate = copy.rows / (copy.ms / 1000);
      line(`initial sync, ${n} pods (all kinds, over HTTPS)`, `${ms.toFixed(0)} ms, ${syncRate.toFixed(0)} pods/s, ${stats.batches} batches (${stats.transactionMs.toFixed(0)} ms in transactions, ${stats.copied} rows by COPY), ${events} events`);
      line(`baseline: COPY of the same ${copy.rows} pod rows from memory`, `${copy.ms.toFixed(0)} ms, ${copyRate.toFixed(0)} pods/s`);
      line(`ratio sync / COPY (target >= 0.33, and >= 10000 pods/s)`, `${(syncRate / copyRate).toFixed(2)}`);
      // CPU is what the two cores had to give, whoever was busy: steadier than time on a shared machine.
      line(`CPU, sync: this process / whole machine`, `${((own.user + own.system) / 1e6).toFixed(2)} s / ${busy.toFixed(2)} s (${((busy * 1e6) / n).toFixed(0)} µs per pod)`);
      line(`CPU, COPY baseline: whole machine`, `${copy.busy.toFixed(2)} s (${((copy.busy * 1e6) / copy.rows).toFixed(0)} µs per pod)`);
    } finally {
      await sim.stop();
      await db.cleanup();
    }
  }
}
