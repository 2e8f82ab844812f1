/**
 * GraphQL read path with per-request DataLoaders against the same server with batching switched off,
 * in one run: the dashboard's cluster overview, the four-level drill-down and a 100-row pod table page
 * over 20 clusters × 20 namespaces × 10 deployments × 5 pods (20,000 pods) in a fresh database.
 *
 * Database: BENCH_DATABASE_URL (a scratch database is created on that server and
 * dropped afterwards), otherwise an embedded PostgreSQL in a temporary directory.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';
import { ApiTokenService } from '../src/auth/api-token.service.js';
import { loadConfig } from '../src/common/config.js';
import { InProcessEventBus } from '../src/events/in-process-event-bus.js';
import { mountGraphQL } from '../src/server/graphql-endpoint.js';
import { createHttpServer } from '../src/server/http-server.js';
import { seedInventory } from '../test/support/seed.js';
import type { LoadRequest, Result } from './api-load.worker.js';
import { FLOOR_SCENARIO, SCENARIOS } from './api-scenarios.js';
import { scratchDatabase } from './scratch-database.js';

const SHAPE = { clusters: 20, namespacesPerCluster: 20, deploymentsPerNamespace: 10, podsPerDeployment: 5, nodesPerCluster: 10 };
/** Concurrent clients per measurement: 1 shows latency, 4 shows throughput under contention (2 cores). */
const CONCURRENCY_LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,4').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
/** Only the scenarios whose name contains one of these words (comma-separated), e.g. `overview,drill`. */
const ONLY = (process.env.BENCH_SCENARIOS ?? '').split(',').map((w) => w.trim()).filter(Boolean);

/**
 * A snapshot still open elsewhere during the VACUUM (an autovacuum ANALYZE started while seeding) keeps it
 * from marking the newest pages all-visible: once 500 of 2,000 pod pages were, and index-only plans (the
 * health view's) then read the heap, 3.5 → 12 ms, at random between runs. VACUUM again until every
 * inventory table's pages are all-visible.
 */
async function settleVisibilityMap(dataSource: DataSource): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const [{ settled }] = await dataSource.query(
      `SELECT bool_and(relallvisible >= relpages) AS settled FROM pg_class WHERE relkind = 'r' AND relname LIKE 'k8s\\_%'`,
    );
    if (settled) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await dataSource.query('VACUUM');
  }
}

/** One measurement, its requests sent from a worker thread (bench/api-load.worker.ts). */
function run(request: LoadRequest): Promise<Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./api-load.worker.js', import.meta.url), { workerData: request });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
  });
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits).padStart(8);
}

export default async function apiBenchmark(): Promise<void> {
  // The unbatched baseline queues hundreds of statements per request: give pool waits room, not errors.
  const db = await scratchDatabase({ poolSize: 10, connectTimeoutMs: 120_000 });
  const { dataSource } = db;
  const servers: Array<{ close(): Promise<void> }> = [];
  try {
    const tokens = new ApiTokenService(dataSource);
    const organization = await tokens.ensureOrganization('bench');
    const { secret } = await tokens.create({ organizationId: organization.id, name: 'bench', role: 'viewer' });
    const seedStarted = performance.now();
    await seedInventory(dataSource, organization.id, SHAPE);
    // Steady state, as autovacuum leaves a synced database: visibility map set, statistics fresh.
    await dataSource.query('VACUUM ANALYZE');
    await settleVisibilityMap(dataSource);
    const [{ pods }] = await dataSource.query('SELECT count(*)::int AS pods FROM k8s_pods');
    console.log(`seeded ${SHAPE.clusters} clusters × ${SHAPE.namespacesPerCluster} namespaces × ${SHAPE.deploymentsPerNamespace} deployments × ${SHAPE.podsPerDeployment} pods = ${pods} pods in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const urls: Record<'batched' | 'unbatched', string> = { batched: '', unbatched: '' };
    for (const mode of ['batched', 'unbatched'] as const) {
      const config = { ...loadConfig({ PORT: '0', HOST: '127.0.0.1' }) };
      const eventBus = new InProcessEventBus();
      const http = createHttpServer({ config, readiness: { check: async () => ({ ready: true, checks: {} }) } });
      let stop = async () => {};
      await http.mount(async (app, server) => {
        const endpoint = await mountGraphQL(app, server, { config, dataSource, eventBus, loaders: { batch: mode === 'batched' } });
        stop = () => endpoint.stop();
      });
      await http.listen();
      urls[mode] = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/graphql`;
      servers.push({ close: async () => { await stop(); await http.close(1000); await eventBus.close(); } });
    }

    console.log(`${SECONDS} s per measurement; same process, same database, same schema; load average ${os.loadavg()[0].toFixed(1)}`);
    console.log(`${'scenario'.padEnd(62)} ${'clients'.padStart(7)} ${'mode'.padEnd(10)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'requests'.padStart(8)}`);
    const unbatchedRates = new Map<string, number>();
    const floorRates = new Map<number, number>();
    for (const [index, scenario] of SCENARIOS.entries()) {
      if (ONLY.length > 0 && !ONLY.some((w) => scenario.name.includes(w))) continue;
      for (const concurrency of CONCURRENCY_LEVELS) {
        const results: Record<string, Result> = {};
        for (const mode of ['batched', 'unbatched'] as const) {
          const r = await run({ url: urls[mode], token: secret, scenario: index, concurrency, seconds: SECONDS });
          results[mode] = r;
          console.log(`${scenario.name.padEnd(62)} ${String(concurrency).padStart(7)} ${mode.padEnd(10)} ${fmt(r.perSecond)} ${fmt(r.p50)} ${fmt(r.p99)} ${String(r.requests).padStart(8)}`);
        }
        console.log(`${''.padEnd(62)} ${''.padStart(7)} ratio      ${fmt(results.batched.perSecond / results.unbatched.perSecond, 2)}× throughput with loaders`);
        unbatchedRates.set(`${index}/${concurrency}`, results.unbatched.perSecond);
        if (scenario === FLOOR_SCENARIO) floorRates.set(concurrency, results.batched.perSecond);
      }
    }
    // No request can beat the floor, so the floor over a scenario's unbatched rate bounds the ratio loaders can reach.
    for (const [concurrency, floor] of floorRates) {
      for (const [index, scenario] of SCENARIOS.entries()) {
        const unbatched = unbatchedRates.get(`${index}/${concurrency}`);
        if (scenario === FLOOR_SCENARIO || unbatched === undefined) continue;
        console.log(`highest ratio possible, ${concurrency} client(s): ${scenario.name}: ${(floor / unbatched).toFixed(2)}× (floor ${floor.toFixed(1)} req/s / unbatched ${unbatched.toFixed(1)} req/s)`);
      }
    }
    console.log(`load average at the end ${os.loadavg()[0].toFixed(1)} (other processes on this machine inflate every figure alike)`);
  } finally {
    for (const s of servers) await s.close();
    await db.cleanup();
  }
}
