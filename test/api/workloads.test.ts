/**
 * Workloads over GraphQL, on what a sync of the simulator stored: every kind both ways (Namespace.workloads,
 * Workload.pods, Pod.owner, CronJob.jobs, Job.cronJob), filters, orderings, node ids, organisation isolation, and
 * statements that do not grow with the number of parents.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { K8sObject, SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { fromGlobalId, toGlobalId } from '../../src/graphql/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertOrganization } from '../support/seed.js';
import { expectConverged, startHarness } from '../sync/sync-harness.js';
import { authFor, data, execute, errorCodes, StatementCounter } from './support/api-context.js';

// A Monday, 10:02:30 UTC: the scenario's `*/5` CronJob is next due at 10:05.
const START = Date.parse('2026-03-02T10:02:30Z');
const MINUTE = 60_000;

const counter = new StatementCounter();
let db: TestDatabase;
let sim: SimulatedCluster;
let org: string;
let other: string;

type State = ReturnType<SimulatedCluster['state']>;
let state: State;

beforeAll(async () => {
  db = await createTestDatabase({ dataSource: { logger: counter } });
  let now = START;
  const h = await startHarness({ db, sim: { pods: 120, seed: 'workloads', startTime: START, clock: () => now } });
  try {
    await h.sync.whenSynced();
    // The */5 CronJob fires at 10:05; its Job's pod runs for 40 s.
    now += 3 * MINUTE;
    await h.sim.tick(5);
    await expectConverged(h);
    await h.sync.stop();
  } finally {
    h.client.close();
  }
  sim = h.sim;
  state = sim.state();
  org = h.organizationId;
  other = await insertOrganization(db.dataSource, 'other');
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

const controller = (o: K8sObject) => o.metadata.ownerReferences?.find((r: { controller?: boolean }) => r.controller) as { kind: string; name: string; uid: string } | undefined;
const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

/** What the simulator holds, as `Kind/name` per namespace. */
function workloadsByNamespace(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of [...state.deployments, ...state.statefulsets, ...state.daemonsets, ...state.jobs, ...state.cronjobs]) {
    const ns = o.metadata.namespace!;
    out.set(ns, [...(out.get(ns) ?? []), key(o)]);
  }
  return out;
}

describe('Namespace.workloads and the top-level workloads', () => {
  test('every namespace lists exactly its Deployments, StatefulSets, DaemonSets, Jobs and CronJobs', async () => {
    const result = await data(db.dataSource, authFor(org), `{ namespaces(first: 100) { nodes { name workloads(first: 100) { totalCount nodes { __typename kind name namespaceName } } } } }`);
    const want = workloadsByNamespace();
    const got = new Map<string, string[]>();
    for (const ns of result.namespaces.nodes) {
      for (const w of ns.workloads.nodes) {
        // The object's type is its kind.
        expect(w.__typename).toBe(w.kind.replace('STATEFUL_SET', 'StatefulSet').replace('DAEMON_SET', 'DaemonSet').replace('CRON_JOB', 'CronJob').replace('DEPLOYMENT', 'Deployment').replace('JOB', 'Job'));
        expect(w.namespaceName).toBe(ns.name);
        got.set(ns.name, [...(got.get(ns.name) ?? []), `${w.__typename}/${w.name}`]);
      }
      expect(ns.workloads.totalCount).toBe(want.get(ns.name)?.length ?? 0);
    }
    const sorted = (m: Map<string, string[]>) => [...m].map(([k, v]) => [k, [...v].sort()]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(sorted(got)).toEqual(sorted(want));
  });

  test('the kind argument and the kinds filter narrow the list; every kind is there', async () => {
    const ns = state.cronjobs[0]!.metadata.namespace!;
    const result = await data(db.dataSource, authFor(org), `query ($ns: [String!]) {
      namespaces(filter: { names: $ns }) { nodes { cronJobs: workloads(kind: CRON_JOB) { nodes { name } } } }
      all: workloads(first: 1) { totalCount }
      sts: workloads(filter: { kinds: [STATEFUL_SET] }) { totalCount }
      ds: workloads(filter: { kinds: [DAEMON_SET] }) { totalCount }
      jobs: workloads(filter: { kinds: [JOB] }) { totalCount }
      cron: workloads(filter: { kinds: [CRON_JOB] }) { totalCount }
      deployments: workloads(filter: { kinds: [DEPLOYMENT] }) { totalCount }
    }`, { variables: { ns: [ns] } });
    expect(result.namespaces.nodes[0].cronJobs.nodes.map((c: { name: string }) => c.name).sort()).toEqual(
      state.cronjobs.filter((c) => c.metadata.namespace === ns).map((c) => c.metadata.name).sort(),
    );
    expect(result.sts.totalCount).toBe(state.statefulsets.length);
    expect(result.ds.totalCount).toBe(state.daemonsets.length);
    expect(result.jobs.totalCount).toBe(state.jobs.length);
    expect(result.cron.totalCount).toBe(state.cronjobs.length);
    expect(result.deployments.totalCount).toBe(state.deployments.length);
    expect(result.all.totalCount).toBe(state.deployments.length + state.statefulsets.length + state.daemonsets.length + state.jobs.length + state.cronjobs.length);
    for (const n of [result.sts, result.ds, result.jobs, result.cron]) expect(n.totalCount).toBeGreaterThan(0);
  });

  test('filters: name contains, label selector, namespace, cluster, health', async () => {
    const ds = state.daemonsets[0]!;
    const failedJobs = state.jobs.filter((j) => j.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Failed' && c.status === 'True'));
    const result = await data(db.dataSource, authFor(org), `query ($search: String!, $selector: String!, $ns: [String!]) {
      search: workloads(filter: { search: $search }) { nodes { name } }
      labelled: workloads(filter: { labelSelector: $selector, kinds: [DAEMON_SET] }) { nodes { name } }
      inNamespace: workloads(filter: { namespaces: $ns, kinds: [DAEMON_SET] }) { totalCount }
      failed: workloads(filter: { health: [FAILED], kinds: [JOB] }) { nodes { name health } }
      clusters { nodes { id } }
    }`, { variables: { search: ds.metadata.name.toUpperCase(), selector: Object.entries(ds.metadata.labels ?? { app: ds.metadata.name }).map(([k, v]) => `${k}=${v}`).join(','), ns: ['kube-system'] } });
    expect(result.search.nodes.map((n: { name: string }) => n.name)).toContain(ds.metadata.name);
    expect(result.search.nodes.every((n: { name: string }) => n.name.includes(ds.metadata.name))).toBe(true);
    expect(result.labelled.nodes.map((n: { name: string }) => n.name)).toContain(ds.metadata.name);
    expect(result.inNamespace.totalCount).toBe(state.daemonsets.filter((d) => d.metadata.namespace === 'kube-system').length);
    expect(result.failed.nodes.map((n: { name: string }) => n.name).sort()).toEqual(failedJobs.map((j) => j.metadata.name).sort());
    const cluster = result.clusters.nodes[0].id;
    const byCluster = await data(db.dataSource, authFor(org), `query ($c: [ID!]) { workloads(filter: { clusterIds: $c, kinds: [STATEFUL_SET] }) { totalCount } }`, { variables: { c: [cluster] } });
    expect(byCluster.workloads.totalCount).toBe(state.statefulsets.length);
    const bad = await execute(db.dataSource, authFor(org), `{ workloads(filter: { labelSelector: "a in (" }) { totalCount } }`);
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
  });

  test('orderings: by kind, by creation time, by name; pages join up', async () => {
    const result = await data(db.dataSource, authFor(org), `{
      byKind: workloads(first: 500, orderBy: { field: KIND }) { nodes { __typename } }
      byCreated: workloads(first: 500, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { createdAt } }
      byName: workloads(first: 500) { nodes { id } }
      firstPage: workloads(first: 7) { pageInfo { endCursor } nodes { id } }
    }`);
    const kinds = result.byKind.nodes.map((n: { __typename: string }) => n.__typename);
    expect([...new Set(kinds)]).toEqual(['CronJob', 'DaemonSet', 'Deployment', 'Job', 'StatefulSet']);
    const times = result.byCreated.nodes.map((n: { createdAt: string }) => Date.parse(n.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const next = await data(db.dataSource, authFor(org), `query ($after: String) { workloads(first: 7, after: $after) { nodes { id } } }`, { variables: { after: result.firstPage.pageInfo.endCursor } });
    expect([...result.firstPage.nodes, ...next.workloads.nodes]).toEqual(result.byName.nodes.slice(0, 14));
  });
});

describe('owner chains both ways', () => {
  test('Pod.owner: a ReplicaSet’s pod its Deployment, a StatefulSet’s, DaemonSet’s or Job’s pod that workload, a CronJob’s pod its Job with the CronJob', async () => {
    const result = await data(db.dataSource, authFor(org), `{ pods(first: 500) { nodes { uid owner { __typename name ... on Job { cronJob { name } } } } } }`);
    const rsOwner = new Map(state.replicasets.map((rs) => [rs.metadata.uid, controller(rs)?.name]));
    const jobOwner = new Map(state.jobs.map((j) => [j.metadata.uid, controller(j)?.name ?? null]));
    const want = new Map(
      state.pods.map((p) => {
        const c = controller(p);
        if (!c) return [p.metadata.uid, null];
        if (c.kind === 'ReplicaSet') return [p.metadata.uid, `Deployment/${rsOwner.get(c.uid)}`];
        if (c.kind === 'Job') return [p.metadata.uid, `Job/${c.name}/${jobOwner.get(c.uid)}`];
        return [p.metadata.uid, `${c.kind}/${c.name}`];
      }),
    );
    const got = new Map(
      result.pods.nodes.map((p: { uid: string; owner: { __typename: string; name: string; cronJob?: { name: string } | null } | null }) => [
        p.uid,
        p.owner === null ? null : p.owner.__typename === 'Job' ? `Job/${p.owner.name}/${p.owner.cronJob?.name ?? null}` : `${p.owner.__typename}/${p.owner.name}`,
      ]),
    );
    expect(got).toEqual(want);
    const kinds = new Set([...want.values()].map((v) => (v === null ? null : v.split('/')[0])));
    expect(kinds).toEqual(new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', null]));
    expect([...want.values()].some((v) => v?.startsWith('Job/') && !v.endsWith('/null'))).toBe(true);
  });

  test('Workload.pods of every StatefulSet, DaemonSet, Job and CronJob (a CronJob’s through its Jobs), and CronJob.jobs', async () => {
    const result = await data(db.dataSource, authFor(org), `{ workloads(first: 500, filter: { kinds: [STATEFUL_SET, DAEMON_SET, JOB, CRON_JOB] }) { nodes {
      __typename uid pods(first: 100) { totalCount nodes { uid } } ... on CronJob { jobs(first: 50) { nodes { uid cronJob { uid } } } } } } }`);
    const podsOf = (uids: Set<string>) => state.pods.filter((p) => uids.has(controller(p)?.uid ?? '')).map((p) => p.metadata.uid).sort();
    let cronPods = 0;
    for (const w of result.workloads.nodes) {
      const jobs = state.jobs.filter((j) => controller(j)?.uid === w.uid);
      const owners = new Set(w.__typename === 'CronJob' ? jobs.map((j) => j.metadata.uid) : [w.uid]);
      expect(w.pods.nodes.map((p: { uid: string }) => p.uid).sort()).toEqual(podsOf(owners));
      expect(w.pods.totalCount).toBe(podsOf(owners).length);
      if (w.__typename === 'CronJob') {
        cronPods += w.pods.totalCount;
        expect(w.jobs.nodes.map((j: { uid: string }) => j.uid).sort()).toEqual(jobs.map((j) => j.metadata.uid).sort());
        for (const j of w.jobs.nodes) expect(j.cronJob.uid).toBe(w.uid);
      }
    }
    expect(cronPods).toBeGreaterThan(0);
  });

  test('global ids: node(id:) finds each kind; the id of one kind with another kind’s name finds nothing', async () => {
    const result = await data(db.dataSource, authFor(org), `{ workloads(first: 500) { nodes { id __typename } } }`);
    const one = (type: string) => result.workloads.nodes.find((n: { __typename: string }) => n.__typename === type)!;
    for (const type of ['StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Deployment']) {
      const found = await data(db.dataSource, authFor(org), `query ($id: ID!) { node(id: $id) { __typename id } }`, { variables: { id: one(type).id } });
      expect(found.node).toEqual({ __typename: type, id: one(type).id });
    }
    const asJob = toGlobalId('Job', fromGlobalId(one('StatefulSet').id).id);
    const missing = await data(db.dataSource, authFor(org), `query ($id: ID!) { node(id: $id) { id } }`, { variables: { id: asJob } });
    expect(missing.node).toBeNull();
  });
});

describe('Workload.events', () => {
  test('every workload lists exactly the Kubernetes Events the cluster recorded about it', async () => {
    const result = await data(
      db.dataSource,
      authFor(org),
      `{ workloads(first: 200) { nodes { __typename name namespaceName events(first: 100) { totalCount nodes { reason involvedObject { kind name uid } } } } } }`,
    );
    const all = [...state.deployments, ...state.statefulsets, ...state.daemonsets, ...state.jobs, ...state.cronjobs];
    type CoreEvent = { reason: string; involvedObject: { uid: string; kind: string } };
    const events = state.events as unknown as CoreEvent[];
    const about = (o: K8sObject) =>
      events
        .filter((e) => e.involvedObject.uid === o.metadata.uid && e.involvedObject.kind === o.kind)
        .map((e) => e.reason)
        .sort();
    let withEvents = 0;
    for (const w of result.workloads.nodes) {
      const o = all.find((x) => x.kind === w.__typename && x.metadata.name === w.name && x.metadata.namespace === w.namespaceName)!;
      const want = about(o);
      if (want.length > 0) withEvents++;
      expect(w.events.nodes.map((e: { reason: string }) => e.reason).sort(), key(o)).toEqual(want);
      expect(w.events.totalCount).toBe(want.length);
      for (const e of w.events.nodes) expect(e.involvedObject).toEqual({ kind: o.kind, name: o.metadata.name, uid: o.metadata.uid });
    }
    expect(result.workloads.nodes).toHaveLength(all.length);
    // The scenario records Events about workloads (ScalingReplicaSet, SuccessfulCreate, a CronJob's runs): not vacuous.
    expect(withEvents).toBeGreaterThan(0);
  });
});

describe('organisation isolation', () => {
  test('another organisation sees no workload, by list, by id or through a pod', async () => {
    const mine = await data(db.dataSource, authFor(org), `{ workloads(first: 1, filter: { kinds: [CRON_JOB] }) { nodes { id } } }`);
    const theirs = await data(db.dataSource, authFor(other), `query ($id: ID!) { workloads { totalCount } node(id: $id) { id } namespaces { totalCount } pods { totalCount } }`, {
      variables: { id: mine.workloads.nodes[0].id },
    });
    expect(theirs).toEqual({ workloads: { totalCount: 0 }, node: null, namespaces: { totalCount: 0 }, pods: { totalCount: 0 } });
  });
});

describe('statements', () => {
  const QUERY = `query ($n: Int!) { namespaces(first: $n) { nodes { name workloads(first: 50) { nodes { name
    pods(first: 20) { nodes { name owner { name ... on Job { cronJob { name } } } } }
    ... on CronJob { jobs(first: 10) { nodes { name pods(first: 5) { nodes { name } } } } } } } } } }`;

  test('namespaces → workloads → pods → owner → CronJob: one statement per level and relation, whatever the fan-out', async () => {
    counter.reset();
    const all = await data(db.dataSource, authFor(org), QUERY, { variables: { n: 100 } });
    const batched = [...counter.statements];
    counter.reset();
    await data(db.dataSource, authFor(org), QUERY, { variables: { n: 100 }, loaders: { batch: false } });
    const unbatched = counter.count;
    const workloads = all.namespaces.nodes.flatMap((n: { workloads: { nodes: unknown[] } }) => n.workloads.nodes);
    expect(all.namespaces.nodes.length).toBeGreaterThan(3);
    expect(workloads.length).toBeGreaterThan(20);
    // Namespaces; their workloads (Deployments and the rest in one); pods of Deployments, of StatefulSets, DaemonSets
    // and Jobs, of CronJobs; CronJobs' Jobs and those Jobs' pods; the pods' owners (Deployments; the others by uid);
    // the Jobs' CronJobs: 10, however many namespaces, workloads and pods there are.
    expect(batched).toHaveLength(10);
    for (const sql of batched) expect(sql).toMatch(/organization_id = \$\d+::uuid/);
    // Without batching, a statement per parent.
    expect(unbatched).toBeGreaterThan(workloads.length);
  });
});
