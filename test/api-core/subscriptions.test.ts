import 'reflect-metadata';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChangeEvent, ChangeType } from '../../src/events/change-event.js';
import { logger } from '../../src/common/logger.js';
import { toGlobalId } from '../../src/graphql/relay/global-id.js';
import { createCaller, gql, startApiServer, waitFor, type ApiServer, type Caller } from './support/api-server.js';

let server: ApiServer;
let acme: Caller;
let globex: Caller;
let acmeCluster: string;
let acmeOtherCluster: string;
let globexCluster: string;
const clients: Client[] = [];

const POD_FEED = `subscription($filter: PodChangedFilter) {
  podChanged(filter: $filter) {
    type changedFields committedAt
    pod { id uid name namespaceName phase reason labels containers { name reason lastTerminationReason } }
  }
}`;

interface PodFeedItem {
  type: ChangeType;
  changedFields: string[];
  committedAt: string;
  pod: { id: string; uid: string; name: string; namespaceName: string; phase: string; reason: string | null; labels: Record<string, string> };
}

async function insertCluster(organizationId: string, name: string): Promise<string> {
  const [row] = await server.db.dataSource.query(`INSERT INTO k8s_clusters (organization_id, name, status) VALUES ($1, $2, 'healthy') RETURNING id`, [
    organizationId,
    name,
  ]);
  return row.id;
}

function camel(column: string): string {
  return column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

let podSeq = 0;

interface PodSpec {
  namespace?: string;
  phase?: string;
  reason?: string | null;
  labels?: Record<string, string>;
  containerStatuses?: Array<Record<string, unknown>>;
  nodeName?: string;
}

/** Inserts a pod row (committed) and returns the event the sync writer would publish for it. */
async function podEvent(organizationId: string, clusterId: string, type: ChangeType, spec: PodSpec = {}, changedFields: string[] = []): Promise<ChangeEvent> {
  podSeq++;
  const [row] = await server.db.dataSource.query(
    `INSERT INTO k8s_pods (cluster_id, namespace, uid, name, phase, reason, labels, container_statuses, node_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) RETURNING *`,
    [
      clusterId,
      spec.namespace ?? 'prod',
      `uid-${podSeq}`,
      `pod-${podSeq}`,
      spec.phase ?? 'Running',
      spec.reason ?? null,
      JSON.stringify(spec.labels ?? { app: 'web' }),
      JSON.stringify(spec.containerStatuses ?? []),
      spec.nodeName ?? null,
    ],
  );
  const state = Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [camel(k), v]));
  return {
    organizationId,
    clusterId,
    kind: 'Pod',
    type,
    namespace: row.namespace,
    name: row.name,
    uid: row.uid,
    changedFields,
    state,
    committedAt: new Date(),
  };
}

function connect(token: string | null): Client {
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  return client;
}

/** Subscribes and collects every `next` until `until` says the feed is complete. */
function collect<T>(client: Client, query: string, variables: Record<string, unknown>, until: (items: T[]) => boolean) {
  const items: T[] = [];
  const errors: unknown[] = [];
  let dispose: () => void = () => {};
  const done = new Promise<T[]>((resolve, reject) => {
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) errors.push(...result.errors);
          if (result.data) items.push(result.data);
          if (until(items) || errors.length > 0) resolve(items);
        },
        error: (err) => reject(err),
        complete: () => resolve(items),
      },
    );
  });
  return { items, errors, done, dispose: () => dispose() };
}

/** kubegraph_graphql_errors_total of subscriptions with this code, as /metrics shows it. */
async function subscriptionErrors(code: string): Promise<number> {
  const { values } = await server.endpoint.metrics.errors.get();
  return values.find((v) => v.labels.code === code && v.labels.operation_type === 'subscription')?.value ?? 0;
}

/** Events executed for subscriptions (one per group of equal subscriptions), as /metrics shows it. */
const executions = () => server.endpoint.metrics.subscriptions.executions;

/** Subscriptions receiving events now (from the moment each gets every event executed). */
const active = () => server.endpoint.metrics.subscriptions.open;

type WireError = { message: string; locations?: unknown; path?: unknown; extensions?: Record<string, unknown> };

/** The errors graphql-ws answers an operation with: those of its `error` message, or of its `next` ones. */
function wsErrors(client: Client, payload: { query: string; variables?: Record<string, unknown>; operationName?: string }): Promise<WireError[]> {
  const errors: WireError[] = [];
  return new Promise((resolve) => {
    client.subscribe(payload, {
      next: (result) => errors.push(...((result.errors ?? []) as WireError[])),
      error: (err) => resolve(err as WireError[]),
      complete: () => resolve(errors),
    });
  });
}

/** The service's log lines written while `run` runs (the tests' log level keeps errors). */
async function logLinesDuring(run: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
  const stream = (logger as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym];
  const write = stream.write;
  const lines: string[] = [];
  stream.write = function (this: unknown, line: string) {
    lines.push(line);
    return write.call(this, line);
  };
  try {
    await run();
  } finally {
    stream.write = write;
  }
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

const UNEXPECTED = 'unexpected error while answering a GraphQL request';

beforeAll(async () => {
  // Open connections' tokens are checked again every second here (30 s by default).
  server = await startApiServer({ KUBEGRAPH_SUBSCRIPTION_AUTH_RECHECK_SECONDS: '1' });
  acme = await createCaller(server, 'acme', 'viewer');
  globex = await createCaller(server, 'globex', 'viewer');
  acmeCluster = await insertCluster(acme.organizationId, 'prod-eu');
  acmeOtherCluster = await insertCluster(acme.organizationId, 'staging');
  globexCluster = await insertCluster(globex.organizationId, 'prod-us');
});

afterAll(async () => {
  for (const c of clients) await c.dispose();
  await server?.close();
});

describe('graphql-ws authentication', () => {
  const closeCodeFor = (payload: Record<string, unknown>) =>
    new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
      socket.on('message', (data) => reject(new Error(`unexpected message ${String(data)}`)));
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      socket.on('error', reject);
    });

  it('closes connections without a valid token with 4401', async () => {
    expect(await closeCodeFor({})).toEqual({ code: 4401, reason: 'Unauthorized: no API token in connection_init' });
    expect((await closeCodeFor({ authorization: `Bearer kg_${'x'.repeat(43)}` })).code).toBe(4401);
    expect((await closeCodeFor({ authorization: 'Basic abc' })).code).toBe(4401);
  });

  it('starts nothing more on a connection whose token was revoked, and closes it with 4401', async () => {
    const doomed = await createCaller(server, 'acme', 'viewer', 'revoked while connected');
    let closedWith: number | undefined;
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${doomed.secret}` },
      retryAttempts: 0,
      // Keep the socket open between operations, so the second runs on the same connection.
      lazy: false,
      onNonLazyError: () => undefined,
      on: { closed: (event) => (closedWith = (event as { code: number }).code) },
    });
    clients.push(client);
    const before = collect<{ viewer: { role: string } }>(client, '{ viewer { role } }', {}, (items) => items.length === 1);
    expect(await before.done).toEqual([{ viewer: { role: 'VIEWER' } }]);
    await server.tokens.revoke(doomed.organizationId, doomed.tokenId);
    const after = collect(client, POD_FEED, {}, () => true);
    await after.done.catch(() => undefined);
    await waitFor(() => closedWith !== undefined, 'the connection to close');
    expect(closedWith).toBe(4401);
    expect(server.eventBus.listenerCount).toBe(0);
  });

  it('ends open subscriptions when their token is revoked, and leaves other tokens\' connections open', async () => {
    const doomed = await createCaller(server, 'acme', 'viewer', 'revoked while subscribed');
    const closed: Record<string, number> = {};
    const open = (name: string, secret: string) => {
      const client = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${secret}` },
        retryAttempts: 0,
        on: { closed: (event) => (closed[name] = (event as { code: number }).code) },
      });
      clients.push(client);
      return client;
    };
    const listening = active();
    const doomedFeeds = [collect(open('doomed-1', doomed.secret), POD_FEED, {}, () => false), collect(open('doomed-2', doomed.secret), POD_FEED, {}, () => false)];
    // They end with the close event as their error.
    const ended = doomedFeeds.map((feed) => feed.done.then(() => 'completed', (err: { code?: number }) => `closed ${err.code}`));
    const survivor = collect(open('survivor', acme.secret), POD_FEED, {}, () => false);
    await waitFor(() => active() === listening + 3, 'three live subscriptions');

    await server.tokens.revoke(doomed.organizationId, doomed.tokenId);
    await waitFor(() => closed['doomed-1'] !== undefined && closed['doomed-2'] !== undefined, 'the revoked connections to close');
    expect(closed).toEqual({ 'doomed-1': 4401, 'doomed-2': 4401 });
    await waitFor(() => active() === listening + 1, 'their subscriptions to end');
    expect(await Promise.all(ended)).toEqual(['closed 4401', 'closed 4401']);
    survivor.dispose();
    await waitFor(() => active() === listening, 'the last subscription to end');
    await waitFor(() => server.eventBus.listenerCount === 0, 'nothing left listening on the bus');
  });

  it('closes connections that send more than the body limit in one message', async () => {
    expect((await closeCodeFor({ authorization: `Bearer ${acme.secret}`, pad: 'x'.repeat(1024 * 1024) })).code).toBe(1009);
  });

  it('closes a new connection with 1013 (try again later) when its token cannot be checked, saying nothing of why', async () => {
    // The token table away: the check fails inside the database, as it does when PostgreSQL is unreachable.
    await server.db.dataSource.query(`ALTER TABLE api_tokens RENAME TO api_tokens_away`);
    let closed: { code: number; reason: string };
    try {
      closed = await closeCodeFor({ authorization: `Bearer ${acme.secret}` });
    } finally {
      await server.db.dataSource.query(`ALTER TABLE api_tokens_away RENAME TO api_tokens`);
    }
    expect(closed).toEqual({ code: 1013, reason: 'Service unavailable: the API token cannot be checked now; try again later' });
  });

  it('acknowledges a valid token given as authorization or nested in headers', async () => {
    for (const payload of [{ authorization: `Bearer ${acme.secret}` }, { headers: { Authorization: `Bearer ${acme.secret}` } }]) {
      const ack = await new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
        socket.on('message', (data) => {
          resolve(JSON.parse(String(data)).type);
          socket.close();
        });
        socket.on('error', reject);
      });
      expect(ack).toBe('connection_ack');
    }
  });
});

describe('podChanged', () => {
  it('delivers exactly the organisation\'s committed pod changes, in order', async () => {
    const acmeFeed = collect<{ podChanged: PodFeedItem }>(connect(acme.secret), POD_FEED, {}, (items) => items.length >= 4);
    const globexFeed = collect<{ podChanged: PodFeedItem }>(connect(globex.secret), POD_FEED, {}, (items) => items.length >= 3);
    await waitFor(() => server.eventBus.listenerCount === 2, 'two live subscriptions');

    const acmeEvents = [
      await podEvent(acme.organizationId, acmeCluster, 'ADDED'),
      await podEvent(acme.organizationId, acmeOtherCluster, 'ADDED', { namespace: 'dev' }),
      await podEvent(acme.organizationId, acmeCluster, 'MODIFIED', { phase: 'Failed', reason: 'Evicted' }, ['phase', 'reason']),
    ];
    const globexEvents = [await podEvent(globex.organizationId, globexCluster, 'ADDED'), await podEvent(globex.organizationId, globexCluster, 'DELETED')];
    const namespaceEvent: ChangeEvent = { ...acmeEvents[0], kind: 'Namespace', name: 'prod', uid: 'ns-uid' };
    // Interleaved in one batch, plus a non-pod change that no pod feed may deliver.
    await server.eventBus.publish([acmeEvents[0], globexEvents[0], namespaceEvent, acmeEvents[1]]);
    await server.eventBus.publish([acmeEvents[2], globexEvents[1]]);
    // Markers: once each feed receives its own, everything published before it has been delivered.
    await server.eventBus.publish([await podEvent(acme.organizationId, acmeCluster, 'ADDED'), await podEvent(globex.organizationId, globexCluster, 'ADDED')]);

    const acmeItems = (await acmeFeed.done).map((d) => d.podChanged);
    const globexItems = (await globexFeed.done).map((d) => d.podChanged);
    expect(acmeFeed.errors).toEqual([]);
    expect(acmeItems).toHaveLength(4);
    expect(globexItems).toHaveLength(3);
    expect(acmeItems.slice(0, 3).map((i) => [i.type, i.pod.name, i.pod.namespaceName, i.pod.phase, i.changedFields])).toEqual([
      ['ADDED', acmeEvents[0].name, 'prod', 'RUNNING', []],
      ['ADDED', acmeEvents[1].name, 'dev', 'RUNNING', []],
      ['MODIFIED', acmeEvents[2].name, 'prod', 'FAILED', ['phase', 'reason']],
    ]);
    expect(acmeItems[2].pod.reason).toBe('Evicted');
    expect(acmeItems[0].pod.id).toBe(toGlobalId('Pod', acmeEvents[0].state.id as string));
    expect(new Date(acmeItems[0].committedAt).getTime()).toBe(acmeEvents[0].committedAt.getTime());
    expect(globexItems.slice(0, 2).map((i) => [i.type, i.pod.name])).toEqual([
      ['ADDED', globexEvents[0].name],
      ['DELETED', globexEvents[1].name],
    ]);
    const acmeNames = new Set(acmeItems.map((i) => i.pod.name));
    for (const e of globexEvents) expect(acmeNames.has(e.name)).toBe(false);

    acmeFeed.dispose();
    globexFeed.dispose();
    await waitFor(() => server.eventBus.listenerCount === 0, 'subscriptions to end');
    await waitFor(() => active() === 0, 'the active-subscription gauge to drop');
  });

  it('shares one execution per event among subscriptions with the same operation, variables, organisation and role', async () => {
    const cluster = await insertCluster(acme.organizationId, 'shared-feed');
    const before = executions();
    const listening = active();
    // Twenty identical acme feeds over two connections, the same document for globex, and acme's filtered to "dev".
    const [c1, c2] = [connect(acme.secret), connect(acme.secret)];
    const shared = Array.from({ length: 20 }, (_, i) => collect<{ podChanged: PodFeedItem }>(i % 2 ? c1 : c2, POD_FEED, {}, (items) => items.length >= 4));
    const globexFeed = collect<{ podChanged: PodFeedItem }>(connect(globex.secret), POD_FEED, {}, (items) => items.length >= 3);
    const devFeed = collect<{ podChanged: PodFeedItem }>(connect(acme.secret), POD_FEED, { filter: { namespace: 'dev' } }, (items) => items.length >= 1);
    await waitFor(() => active() === listening + 22, 'twenty-two live subscriptions');
    // Three groups, so three listeners on the bus, not twenty-two.
    expect(server.eventBus.listenerCount).toBe(3);

    const acmeEvents = [];
    for (let i = 0; i < 3; i++) acmeEvents.push(await podEvent(acme.organizationId, cluster, 'ADDED'));
    const globexEvents = [];
    for (let i = 0; i < 3; i++) globexEvents.push(await podEvent(globex.organizationId, globexCluster, 'ADDED'));
    const dev = await podEvent(acme.organizationId, cluster, 'ADDED', { namespace: 'dev' });
    await server.eventBus.publish([...acmeEvents, ...globexEvents, dev]);

    const received = await Promise.all(shared.map((f) => f.done));
    for (const items of received) expect(items.map((i) => i.podChanged.pod.name)).toEqual([...acmeEvents, dev].map((e) => e.name));
    expect((await globexFeed.done).map((i) => i.podChanged.pod.name)).toEqual(globexEvents.map((e) => e.name));
    expect((await devFeed.done).map((i) => i.podChanged.pod.name)).toEqual([dev.name]);
    // Executions: the twenty acme feeds 4 (3 prod + 1 dev, once each), globex 3, the dev feed 1 (its filter keeps only
    // the dev pod) = 8; executed per subscription it would be 20 × 4 + 3 + 1 = 84.
    expect(executions() - before).toBe(8);

    for (const f of [...shared, globexFeed, devFeed]) f.dispose();
    await waitFor(() => active() === listening, 'the subscriptions to end');
    await waitFor(() => server.eventBus.listenerCount === 0, 'nothing left listening on the bus');
  });

  it('reads nested fields afresh for each event: a node gone NotReady and a degraded cluster show on the next change', async () => {
    const cluster = await insertCluster(acme.organizationId, 'fresh-nested');
    await server.db.dataSource.query(`INSERT INTO k8s_nodes (cluster_id, uid, name, ready, created_at) VALUES ($1, 'node-fresh', 'n-fresh', true, now())`, [cluster]);
    type Item = { podChanged: { pod: { name: string; node: { name: string; ready: boolean }; cluster: { status: string } } } };
    const feed = collect<Item>(connect(acme.secret), `subscription { podChanged { pod { name node { name ready } cluster { status } } } }`, {}, (items) => items.length >= 2);
    await waitFor(() => server.eventBus.listenerCount === 1, 'a live subscription');
    await server.eventBus.publish([await podEvent(acme.organizationId, cluster, 'ADDED', { nodeName: 'n-fresh' })]);
    await waitFor(() => feed.items.length === 1, 'the first change');

    await server.db.dataSource.query(`UPDATE k8s_nodes SET ready = false WHERE cluster_id = $1`, [cluster]);
    await server.db.dataSource.query(`UPDATE k8s_clusters SET status = 'degraded' WHERE id = $1`, [cluster]);
    await server.eventBus.publish([await podEvent(acme.organizationId, cluster, 'MODIFIED', { nodeName: 'n-fresh' }, ['phase'])]);
    const items = (await feed.done).map((i) => i.podChanged.pod);
    expect(feed.errors).toEqual([]);
    // The same subscription, two events: each read the node and the cluster as they were when it was delivered.
    expect(items.map((p) => [p.node, p.cluster.status])).toEqual([
      [{ name: 'n-fresh', ready: true }, 'HEALTHY'],
      [{ name: 'n-fresh', ready: false }, 'DEGRADED'],
    ]);
    feed.dispose();
    await waitFor(() => server.eventBus.listenerCount === 0, 'the subscription to end');
  });

  it('applies cluster, namespace, phase, reason and label filters on the server', async () => {
    const filter = {
      clusterId: toGlobalId('Cluster', acmeCluster),
      namespace: 'prod',
      phases: ['RUNNING', 'PENDING'],
      reasons: ['CrashLoopBackOff', 'OOMKilled'],
      labelSelector: 'app=web,tier!=batch',
    };
    const crashLoop = [{ name: 'app', state: 'waiting', reason: 'CrashLoopBackOff', lastTerminationReason: 'Error' }];
    const oomKilled = [{ name: 'app', state: 'running', reason: null, lastTerminationReason: 'OOMKilled' }];
    const feed = collect<{ podChanged: PodFeedItem }>(connect(acme.secret), POD_FEED, { filter }, (items) => items.some((i) => i.podChanged.pod.labels.marker === 'end'));
    await waitFor(() => server.eventBus.listenerCount === 1, 'a live subscription');

    const o = acme.organizationId;
    const matching = [
      await podEvent(o, acmeCluster, 'MODIFIED', { containerStatuses: crashLoop }, ['containerStatuses']),
      await podEvent(o, acmeCluster, 'MODIFIED', { phase: 'Pending', containerStatuses: oomKilled, labels: { app: 'web', tier: 'frontend' } }, ['restartCount']),
    ];
    const notMatching = [
      await podEvent(o, acmeOtherCluster, 'MODIFIED', { containerStatuses: crashLoop }),
      await podEvent(o, acmeCluster, 'MODIFIED', { namespace: 'dev', containerStatuses: crashLoop }),
      await podEvent(o, acmeCluster, 'MODIFIED', { phase: 'Failed', containerStatuses: crashLoop }),
      await podEvent(o, acmeCluster, 'MODIFIED', { containerStatuses: [{ name: 'app', state: 'waiting', reason: 'ImagePullBackOff', lastTerminationReason: null }] }),
      await podEvent(o, acmeCluster, 'MODIFIED', { containerStatuses: crashLoop, labels: { app: 'api' } }),
      await podEvent(o, acmeCluster, 'MODIFIED', { containerStatuses: crashLoop, labels: { app: 'web', tier: 'batch' } }),
      await podEvent(globex.organizationId, acmeCluster, 'MODIFIED', { containerStatuses: crashLoop }),
    ];
    await server.eventBus.publish([notMatching[0], matching[0], ...notMatching.slice(1, 4)]);
    await server.eventBus.publish([...notMatching.slice(4), matching[1]]);
    await server.eventBus.publish([await podEvent(o, acmeCluster, 'ADDED', { containerStatuses: crashLoop, labels: { app: 'web', marker: 'end' } })]);

    const items = (await feed.done).map((d) => d.podChanged);
    expect(feed.errors).toEqual([]);
    expect(items.map((i) => i.pod.name)).toEqual([matching[0].name, matching[1].name, items[2].pod.name]);
    expect(items[2].pod.labels.marker).toBe('end');
    feed.dispose();
    await waitFor(() => server.eventBus.listenerCount === 0, 'the subscription to end');
  });

  it('ends a feed whose changes may have been missed with CHANGES_MISSED, after the changes it already had', async () => {
    const before = await subscriptionErrors('CHANGES_MISSED');
    const listening = server.eventBus.listenerCount;
    const feed = collect<{ podChanged: PodFeedItem }>(connect(acme.secret), POD_FEED, {}, () => false);
    await waitFor(() => server.eventBus.listenerCount === listening + 1, 'a live subscription');
    const delivered = await podEvent(acme.organizationId, acmeCluster, 'MODIFIED', {}, ['phase']);
    await server.eventBus.publish([delivered]);
    await waitFor(() => feed.items.length === 1, 'the change published before the interruption');
    server.eventBus.interruptFeed();
    const errors = await feed.done.then(
      () => feed.errors as WireError[],
      (err: unknown) => err as WireError[],
    );
    expect(feed.items.map((i) => i.podChanged.pod.name)).toEqual([delivered.name]);
    expect(errors).toEqual([
      {
        message: 'Changes may have been missed: this server could not read them from the change log before they expired; query the current state and subscribe again',
        extensions: { code: 'CHANGES_MISSED' },
      },
    ]);
    await waitFor(() => server.eventBus.listenerCount === listening, 'the subscription to end');
    expect((await subscriptionErrors('CHANGES_MISSED')) - before).toBe(1);
  });

  it('refuses bad filters with BAD_USER_INPUT before subscribing, and counts each refusal', async () => {
    const before = await subscriptionErrors('BAD_USER_INPUT');
    const client = connect(acme.secret);
    for (const filter of [{ labelSelector: 'app in (web' }, { clusterId: 'garbage' }, { clusterId: toGlobalId('Pod', acmeCluster) }]) {
      const feed = collect(client, POD_FEED, { filter }, () => true);
      await expect(feed.done).resolves.toEqual([]);
      expect(feed.errors).toHaveLength(1);
      expect((feed.errors[0] as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    }
    expect(server.eventBus.listenerCount).toBe(0);
    expect((await subscriptionErrors('BAD_USER_INPUT')) - before).toBe(3);
  });
});

describe('limits on subscriptions', () => {
  it('refuses a subscription over the complexity limit before it starts, and counts the refusal', async () => {
    const before = await subscriptionErrors('BAD_USER_INPUT');
    const huge = `subscription { podChanged { pod { cluster { pods(first: 500) { nodes { cluster { pods(first: 500) { nodes { name } } } } } } } } }`;
    const feed = collect(connect(acme.secret), huge, {}, () => true);
    // graphql-ws answers a refused subscribe with an `error` message: the sink's error callback.
    const errors = await feed.done.then(
      () => [],
      (err: unknown) => err as Array<{ message: string; extensions: { code: string } }>,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(errors[0].message).toMatch(/^Query is too complex: estimated cost \d+ exceeds the limit of 50000/);
    expect(server.eventBus.listenerCount).toBe(0);
    expect((await subscriptionErrors('BAD_USER_INPUT')) - before).toBe(1);
  });
});

describe('clusterStatusChanged', () => {
  it('delivers status changes of the organisation\'s clusters, read from the committed row', async () => {
    const q = `subscription($id: ID) { clusterStatusChanged(clusterId: $id) { type changedFields cluster { id name status statusMessage } } }`;
    type Item = { clusterStatusChanged: { type: string; changedFields: string[]; cluster: { id: string; name: string; status: string; statusMessage: string | null } } };
    const all = collect<Item>(connect(acme.secret), q, {}, (items) => items.length >= 3);
    const one = collect<Item>(connect(acme.secret), q, { id: toGlobalId('Cluster', acmeOtherCluster) }, (items) => items.length >= 1);
    await waitFor(() => server.eventBus.listenerCount === 2, 'two live subscriptions');

    const clusterEvent = (organizationId: string, clusterId: string, changedFields: string[]): ChangeEvent => ({
      organizationId,
      clusterId,
      kind: 'Cluster',
      type: 'MODIFIED',
      namespace: null,
      name: 'x',
      uid: clusterId,
      changedFields,
      state: { id: clusterId },
      committedAt: new Date(),
    });
    await server.db.dataSource.query(`UPDATE k8s_clusters SET status = 'degraded', status_message = '1 of 3 nodes NotReady' WHERE id = $1`, [acmeCluster]);
    await server.db.dataSource.query(`UPDATE k8s_clusters SET status = 'unreachable' WHERE id = $1`, [acmeOtherCluster]);
    await server.eventBus.publish([
      clusterEvent(acme.organizationId, acmeCluster, ['nodeCount']),
      clusterEvent(globex.organizationId, globexCluster, ['status']),
      clusterEvent(acme.organizationId, acmeCluster, ['status', 'statusMessage']),
      clusterEvent(acme.organizationId, acmeOtherCluster, ['status']),
      // A first report after a start, with nothing known about what changed, is delivered too.
      clusterEvent(acme.organizationId, acmeCluster, []),
    ]);
    const allItems = (await all.done).map((i) => i.clusterStatusChanged);
    const oneItems = (await one.done).map((i) => i.clusterStatusChanged);
    expect(allItems.map((i) => [i.cluster.name, i.cluster.status, i.cluster.statusMessage, i.changedFields])).toEqual([
      ['prod-eu', 'DEGRADED', '1 of 3 nodes NotReady', ['status', 'statusMessage']],
      ['staging', 'UNREACHABLE', null, ['status']],
      ['prod-eu', 'DEGRADED', '1 of 3 nodes NotReady', []],
    ]);
    expect(oneItems.map((i) => i.cluster.id)).toEqual([toGlobalId('Cluster', acmeOtherCluster)]);
    all.dispose();
    one.dispose();
    await waitFor(() => server.eventBus.listenerCount === 0, 'subscriptions to end');
  });
});

describe('shared executions', () => {
  it('does not let a new subscriber join a group whose feed has already failed: it gets a fresh one, without the error', async () => {
    const q = `subscription { clusterStatusChanged { type changedFields cluster { name status } } }`;
    type Item = { clusterStatusChanged: { changedFields: string[]; cluster: { name: string } } };
    const event = (changedFields: string[]): ChangeEvent => ({
      organizationId: acme.organizationId,
      clusterId: acmeCluster,
      kind: 'Cluster',
      type: 'MODIFIED',
      namespace: null,
      name: 'x',
      uid: acmeCluster,
      changedFields,
      state: { id: acmeCluster },
      committedAt: new Date(),
    });
    const listening = active();
    const first = collect<Item>(connect(acme.secret), q, {}, () => false);
    // Its end is an error, which may come while the lock is being released: handled from the start.
    const firstEnd = first.done.then(
      () => first.errors as WireError[],
      (err: unknown) => err as WireError[],
    );
    await waitFor(() => active() === listening + 1, 'the first subscription');
    // The group's execution held up: each event reads its cluster row, and the table is locked.
    const blocker = new pg.Client({ connectionString: server.db.url });
    await blocker.connect();
    let second: ReturnType<typeof collect<Item>>;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE k8s_clusters IN ACCESS EXCLUSIVE MODE');
      await server.eventBus.publish([event(['status'])]);
      await waitFor(async () => (await server.db.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`))[0].n > 0, 'the execution waiting on the lock');
      // Changes may have been missed: the group's feed will end with CHANGES_MISSED once its execution gets there.
      server.eventBus.interruptFeed();
      second = collect<Item>(connect(acme.secret), q, {}, (items) => items.length >= 1);
      await waitFor(() => active() === listening + 2, 'the second subscription');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const firstErrors = await firstEnd;
    expect(first.items.map((i) => i.clusterStatusChanged.changedFields)).toEqual([['status']]);
    expect(firstErrors.map((e) => e.extensions?.code)).toEqual(['CHANGES_MISSED']);
    // The second, on a fresh group, gets only what was published after it subscribed, and no error.
    await server.eventBus.publish([event(['statusMessage'])]);
    expect((await second.done).map((i) => i.clusterStatusChanged.changedFields)).toEqual([['statusMessage']]);
    expect(second.errors).toEqual([]);
    second.dispose();
    await waitFor(() => active() === listening, 'the subscriptions to end');
  });
});

describe('errors over graphql-ws', () => {
  const PODS = `subscription($filter: PodChangedFilter) { podChanged(filter: $filter) { type pod { name } } }`;
  // Client mistakes: the same code, message and locations as Apollo answers over HTTP.
  const mistakes = [
    { what: 'an unknown field', query: `subscription { podChanged { type pod { nodeNmae } } }`, variables: {}, code: 'GRAPHQL_VALIDATION_FAILED', names: /"nodeNmae"/ },
    { what: 'a variable declared with the wrong type', query: `subscription($ns: Int) { podChanged(filter: { namespace: $ns }) { type } }`, variables: { ns: 1 }, code: 'GRAPHQL_VALIDATION_FAILED', names: /"\$ns" of type "Int"/ },
    { what: 'a variable value of the wrong type', query: PODS, variables: { filter: { namespace: 42 } }, code: 'BAD_USER_INPUT', names: /"\$filter" got invalid value 42 at "filter.namespace"/ },
    { what: 'a missing required variable', query: `subscription($ns: String!) { podChanged(filter: { namespace: $ns }) { type } }`, variables: {}, code: 'BAD_USER_INPUT', names: /"\$ns" of required type "String!" was not provided/ },
    { what: 'a syntax error', query: `subscription { podChanged { type `, variables: {}, code: 'GRAPHQL_PARSE_FAILED', names: /^Syntax Error/ },
    { what: 'a NUL character in a string of the query', query: `subscription { podChanged(filter: { namespace: "a\\u0000b" }) { type } }`, variables: {}, code: 'BAD_USER_INPUT', names: /NUL character/ },
    { what: 'a NUL character in a variable', query: PODS, variables: { filter: { namespace: 'a\u0000b' } }, code: 'BAD_USER_INPUT', names: /"\$filter" holds a NUL character/ },
    { what: 'several operations and no operation name', query: `subscription A { podChanged { type } } subscription B { podChanged { type } }`, variables: {}, code: 'OPERATION_RESOLUTION_FAILURE', names: /operation name/ },
  ];

  it.each(mistakes)('answers $what like HTTP does, counts it under that code, and logs no unexpected error', async ({ query, variables, code, names }) => {
    const http = await gql(server, query, { variables, token: acme.secret });
    const before = await subscriptionErrors(code);
    let errors: WireError[] = [];
    const lines = await logLinesDuring(async () => {
      errors = await wsErrors(connect(acme.secret), { query, variables });
    });
    expect(http.body.errors?.map((e) => e.extensions?.code)).toEqual([code]);
    expect(errors).toEqual(http.body.errors);
    expect(errors[0].message).toMatch(names);
    expect(errors[0].extensions).not.toHaveProperty('errorId');
    expect((await subscriptionErrors(code)) - before).toBe(1);
    expect(lines.filter((l) => l.msg === UNEXPECTED || (l.level as number) >= 50)).toEqual([]);
    expect(server.eventBus.listenerCount).toBe(0);
  });

  it('answers an unknown operation name with OPERATION_RESOLUTION_FAILURE naming it', async () => {
    const errors = await wsErrors(connect(acme.secret), { query: `subscription Pods { podChanged { type } }`, operationName: 'Nodes' });
    expect(errors).toEqual([{ message: 'Unknown operation named "Nodes".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }]);
  });

  it('answers a failure of the server as INTERNAL_SERVER_ERROR with a logged error id and no internals, and counts it so', async () => {
    const before = { internal: await subscriptionErrors('INTERNAL_SERVER_ERROR'), validation: await subscriptionErrors('GRAPHQL_VALIDATION_FAILED') };
    const q = `subscription { clusterStatusChanged { type cluster { name status } } }`;
    let errors: WireError[] = [];
    const listening = server.eventBus.listenerCount;
    let listeningAfterFailure = -1;
    const lines = await logLinesDuring(async () => {
      const feed = collect(connect(acme.secret), q, {}, () => false);
      await waitFor(() => server.eventBus.listenerCount === listening + 1, 'a live subscription');
      // The row is read when the event comes: a missing table fails inside the stream.
      await server.db.dataSource.query(`ALTER TABLE k8s_clusters RENAME TO k8s_clusters_moved`);
      try {
        await server.eventBus.publish([
          { organizationId: acme.organizationId, clusterId: acmeCluster, kind: 'Cluster', type: 'MODIFIED', namespace: null, name: 'prod-eu', uid: acmeCluster, changedFields: ['status'], state: { id: acmeCluster }, committedAt: new Date() },
        ]);
        errors = await feed.done.then(
          () => [],
          (err: unknown) => err as WireError[],
        );
        // The stream has ended: its bus listener must be gone by the time the client hears of the failure.
        listeningAfterFailure = server.eventBus.listenerCount;
      } finally {
        await server.db.dataSource.query(`ALTER TABLE k8s_clusters_moved RENAME TO k8s_clusters`);
      }
    });
    expect(errors).toHaveLength(1);
    const errorId = errors[0].extensions?.errorId as string;
    expect(errors[0]).toEqual({ message: `Internal server error (error id ${errorId})`, extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } });
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    const unexpected = lines.filter((l) => l.msg === UNEXPECTED);
    expect(unexpected).toHaveLength(1);
    // The database's error itself, as over HTTP, not graphql-ws's wrapper of it.
    expect(unexpected[0]).toMatchObject({
      errorId,
      error: { type: 'QueryFailedError', code: '42P01', message: expect.stringContaining('k8s_clusters'), query: expect.stringContaining('FROM k8s_clusters') },
    });
    expect(listeningAfterFailure).toBe(listening);
    expect((await subscriptionErrors('INTERNAL_SERVER_ERROR')) - before.internal).toBe(1);
    expect((await subscriptionErrors('GRAPHQL_VALIDATION_FAILED')) - before.validation).toBe(0);
  });
});
