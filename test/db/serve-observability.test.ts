/**
 * What an operator sees of a running serve: each part's connections named apart in pg_stat_activity, and /metrics in
 * the Prometheus text format with values that follow what the server did.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { WebSocket } from 'ws';
import { ApiTokenService } from '../../src/auth/api-token.service.js';
import { loadConfig } from '../../src/common/config.js';
import { MAX_OPERATION_NAMES, OperationNames } from '../../src/server/graphql-metrics.js';
import { startServe, type RunningServer } from '../../src/server/serve.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type MetricFamily, parsePrometheusText, sampleValue, samplesWith } from '../support/prometheus-text.js';
import { runCli } from './support/processes.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const PARTS = ['kubegraph-api', 'kubegraph-sync', 'kubegraph-events', 'kubegraph-cost', 'kubegraph-maintenance'];
const KINDS = ['Namespace', 'Deployment', 'ReplicaSet', 'Node', 'Pod', 'PersistentVolumeClaim', 'Secret', 'ResourceQuota', 'LimitRange', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Event'];

let db: TestDatabase;
let sim: SimulatedCluster;
let server: RunningServer;
let token: string;
let clusterId: string;
const encryptionKey = randomBytes(32).toString('base64');
/** Every application_name seen connected to the test database since before serve started. */
const seen = new Set<string>();
let sampling = true;
let sampler: Promise<void> | undefined;

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function scrape(): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

async function graphql(query: string, auth: string | undefined): Promise<{ status: number; body: { data?: unknown; errors?: unknown[] } }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
}

beforeAll(async () => {
  // The test's own connections are named apart from serve's.
  db = await createTestDatabase({ dataSource: { applicationName: 'observability-test', poolSize: 2 } });
  // Idle pooled connections stay open for 10 s, so sampling every 25 ms sees every part that connected.
  sampler = (async () => {
    while (sampling) {
      const rows: Array<{ name: string }> = await db.dataSource.query(
        `SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE datname = current_database() AND application_name <> 'observability-test'`,
      );
      for (const r of rows) seen.add(r.name);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  sim = await SimulatedCluster.start({ pods: 30, seed: 'observability', bookmarkIntervalMs: 500 });
  const config = { ...loadConfig({ DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: encryptionKey, KUBEGRAPH_POOL_COST_MAX: '3' }), host: '127.0.0.1', port: 0 };
  server = await startServe({ config });
  const tokens = new ApiTokenService(db.dataSource);
  const org = await tokens.ensureOrganization('acme');
  token = (await tokens.create({ organizationId: org.id, name: 'observer', role: 'viewer' })).secret;
  const cluster = await server.context.services.clusterRegistration!.register({ organizationId: org.id, name: 'observed', kubeconfig: sim.kubeconfig() });
  clusterId = cluster.id;
  // Synced once every pod of the simulator is stored.
  const pods = sim.state().pods.length;
  await until(async () => {
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_pods WHERE cluster_id = $1 AND deleted_at IS NULL`, [clusterId]);
    return n === pods;
  }, 'the first sync');
});

afterAll(async () => {
  sampling = false;
  await sampler;
  await server?.stop();
  await sim?.stop();
  await db?.drop();
});

describe('connections per part', () => {
  test('each part of serve connects as kubegraph-<part>, and nothing of serve connects unnamed', async () => {
    await until(() => PARTS.every((p) => seen.has(p)), `${PARTS.join(', ')} in pg_stat_activity`);
    // The sync's LISTEN connection is kubegraph-sync too; the event bus's LISTEN, kubegraph-events.
    expect([...seen].sort()).toEqual([...PARTS].sort());
  });

  test('the CLI connects as kubegraph-cli', async () => {
    // An API server that accepts connections and never answers: `cluster add` holds its database pool open while
    // it waits for the probe (5 s), long enough to be seen.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kubegraph-cli-name-'));
    try {
      const kubeconfig = path.join(dir, 'kubeconfig');
      await fsp.writeFile(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{ name: silent, cluster: { server: "https://127.0.0.1:' + port + '", insecure-skip-tls-verify: true } }]',
          'users: [{ name: u, user: { token: abc } }]',
          'contexts: [{ name: silent, context: { cluster: silent, user: u } }]',
          'current-context: silent',
          '',
        ].join('\n'),
      );
      const cli = runCli(['cluster', 'add', '--kubeconfig', kubeconfig, '--org', 'acme'], { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: encryptionKey });
      let done = false;
      void cli.finally(() => (done = true));
      await until(() => seen.has('kubegraph-cli') || done, 'the CLI to connect');
      expect(seen.has('kubegraph-cli')).toBe(true);
      const result = await cli;
      expect(result.code).toBe(1);
    } finally {
      silent.close();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('/metrics', () => {
  test('is valid Prometheus text with the expected families, types and naming conventions', async () => {
    const families = await scrape();
    const expected: Record<string, MetricFamily['type']> = {
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      kubegraph_graphql_operations_total: 'counter',
      kubegraph_graphql_operation_duration_seconds: 'histogram',
      kubegraph_graphql_errors_total: 'counter',
      kubegraph_graphql_active_subscriptions: 'gauge',
      kubegraph_graphql_subscription_executions_total: 'counter',
      kubegraph_graphql_subscription_events_delivered_total: 'counter',
      kubegraph_graphql_subscription_events_dropped_total: 'counter',
      kubegraph_graphql_subscription_slow_consumer_closes_total: 'counter',
      kubegraph_sync_cluster_info: 'gauge',
      kubegraph_sync_watch_restarts_total: 'counter',
      kubegraph_sync_relists_total: 'counter',
      kubegraph_sync_events_applied_total: 'counter',
      kubegraph_sync_lag_seconds: 'histogram',
      kubegraph_sync_batch_changes: 'histogram',
      kubegraph_sync_commit_duration_seconds: 'histogram',
      kubegraph_db_pool_connections_in_use: 'gauge',
      kubegraph_db_pool_connections_idle: 'gauge',
      kubegraph_db_pool_requests_waiting: 'gauge',
      kubegraph_db_pool_connections_max: 'gauge',
      kubegraph_db_partitions: 'gauge',
      kubegraph_db_default_partition_rows: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect(families.get(name)?.type, name).toBe(type);
    for (const family of families.values()) {
      if (!family.name.startsWith('kubegraph_')) continue;
      expect(family.help, family.name).not.toBe('');
      expect(family.type, family.name).not.toBe('untyped');
      // Counters end in _total and nothing else does; durations are in seconds.
      expect(family.name.endsWith('_total'), family.name).toBe(family.type === 'counter');
      if (/duration|latency|lag/.test(family.name)) expect(family.name, family.name).toMatch(/_seconds$/);
    }
    // The cluster label is the cluster's id; its name is on the info series.
    expect(sampleValue(families, 'kubegraph_sync_cluster_info', { cluster: clusterId, name: 'observed' })).toBe(1);
  });

  test('a named query is counted once under its name; a name from an unauthenticated caller is not taken', async () => {
    expect((await graphql('query ObservedClusters { clusters { totalCount } }', token)).status).toBe(200);
    expect((await graphql('query MadeUpName { clusters { totalCount } }', undefined)).status).toBe(401);
    const families = await scrape();
    const ok = { operation_name: 'ObservedClusters', operation_type: 'query', outcome: 'success' };
    expect(sampleValue(families, 'kubegraph_graphql_operations_total', ok)).toBe(1);
    expect(sampleValue(families, 'kubegraph_graphql_operation_duration_seconds', ok, 'kubegraph_graphql_operation_duration_seconds_count')).toBe(1);
    expect(sampleValue(families, 'kubegraph_graphql_operations_total', { operation_name: 'other', operation_type: 'query', outcome: 'client_error' })).toBe(1);
    expect(samplesWith(families, 'kubegraph_graphql_operations_total', { operation_name: 'MadeUpName' })).toEqual([]);
  });

  test('operation names are bounded: anonymous and unresolved ones collapse, new names stop at the cap', () => {
    const names = new OperationNames();
    expect(names.label(true, undefined, true)).toBe('anonymous');
    expect(names.label(false, undefined, true)).toBe('unknown');
    for (let i = 0; i < MAX_OPERATION_NAMES; i++) expect(names.label(true, `Op${i}`, true)).toBe(`Op${i}`);
    expect(names.label(true, 'OneTooMany', true)).toBe('other');
    // Names already taken keep their series, whoever sends them.
    expect(names.label(true, 'Op7', false)).toBe('Op7');
    expect(names.label(true, 'x'.repeat(65), true)).toBe('other');
  });

  test('pools are reported per part, sized from KUBEGRAPH_POOL_<PART>_MAX', async () => {
    const families = await scrape();
    for (const part of ['api', 'sync', 'events', 'cost', 'maintenance']) {
      for (const family of ['kubegraph_db_pool_connections_in_use', 'kubegraph_db_pool_connections_idle', 'kubegraph_db_pool_requests_waiting']) {
        expect(sampleValue(families, family, { part }), `${family} ${part}`).toBeGreaterThanOrEqual(0);
      }
    }
    // KUBEGRAPH_POOL_COST_MAX=3; the others at their defaults.
    expect(sampleValue(families, 'kubegraph_db_pool_connections_max', { part: 'cost' })).toBe(3);
    expect(sampleValue(families, 'kubegraph_db_pool_connections_max', { part: 'api' })).toBe(10);
    expect(sampleValue(families, 'kubegraph_db_pool_connections_max', { part: 'sync' })).toBe(10);
    // The CLI's pool belongs to CLI commands, not to serve.
    expect(sampleValue(families, 'kubegraph_db_pool_connections_max', { part: 'cli' })).toBeUndefined();
  });

  test('partitions and DEFAULT rows are what the catalog and the tables hold', async () => {
    const families = await scrape();
    for (const table of ['k8s_pods', 'k8s_resource_metrics', 'k8s_events']) {
      const [{ partitions }] = await db.dataSource.query(
        `SELECT count(*)::int AS partitions FROM pg_inherits WHERE inhparent = $1::regclass AND inhrelid <> $2::regclass`,
        [table, `${table}_default`],
      );
      const [{ rows }] = await db.dataSource.query(`SELECT count(*)::int AS rows FROM ${table}_default`);
      // Maintenance at start: the current month and the next three.
      expect(partitions).toBe(4);
      expect(sampleValue(families, 'kubegraph_db_partitions', { table }), table).toBe(partitions);
      expect(sampleValue(families, 'kubegraph_db_default_partition_rows', { table }), table).toBe(rows);
    }
  });

  test('the first sync is counted per kind; a change after it is timed from its arrival to its commit and delivered to a subscriber', async () => {
    const state = sim.state();
    let families = await scrape();
    // The first list upserts each object once: one applied change per pod, namespace and node of the simulator.
    expect(sampleValue(families, 'kubegraph_sync_events_applied_total', { cluster: clusterId, kind: 'Pod' })).toBe(state.pods.length);
    expect(sampleValue(families, 'kubegraph_sync_events_applied_total', { cluster: clusterId, kind: 'Namespace' })).toBe(state.namespaces.length);
    expect(sampleValue(families, 'kubegraph_sync_events_applied_total', { cluster: clusterId, kind: 'Node' })).toBe(state.nodes.length);
    expect(sampleValue(families, 'kubegraph_sync_batch_changes', { cluster: clusterId }, 'kubegraph_sync_batch_changes_count')).toBeGreaterThan(0);
    // The initial lists are not changes: no lag was measured for them.
    expect(sampleValue(families, 'kubegraph_sync_lag_seconds', { cluster: clusterId, kind: 'Pod' }, 'kubegraph_sync_lag_seconds_count')).toBeUndefined();

    const client: Client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    const received: unknown[] = [];
    const dispose = client.subscribe({ query: 'subscription { podChanged { type pod { name } } }' }, { next: (r) => void received.push(r), error: () => undefined, complete: () => undefined });
    try {
      await until(async () => sampleValue(await scrape(), 'kubegraph_graphql_active_subscriptions', {}) === 1, 'the subscription to receive');
      const pod = state.pods[0]!;
      await sim.apply({ kind: 'deletePod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, replace: false });
      await until(() => received.length > 0, 'the deletion to reach the subscriber');
      // Every result sent is one the subscriber got (once nothing more is on its way).
      await until(async () => sampleValue(await scrape(), 'kubegraph_graphql_subscription_events_delivered_total', {}) === received.length, 'deliveries to match');
      families = await scrape();
      expect(sampleValue(families, 'kubegraph_sync_lag_seconds', { cluster: clusterId, kind: 'Pod' }, 'kubegraph_sync_lag_seconds_count')).toBeGreaterThanOrEqual(1);
      // The subscribe request itself: one anonymous subscription, accepted.
      expect(sampleValue(families, 'kubegraph_graphql_operations_total', { operation_name: 'anonymous', operation_type: 'subscription', outcome: 'success' })).toBe(1);
      expect(sampleValue(families, 'kubegraph_graphql_subscription_events_dropped_total', {})).toBe(0);
      expect(sampleValue(families, 'kubegraph_graphql_subscription_slow_consumer_closes_total', {})).toBe(0);
    } finally {
      dispose();
      await client.dispose();
    }
  });

  test('dropped watches count one restart per kind; an expired history one relist', async () => {
    const restarts = (f: Map<string, MetricFamily>, kind: string) => sampleValue(f, 'kubegraph_sync_watch_restarts_total', { cluster: clusterId, kind });
    const relists = (f: Map<string, MetricFamily>) => samplesWith(f, 'kubegraph_sync_relists_total', { cluster: clusterId }).reduce((sum, s) => sum + s.value, 0);
    const before = await scrape();
    for (const kind of KINDS) expect(restarts(before, kind), kind).toBe(0);
    expect(relists(before)).toBe(0);

    // The next watch opened gets a 410; then every watch is cut.
    await sim.fault({ kind: 'force410' });
    await sim.fault({ kind: 'dropWatches' });
    await until(async () => {
      const f = await scrape();
      return KINDS.every((k) => (restarts(f, k) ?? 0) >= 1) && relists(f) >= 1;
    }, 'every watch to reopen');
    const after = await scrape();
    // Each kind's watch reopened once; the one that met the 410 listed again and then watched from the new list.
    for (const kind of KINDS) expect(restarts(after, kind), kind).toBe(1);
    expect(relists(after)).toBe(1);
  });
});

describe('the Prometheus text parser', () => {
  test('reads what Prometheus reads, and refuses what it would refuse', () => {
    const good = [
      '# HELP a_total Things, with a \\\\ backslash.',
      '# TYPE a_total counter',
      'a_total{x="q\\"uote",y="new\\nline"} 3',
      '# TYPE h histogram',
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 5.5',
      'h_count 2',
      'g NaN',
      '',
    ].join('\n');
    const families = parsePrometheusText(good);
    expect(sampleValue(families, 'a_total', { x: 'q"uote', y: 'new\nline' })).toBe(3);
    expect(families.get('a_total')!.help).toBe('Things, with a \\ backslash.');
    expect(sampleValue(families, 'h', {}, 'h_count')).toBe(2);
    const bad: Array<[string, RegExp]> = [
      ['a 1', /does not end with a newline/],
      ['a{x="1} 1\n', /not closed/],
      ['a{x=1} 1\n', /not quoted/],
      ['a{1x="1"} 1\n', /invalid label name/],
      ['a{x="\\t"} 1\n', /invalid escape/],
      ['a one\n', /not a number/],
      ['a 1\na 2\n', /twice/],
      ['a 1\nb 1\na 2\n', /continues after another family/],
      ['a 1\n# TYPE a gauge\n', /after its samples/],
      ['# TYPE c counter\nc -1\n', /non-negative/],
      ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /not cumulative/],
      ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /no \+Inf bucket/],
      ['# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n', /differs from _count/],
    ];
    for (const [text, problem] of bad) expect(() => parsePrometheusText(text), text).toThrow(problem);
  });
});
