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
import type { DataSource } from 'typeorm';
import { ApiTokenService } from '../src/auth/api-token.service.js';
import { loadConfig } from '../src/config.js';
import { InProcessEventBus } from '../src/events/in-process-event-bus.js';
import { mountGraphQL } from '../src/server/graphql-endpoint.js';
import { createHttpServer } from '../src/server/http-server.js';
import { seedInventory } from '../test/support/seed.js';
import { scratchDatabase } from './scratch-database.js';
import { percentile } from './stats.js';

const SHAPE = { clusters: 20, namespacesPerCluster: 20, deploymentsPerNamespace: 10, podsPerDeployment: 5, nodesPerCluster: 10 };
/** Concurrent clients per measurement: 1 shows latency, 4 shows throughput under contention (2 cores). */
const CONCURRENCY_LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,4').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

const CLUSTER_OVERVIEW = `query ClusterOverview {
  clusters(first: 20) { totalCount nodes { id name provider status statusMessage lastSyncAt podCount
    health { nodeCount readyNodeCount runningPodCount pendingPodCount failedPodCount deploymentCount healthyDeploymentCount cpuUtilization memoryUtilization hourlyCostEstimate }
    namespaces(first: 5, orderBy: { field: POD_COUNT, direction: DESC }) { totalCount nodes { name team podCount } } } }
}`;

const DRILL_DOWN = `query FourLevels {
  clusters(first: 20) { nodes { name status
    namespaces(first: 5) { totalCount nodes { name team
      deployments(first: 5) { totalCount nodes { name health desiredReplicas readyReplicas
        pods(first: 5) { totalCount nodes { name phase ready restartCount node { name zone ready } } } } } } } } }
}`;

const POD_TABLE = `query PodTable($filter: PodFilter) {
  pods(first: 100, filter: $filter, orderBy: { field: RESTART_COUNT, direction: DESC }) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id name namespaceName phase reason ready restartCount nodeName cpuRequestMillicores memoryRequestBytes createdAt
      deployment { name } cluster { name } } } }
}`;

interface Scenario {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  check(data: any): void;
}

const SCENARIOS: Scenario[] = [
  { name: 'cluster overview (20 clusters, health, top 5 namespaces)', query: CLUSTER_OVERVIEW, check: (d) => assertEqual(d.clusters.nodes.length, 20) },
  {
    name: 'four-level drill-down (20 × 5 × 5 × 5 = 2,500 pods with node)',
    query: DRILL_DOWN,
    check: (d) => assertEqual(d.clusters.nodes.flatMap((c: any) => c.namespaces.nodes.flatMap((n: any) => n.deployments.nodes.flatMap((x: any) => x.pods.nodes))).length, 2500),
  },
  { name: 'pod table page (100 of 20,000, filtered by phase)', query: POD_TABLE, variables: { filter: { phases: ['RUNNING'] } }, check: (d) => assertEqual(d.pods.edges.length, 100) },
];

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

function assertEqual(actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`benchmark response check failed: expected ${expected}, got ${actual}`);
}

interface Result {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function run(url: string, token: string, scenario: Scenario, concurrency: number): Promise<Result> {
  const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
  const once = async (): Promise<number> => {
    const started = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    const json = (await res.json()) as { data?: unknown; errors?: Array<{ message: string }> };
    if (res.status !== 200 || json.errors) throw new Error(`benchmark request failed (${res.status}): ${JSON.stringify(json.errors ?? json).slice(0, 300)}`);
    const elapsed = performance.now() - started;
    scenario.check(json.data);
    return elapsed;
  };
  for (let i = 0; i < 3; i++) await once();
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline || latencies.length < concurrency * 3) latencies.push(await once());
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
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
    for (const scenario of SCENARIOS) {
      for (const concurrency of CONCURRENCY_LEVELS) {
        const results: Record<string, Result> = {};
        for (const mode of ['batched', 'unbatched'] as const) {
          const r = await run(urls[mode], secret, scenario, concurrency);
          results[mode] = r;
          console.log(`${scenario.name.padEnd(62)} ${String(concurrency).padStart(7)} ${mode.padEnd(10)} ${fmt(r.perSecond)} ${fmt(r.p50)} ${fmt(r.p99)} ${String(r.requests).padStart(8)}`);
        }
        console.log(`${''.padEnd(62)} ${''.padStart(7)} ratio      ${fmt(results.batched.perSecond / results.unbatched.perSecond, 2)}× throughput with loaders`);
      }
    }
    console.log(`load average at the end ${os.loadavg()[0].toFixed(1)} (other processes on this machine inflate every figure alike)`);
  } finally {
    for (const s of servers) await s.close();
    await db.cleanup();
  }
}
