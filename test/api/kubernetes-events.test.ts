/**
 * Kubernetes Events over GraphQL: hand-made rows with chosen times for exact answers (filters, order, pages,
 * organisations, bad input), statement counts under fan-out, and a synced simulator's crash-looping pod.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toGlobalId } from '../../src/graphql/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { at, clusterRow, insertOrganization, insertRows, namespaceRow, nodeRow, podRow, seedInventory, type SeedRow } from '../support/seed.js';
import { startHarness } from '../sync/sync-harness.js';
import { authFor, data, errorCodes, execute, StatementCounter } from './support/api-context.js';

function eventRow(o: SeedRow & { cluster_id: string; namespace: string; reason: string; involved_kind: string; involved_name: string; last_timestamp: Date }): SeedRow {
  return {
    uid: randomUUID(),
    name: `${o.involved_name}.${Math.random().toString(16).slice(2, 10)}`,
    type: 'Normal',
    note: `${o.reason} of ${o.involved_name}`,
    count: 1,
    first_timestamp: o.last_timestamp,
    involved_namespace: o.namespace,
    involved_uid: randomUUID(),
    reporting_controller: 'kubelet',
    created_at: o.first_timestamp ?? o.last_timestamp,
    ...o,
  };
}

const counter = new StatementCounter();
let db: TestDatabase;
let acme: string;
let other: string;
let prod: string;
let otherCluster: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase({ dataSource: { logger: counter } });
  acme = await insertOrganization(db.dataSource, 'acme');
  other = await insertOrganization(db.dataSource, 'other');
  [prod] = await insertRows(db.dataSource, 'k8s_clusters', [clusterRow({ organization_id: acme, name: 'prod' })]);
  [otherCluster] = await insertRows(db.dataSource, 'k8s_clusters', [clusterRow({ organization_id: other, name: 'prod' })]);
  const [payments, otherNs] = await insertRows(db.dataSource, 'k8s_namespaces', [
    namespaceRow({ cluster_id: prod, name: 'payments' }),
    namespaceRow({ cluster_id: otherCluster, name: 'payments' }),
  ]);
  const [n1] = await insertRows(db.dataSource, 'k8s_nodes', [nodeRow({ cluster_id: prod, name: 'n1' })]);
  const apiUid = randomUUID();
  const workerUid = randomUUID();
  const otherUid = randomUUID();
  const [api2, worker1, otherPod] = await insertRows(db.dataSource, 'k8s_pods', [
    podRow({ cluster_id: prod, namespace_id: payments, namespace: 'payments', name: 'api-2', uid: apiUid, reason: 'CrashLoopBackOff' }),
    podRow({ cluster_id: prod, namespace_id: payments, namespace: 'payments', name: 'worker-1', uid: workerUid, phase: 'Pending' }),
    podRow({ cluster_id: otherCluster, namespace_id: otherNs, namespace: 'payments', name: 'api-2', uid: otherUid }),
  ]);
  Object.assign(ids, { payments, n1, api2, worker1, otherPod, apiUid, workerUid });
  const api = { cluster_id: prod, namespace_id: payments, namespace: 'payments', involved_kind: 'Pod', involved_name: 'api-2', involved_uid: apiUid };
  const [scheduled, pulled, backOff, unhealthy, notReady, failedScheduling, otherBackOff] = await insertRows(db.dataSource, 'k8s_events', [
    eventRow({ ...api, reason: 'Scheduled', last_timestamp: at(0), reporting_controller: 'default-scheduler', action: 'Binding' }),
    eventRow({ ...api, reason: 'Pulled', count: 3, first_timestamp: at(1), last_timestamp: at(20) }),
    eventRow({ ...api, reason: 'BackOff', type: 'Warning', count: 12, first_timestamp: at(2), last_timestamp: at(30), note: 'Back-off restarting failed container app in pod api-2_payments' }),
    // Expired: the cluster deleted it at its TTL; it stays as history.
    eventRow({ ...api, reason: 'Unhealthy', type: 'Warning', count: 4, first_timestamp: at(2), last_timestamp: at(25), deleted_at: at(90) }),
    // A kubelet's node Event: the node's name as its uid, written in default (no namespace row here).
    eventRow({ cluster_id: prod, namespace: 'default', involved_namespace: null, reason: 'NodeNotReady', type: 'Warning', involved_kind: 'Node', involved_name: 'n1', involved_uid: 'n1', last_timestamp: at(40) }),
    eventRow({ cluster_id: prod, namespace_id: payments, namespace: 'payments', reason: 'FailedScheduling', type: 'Warning', count: 7, involved_kind: 'Pod', involved_name: 'worker-1', involved_uid: workerUid, first_timestamp: at(5), last_timestamp: at(35), reporting_controller: 'default-scheduler' }),
    eventRow({ cluster_id: otherCluster, namespace_id: otherNs, namespace: 'payments', reason: 'BackOff', type: 'Warning', count: 99, involved_kind: 'Pod', involved_name: 'api-2', involved_uid: otherUid, last_timestamp: at(50) }),
  ]);
  Object.assign(ids, { scheduled, pulled, backOff, unhealthy, notReady, failedScheduling, otherBackOff });
});

afterAll(async () => {
  await db?.drop();
});

type Reasons = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Array<{ reason: string; count: number }> };
const page = `totalCount pageInfo { hasNextPage endCursor } nodes { reason count }`;
const reasons = (c: Reasons) => c.nodes.map((n) => `${n.reason}×${n.count}`);

async function events(filter: string, extra = ''): Promise<Reasons> {
  const args = [filter ? `filter: ${filter}` : '', extra].filter(Boolean).join(', ');
  const result = await data<{ events: Reasons }>(db.dataSource, authFor(acme), `{ events${args ? `(${args})` : ''} { ${page} } }`);
  return result.events;
}

describe('Pod.events', () => {
  test('a crash-looping pod’s Events, newest first, with their counts, expired ones included', async () => {
    const result = await data<{ pods: { nodes: Array<{ name: string; events: Reasons & { nodes: Array<{ type: string; message: string; firstSeen: Date; lastSeen: Date; expiredAt: Date | null; involvedObject: Record<string, string>; reportingController: string; cluster: { name: string }; namespace: { name: string } }> } }> } }>(
      db.dataSource,
      authFor(acme),
      `{ pods(filter: { search: "api-2" }) { nodes { name events { ${page} nodes { type message firstSeen lastSeen expiredAt involvedObject { kind name namespace uid } reportingController cluster { name } namespace { name } } } } } }`,
    );
    const [pod] = result.pods.nodes;
    expect(result.pods.nodes).toHaveLength(1);
    expect(reasons(pod!.events)).toEqual(['BackOff×12', 'Unhealthy×4', 'Pulled×3', 'Scheduled×1']);
    expect(pod!.events.totalCount).toBe(4);
    expect(pod!.events.nodes[0]).toMatchObject({
      type: 'WARNING',
      message: 'Back-off restarting failed container app in pod api-2_payments',
      firstSeen: at(2),
      lastSeen: at(30),
      expiredAt: null,
      involvedObject: { kind: 'Pod', name: 'api-2', namespace: 'payments', uid: ids.apiUid },
      reportingController: 'kubelet',
      cluster: { name: 'prod' },
      namespace: { name: 'payments' },
    });
    expect(pod!.events.nodes[1]!.expiredAt).toEqual(at(90));
  });

  test('pages of a pod’s Events and filters on them', async () => {
    const first = await data<{ node: { events: Reasons } }>(db.dataSource, authFor(acme), `{ node(id: "${toGlobalId('Pod', ids.api2!)}") { ... on Pod { events(first: 2) { ${page} } } } }`);
    expect(reasons(first.node.events)).toEqual(['BackOff×12', 'Unhealthy×4']);
    expect(first.node.events.pageInfo.hasNextPage).toBe(true);
    const next = await data<{ node: { events: Reasons } }>(
      db.dataSource,
      authFor(acme),
      `{ node(id: "${toGlobalId('Pod', ids.api2!)}") { ... on Pod { events(first: 2, after: "${first.node.events.pageInfo.endCursor}", filter: { type: NORMAL }) { ${page} } } } }`,
    );
    // A cursor from the same ordering, another filter: the Normal Events after Unhealthy (last seen at 25 min).
    expect(reasons(next.node.events)).toEqual(['Pulled×3', 'Scheduled×1']);
    expect(next.node.events.pageInfo.hasNextPage).toBe(false);
  });
});

describe('the example operation pod-events.graphql', () => {
  test('runs as shipped: all Events, or only the warnings, of a pod and its node', async () => {
    const document = await fs.readFile(new URL('../../examples/operations/pod-events.graphql', import.meta.url), 'utf8');
    type Page = { totalCount: number; nodes: Array<{ reason: string; count: number }> };
    type Result = { node: { name: string; events?: Page; warnings?: Page; node: { name: string; events: { nodes: Array<{ reason: string }> } } } };
    // api-2 runs on n1, whose NodeNotReady is a warning.
    await db.dataSource.query(`UPDATE k8s_pods SET node_name = 'n1' WHERE id = $1`, [ids.api2]);
    const all = await data<Result>(db.dataSource, authFor(acme), document, { variables: { podId: toGlobalId('Pod', ids.api2!) } });
    expect(all.node.events!.nodes.map((n) => `${n.reason}×${n.count}`)).toEqual(['BackOff×12', 'Unhealthy×4', 'Pulled×3', 'Scheduled×1']);
    expect(all.node.warnings).toBeUndefined();
    expect(all.node.node.events.nodes.map((n) => n.reason)).toEqual(['NodeNotReady']);
    const warnings = await data<Result>(db.dataSource, authFor(acme), document, { variables: { podId: toGlobalId('Pod', ids.api2!), warningsOnly: true } });
    expect(warnings.node.warnings!.nodes.map((n) => `${n.reason}×${n.count}`)).toEqual(['BackOff×12', 'Unhealthy×4']);
    await db.dataSource.query(`UPDATE k8s_pods SET node_name = NULL WHERE id = $1`, [ids.api2]);
  });
});

describe('Namespace.events and ClusterNode.events', () => {
  test('the namespace’s Events about any of its objects, and the node’s by its name', async () => {
    const result = await data<{ namespaces: { nodes: Array<{ name: string; events: Reasons }> }; clusterNodes: { nodes: Array<{ name: string; events: Reasons }> } }>(
      db.dataSource,
      authFor(acme),
      `{ namespaces { nodes { name events { ${page} } } } clusterNodes { nodes { name events { ${page} } } } }`,
    );
    expect(result.namespaces.nodes.map((n) => [n.name, reasons(n.events)])).toEqual([['payments', ['FailedScheduling×7', 'BackOff×12', 'Unhealthy×4', 'Pulled×3', 'Scheduled×1']]]);
    expect(result.clusterNodes.nodes.map((n) => [n.name, reasons(n.events)])).toEqual([['n1', ['NodeNotReady×1']]]);
  });
});

describe('events(filter, orderBy)', () => {
  test('newest first by default, across the organisation’s clusters only', async () => {
    const all = await events('');
    expect(all.totalCount).toBe(6);
    expect(reasons(all)).toEqual(['NodeNotReady×1', 'FailedScheduling×7', 'BackOff×12', 'Unhealthy×4', 'Pulled×3', 'Scheduled×1']);
    const theirs = await data<{ events: Reasons }>(db.dataSource, authFor(other), `{ events { ${page} } }`);
    expect(reasons(theirs.events)).toEqual(['BackOff×99']);
  });

  test('each filter field narrows exactly', async () => {
    expect(reasons(await events('{ type: WARNING }'))).toEqual(['NodeNotReady×1', 'FailedScheduling×7', 'BackOff×12', 'Unhealthy×4']);
    expect(reasons(await events('{ reason: "BackOff" }'))).toEqual(['BackOff×12']);
    expect(reasons(await events('{ namespace: "payments" }'))).toEqual(['FailedScheduling×7', 'BackOff×12', 'Unhealthy×4', 'Pulled×3', 'Scheduled×1']);
    expect(reasons(await events('{ involvedKind: "Node" }'))).toEqual(['NodeNotReady×1']);
    expect(reasons(await events('{ involvedKind: "Pod", involvedName: "worker-1" }'))).toEqual(['FailedScheduling×7']);
    expect(reasons(await events(`{ involvedUid: "${ids.apiUid}" }`))).toEqual(['BackOff×12', 'Unhealthy×4', 'Pulled×3', 'Scheduled×1']);
    // Last seen in [20 min, 35 min): 30, 25 and 20.
    expect(reasons(await events(`{ since: "${at(20).toISOString()}", until: "${at(35).toISOString()}" }`))).toEqual(['BackOff×12', 'Unhealthy×4', 'Pulled×3']);
    expect(reasons(await events(`{ clusterId: "${toGlobalId('Cluster', prod)}", reason: "Scheduled" }`))).toEqual(['Scheduled×1']);
    // Another organisation's cluster: nothing, not an error that would tell it exists.
    expect(reasons(await events(`{ clusterId: "${toGlobalId('Cluster', otherCluster)}" }`))).toEqual([]);
  });

  test('ordered by count, ties newest first; oldest first on request', async () => {
    expect(reasons(await events('', 'orderBy: { field: COUNT }'))).toEqual(['BackOff×12', 'FailedScheduling×7', 'Unhealthy×4', 'Pulled×3', 'NodeNotReady×1', 'Scheduled×1']);
    expect(reasons(await events('', 'orderBy: { field: LAST_SEEN, direction: ASC }'))).toEqual(['Scheduled×1', 'Pulled×3', 'Unhealthy×4', 'BackOff×12', 'FailedScheduling×7', 'NodeNotReady×1']);
  });

  test('pages forward to the end and backward from it', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const p: Reasons = await events('', `first: 2${after ? `, after: "${after}"` : ''}`);
      seen.push(...reasons(p));
      expect(p.totalCount).toBe(6);
      expect(p.pageInfo.hasNextPage).toBe(i < 2);
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(['NodeNotReady×1', 'FailedScheduling×7', 'BackOff×12', 'Unhealthy×4', 'Pulled×3', 'Scheduled×1']);
    expect(reasons(await events('', 'last: 2'))).toEqual(['Pulled×3', 'Scheduled×1']);
  });

  test('another organisation’s Event is not found by id, nor its pod’s Events', async () => {
    const result = await data<{ node: unknown; nodes: unknown[] }>(
      db.dataSource,
      authFor(acme),
      `{ node(id: "${toGlobalId('KubernetesEvent', ids.otherBackOff!)}") { id } nodes(ids: ["${toGlobalId('Pod', ids.otherPod!)}"]) { id } }`,
    );
    expect(result).toEqual({ node: null, nodes: [null] });
    const mine = await data<{ node: { reason: string; count: number } }>(db.dataSource, authFor(acme), `{ node(id: "${toGlobalId('KubernetesEvent', ids.backOff!)}") { ... on KubernetesEvent { reason count } } }`);
    expect(mine.node).toEqual({ reason: 'BackOff', count: 12 });
  });

  test('bad filter input is BAD_USER_INPUT naming the argument, at the top level and nested', async () => {
    const cases: Array<[string, RegExp]> = [
      [`{ events(filter: { clusterId: "${toGlobalId('Pod', ids.api2!)}" }) { totalCount } }`, /filter\.clusterId/],
      [`{ events(filter: { clusterId: "not-an-id" }) { totalCount } }`, /filter\.clusterId/],
      [`{ events(filter: { since: "${at(10).toISOString()}", until: "${at(5).toISOString()}" }) { totalCount } }`, /filter\.since.*must not be after/],
      [`{ events(filter: { reason: "" }) { totalCount } }`, /filter\.reason/],
      [`{ events(first: -1) { totalCount } }`, /first/],
      [`{ pods { nodes { events(filter: { involvedName: "${'x'.repeat(300)}" }) { totalCount } } } }`, /filter\.involvedName/],
    ];
    for (const [query, message] of cases) {
      const result = await execute(db.dataSource, authFor(acme), query);
      expect(errorCodes(result), query).toEqual(result.errors!.map(() => 'BAD_USER_INPUT'));
      expect(result.errors!.length, query).toBeGreaterThan(0);
      expect(result.errors![0]!.message).toMatch(message);
    }
    // Outside the DateTime scalar's range: refused by the scalar, before any resolver.
    const invalid = await execute(db.dataSource, authFor(acme), `{ events(filter: { since: "yesterday" }) { totalCount } }`);
    expect(invalid.errors?.length).toBeGreaterThan(0);
  });

  test('no token, no Events', async () => {
    const result = await execute(db.dataSource, null, `{ events { totalCount } }`);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('statements under fan-out', () => {
  test('Events of every namespace, node and pod: one statement per level, whatever the number of parents', async () => {
    const count = async (org: string) => {
      counter.reset();
      const result = await data<{ namespaces: { nodes: Array<{ events: Reasons; pods: { nodes: Array<{ events: Reasons }> } }> }; clusterNodes: { nodes: Array<{ events: Reasons }> } }>(
        db.dataSource,
        authFor(org),
        `{ namespaces(first: 500) { nodes { events(first: 2) { ${page} } pods(first: 10) { nodes { events(first: 2) { ${page} } } } } }
           clusterNodes(first: 500) { nodes { events(first: 2) { ${page} } } } }`,
      );
      return { statements: [...counter.statements], result };
    };
    const seed = async (name: string, clusters: number) => {
      const org = await insertOrganization(db.dataSource, name);
      const seeded = await seedInventory(db.dataSource, org, { clusters, namespacesPerCluster: 2, deploymentsPerNamespace: 1, podsPerDeployment: 2, nodesPerCluster: 1 });
      // One Event per namespace, about its first pod.
      for (const cl of seeded) {
        const pods: Array<{ uid: string; namespace: string; name: string }> = await db.dataSource.query(`SELECT uid, namespace, name FROM k8s_pods WHERE cluster_id = $1 ORDER BY name`, [cl.id]);
        await insertRows(
          db.dataSource,
          'k8s_events',
          cl.namespaces.map((ns) => {
            const pod = pods.find((p) => p.namespace === ns.name)!;
            return eventRow({ cluster_id: cl.id, namespace_id: ns.id, namespace: ns.name, reason: 'BackOff', involved_kind: 'Pod', involved_name: pod.name, involved_uid: pod.uid, last_timestamp: at(1) });
          }),
        );
      }
      return org;
    };
    const small = await count(await seed('fan-small', 2));
    const large = await count(await seed('fan-large', 40));
    const eventsOf = (r: typeof small.result) => r.namespaces.nodes.flatMap((n) => [n.events.totalCount, ...n.pods.nodes.map((p) => p.events.totalCount)]);
    // Each namespace: its one Event, then its two pods (the first has it, the second none).
    expect(eventsOf(small.result)).toEqual(Array.from({ length: 4 }, () => [1, 1, 0]).flat());
    expect(eventsOf(large.result)).toEqual(Array.from({ length: 80 }, () => [1, 1, 0]).flat());
    // namespaces, their Events, their pods, the pods' Events, nodes, the nodes' Events.
    expect(small.statements).toHaveLength(6);
    // The same statements (in whichever order the loaders ran), only the bound ids differ.
    expect([...large.statements].sort()).toEqual([...small.statements].sort());
  });
});

describe('a synced simulator', () => {
  test('a crash-looping pod’s Events through Pod.events are the cluster’s, newest first, with its counts', async () => {
    const sim = await startHarness({ db, sim: { pods: 60, seed: 'kevents-api' } });
    try {
      await sim.sync.whenSynced();
      await sim.sim.tick(20);
      await sim.sync.flush();
      const state = sim.sim.state();
      // The broken Deployment's pod: crash-looping since the cluster started, its BackOff counted many times.
      const backOff = state.events
        .filter((e) => e.reason === 'BackOff' && e.involvedObject.kind === 'Pod' && e.message.startsWith('Back-off restarting'))
        .sort((a, b) => b.count - a.count)[0]!;
      expect(backOff.count).toBeGreaterThan(1);
      const pod = state.pods.find((p) => p.metadata.uid === backOff.involvedObject.uid)!;
      const want = state.events
        .filter((e) => e.involvedObject.uid === pod.metadata.uid)
        .map((e) => ({ uid: e.metadata.uid, reason: e.reason, count: e.series?.count ?? e.count ?? 1 }))
        .sort((a, b) => (a.uid < b.uid ? -1 : 1));
      type Got = Array<{ uid: string; reason: string; count: number; lastSeen: Date }>;
      const read = async (): Promise<Got> => {
        const result = await data<{ pods: { nodes: Array<{ uid: string; events: { nodes: Got } }> } }>(
          db.dataSource,
          authFor(sim.organizationId),
          `query($ns: String!, $name: String!) { pods(filter: { namespaces: [$ns], search: $name }) { nodes { uid events(first: 100) { nodes { uid reason count lastSeen } } } } }`,
          { variables: { ns: pod.metadata.namespace, name: pod.metadata.name } },
        );
        return result.pods.nodes.find((p) => p.uid === pod.metadata.uid)?.events.nodes ?? [];
      };
      const comparable = (got: Got) => got.map(({ uid, reason, count }) => ({ uid, reason, count })).sort((a, b) => (a.uid < b.uid ? -1 : 1));
      // The sync is asynchronous: read until the tick's Events are committed (the deadline only bounds a broken sync).
      let got = await read();
      for (const until = Date.now() + 20_000; JSON.stringify(comparable(got)) !== JSON.stringify(want) && Date.now() < until; got = await read()) {
        await sim.sync.flush();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(comparable(got)).toEqual(want);
      expect(got.find((e) => e.uid === backOff.metadata.uid)!.count).toBe(backOff.count);
      const times = got.map((e) => e.lastSeen.getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
    } finally {
      await sim.stop();
    }
  });
});
