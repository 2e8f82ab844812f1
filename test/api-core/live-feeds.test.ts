import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeKind } from '../../src/events/change-event.js';
import { toGlobalId } from '../../src/graphql/relay/global-id.js';
import { createCaller, gql, startChangeLogApiServer, waitFor, type ApiServer, type Caller, type ObservedChangeLogBus } from './support/api-server.js';
import { collect, commit, FeedClients, insertRow, refusal, rowEvent, updateRow } from './support/feeds.js';

let server: ApiServer<ObservedChangeLogBus>;
let clients: FeedClients;
let acme: Caller;
let globex: Caller;
let acmeCluster: string;
let acmeOther: string;
let globexCluster: string;

const DEPLOYMENTS = `subscription($filter: DeploymentChangedFilter, $after: String) {
  deploymentChanged(filter: $filter, after: $after) {
    type changedFields cursor
    deployment { name namespaceName desiredReplicas updatedReplicas readyReplicas availableReplicas health }
  }
}`;
type DeploymentItem = {
  deploymentChanged: {
    type: string;
    changedFields: string[];
    cursor: string;
    deployment: { name: string; namespaceName: string; desiredReplicas: number; updatedReplicas: number; readyReplicas: number; availableReplicas: number; health: string };
  };
};

const NODES = `subscription($filter: NodeChangedFilter, $after: String) {
  nodeChanged(filter: $filter, after: $after) { type changedFields cursor node { name ready unschedulable taints conditions } }
}`;
type NodeItem = { nodeChanged: { type: string; changedFields: string[]; cursor: string; node: { name: string; ready: boolean; unschedulable: boolean; taints: unknown; conditions: unknown } } };

const PODS = `subscription($filter: PodChangedFilter, $after: String) {
  podChanged(filter: $filter, after: $after) { type changedFields cursor pod { name } problem { reason resolved } }
}`;
type PodItem = { podChanged: { type: string; changedFields: string[]; cursor: string; pod: { name: string }; problem: { reason: string; resolved: boolean } | null } };

async function insertCluster(organizationId: string, name: string): Promise<string> {
  const [row] = await server.db.dataSource.query(`INSERT INTO k8s_clusters (organization_id, name, status) VALUES ($1, $2, 'healthy') RETURNING id`, [organizationId, name]);
  return row.id;
}

let uidSeq = 0;
const uid = (prefix: string) => `${prefix}-${++uidSeq}`;

function insertDeployment(clusterId: string, namespace: string, name: string, labels: Record<string, string>) {
  return insertRow(server, 'k8s_deployments', {
    cluster_id: clusterId, namespace, name, uid: uid('deploy'), labels, desired_replicas: 3, updated_replicas: 3, ready_replicas: 3,
    available_replicas: 3, health: 'healthy', created_at: new Date(),
  });
}

function insertNode(clusterId: string, name: string) {
  return insertRow(server, 'k8s_nodes', {
    cluster_id: clusterId, name, uid: uid('node'), ready: true, conditions: [{ type: 'Ready', status: 'True' }], created_at: new Date(),
  });
}

function insertPod(clusterId: string, name: string) {
  return insertRow(server, 'k8s_pods', { cluster_id: clusterId, namespace: 'prod', name, uid: uid('pod'), phase: 'Running', created_at: new Date() });
}

/** Waits until `n` more groups of subscriptions listen on the bus than `before`. */
const listening = (before: number, n = 1) => waitFor(() => server.eventBus.listenerCount === before + n, `${n} more live subscription(s)`);

beforeAll(async () => {
  server = await startChangeLogApiServer();
  await server.eventBus.listen();
  clients = new FeedClients(server);
  acme = await createCaller(server, 'acme', 'viewer');
  globex = await createCaller(server, 'globex', 'viewer');
  acmeCluster = await insertCluster(acme.organizationId, 'prod-eu');
  acmeOther = await insertCluster(acme.organizationId, 'staging');
  globexCluster = await insertCluster(globex.organizationId, 'prod-us');
});

afterAll(async () => {
  await clients?.dispose();
  await server?.close();
});

describe('deploymentChanged', () => {
  it('follows a rollout replica by replica, filtered by cluster, namespace, name and labels, within the organisation', async () => {
    const o = acme.organizationId;
    const before = server.eventBus.listenerCount;
    const all = collect<DeploymentItem>(clients.connect(acme.secret), DEPLOYMENTS, {}, (items) => items.length >= 7);
    const exact = collect<DeploymentItem>(clients.connect(acme.secret), DEPLOYMENTS, { filter: { clusterId: toGlobalId('Cluster', acmeCluster), namespace: 'prod', name: 'web' } }, (items) => items.length >= 3);
    const frontend = collect<DeploymentItem>(clients.connect(acme.secret), DEPLOYMENTS, { filter: { labelSelector: 'tier=frontend' } }, (items) => items.length >= 5);
    const other = collect<DeploymentItem>(clients.connect(globex.secret), DEPLOYMENTS, {}, (items) => items.length >= 1);
    await listening(before, 4);

    const web = await insertDeployment(acmeCluster, 'prod', 'web', { app: 'web', tier: 'frontend' });
    const devWeb = await insertDeployment(acmeCluster, 'dev', 'web', { app: 'web', tier: 'frontend' });
    const stagingWeb = await insertDeployment(acmeOther, 'prod', 'web', { app: 'web', tier: 'frontend' });
    const api = await insertDeployment(acmeCluster, 'prod', 'api', { app: 'api', tier: 'backend' });
    const theirs = await insertDeployment(globexCluster, 'prod', 'web', { app: 'web', tier: 'frontend' });
    await commit(server, [
      rowEvent(o, 'Deployment', 'ADDED', web),
      rowEvent(globex.organizationId, 'Deployment', 'ADDED', theirs),
      rowEvent(o, 'Deployment', 'ADDED', devWeb),
      rowEvent(o, 'Deployment', 'ADDED', stagingWeb),
      rowEvent(o, 'Deployment', 'ADDED', api),
    ]);
    // A new template rolls out: one new replica (surge), then all three; resourceVersion, which no field shows, is dropped.
    const step1 = await updateRow(server, 'k8s_deployments', web.id as string, { updated_replicas: 1, ready_replicas: 3, available_replicas: 3, health: 'progressing', generation: 2 });
    await commit(server, [rowEvent(o, 'Deployment', 'MODIFIED', step1, ['updatedReplicas', 'health', 'generation', 'resourceVersion'])]);
    const step2 = await updateRow(server, 'k8s_deployments', web.id as string, { updated_replicas: 3, health: 'healthy', observed_generation: 2 });
    await commit(server, [rowEvent(o, 'Deployment', 'MODIFIED', step2, ['updatedReplicas', 'health', 'observedGeneration'])]);
    const scaled = await updateRow(server, 'k8s_deployments', api.id as string, { desired_replicas: 5, ready_replicas: 4, available_replicas: 4, unavailable_replicas: 1, health: 'degraded' });
    await commit(server, [rowEvent(o, 'Deployment', 'MODIFIED', scaled, ['desiredReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'health'])]);

    const shape = (items: DeploymentItem[]) =>
      items.map(({ deploymentChanged: e }) => [e.type, `${e.deployment.namespaceName}/${e.deployment.name}`, e.changedFields, e.deployment.updatedReplicas, e.deployment.health]);
    // changedFields in DeploymentField values, in Deployment's field order.
    const rollout = [
      ['MODIFIED', 'prod/web', ['updatedReplicas', 'health', 'generation'], 1, 'PROGRESSING'],
      ['MODIFIED', 'prod/web', ['updatedReplicas', 'health', 'observedGeneration'], 3, 'HEALTHY'],
    ];
    expect(shape(await exact.done)).toEqual([['ADDED', 'prod/web', [], 3, 'HEALTHY'], ...rollout]);
    expect(shape(await frontend.done)).toEqual([['ADDED', 'prod/web', [], 3, 'HEALTHY'], ['ADDED', 'dev/web', [], 3, 'HEALTHY'], ['ADDED', 'prod/web', [], 3, 'HEALTHY'], ...rollout]);
    const allItems = await all.done;
    expect(shape(allItems).map((s) => s.slice(0, 3))).toEqual([
      ['ADDED', 'prod/web', []],
      ['ADDED', 'dev/web', []],
      ['ADDED', 'prod/web', []],
      ['ADDED', 'prod/api', []],
      ['MODIFIED', 'prod/web', ['updatedReplicas', 'health', 'generation']],
      ['MODIFIED', 'prod/web', ['updatedReplicas', 'health', 'observedGeneration']],
      ['MODIFIED', 'prod/api', ['desiredReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'health']],
    ]);
    expect(allItems[6]!.deploymentChanged.deployment).toMatchObject({ desiredReplicas: 5, readyReplicas: 4, availableReplicas: 4, health: 'DEGRADED' });
    // Globex's feed saw its own Deployment only, and acme's none of it.
    expect(shape(await other.done)).toEqual([['ADDED', 'prod/web', [], 3, 'HEALTHY']]);
    for (const f of [all, exact, frontend, other]) {
      expect(f.errors).toEqual([]);
      f.dispose();
    }
    await listening(before, 0);
  });
});

describe('nodeChanged', () => {
  it('delivers NotReady with its pressure condition, a cordon and its taint, for the node and cluster asked, within the organisation', async () => {
    const o = acme.organizationId;
    const before = server.eventBus.listenerCount;
    const one = collect<NodeItem>(clients.connect(acme.secret), NODES, { filter: { clusterId: toGlobalId('Cluster', acmeCluster), name: 'n1' } }, (items) => items.length >= 3);
    const all = collect<NodeItem>(clients.connect(acme.secret), NODES, {}, (items) => items.length >= 5);
    const other = collect<NodeItem>(clients.connect(globex.secret), NODES, {}, (items) => items.length >= 1);
    await listening(before, 3);

    const n1 = await insertNode(acmeCluster, 'n1');
    const n2 = await insertNode(acmeCluster, 'n2');
    const otherN1 = await insertNode(acmeOther, 'n1');
    const theirs = await insertNode(globexCluster, 'n1');
    await commit(server, [rowEvent(o, 'Node', 'ADDED', n1), rowEvent(o, 'Node', 'ADDED', n2), rowEvent(o, 'Node', 'ADDED', otherN1), rowEvent(globex.organizationId, 'Node', 'ADDED', theirs)]);
    const pressure = [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }, { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory' }];
    const notReady = await updateRow(server, 'k8s_nodes', n1.id as string, { ready: false, conditions: pressure });
    await commit(server, [rowEvent(o, 'Node', 'MODIFIED', notReady, ['ready', 'conditions'])]);
    const taint = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }];
    const cordoned = await updateRow(server, 'k8s_nodes', n1.id as string, { unschedulable: true, taints: taint });
    // Capacity columns show as the fields that read them: pods_capacity is podCapacity, millicores also give cores.
    await commit(server, [rowEvent(o, 'Node', 'MODIFIED', cordoned, ['unschedulable', 'taints', 'podsCapacity', 'cpuCapacityMillicores', 'resourceVersion'])]);

    const oneItems = (await one.done).map((i) => i.nodeChanged);
    expect(oneItems.map((e) => [e.type, e.changedFields])).toEqual([
      ['ADDED', []],
      // ClusterNode's field order: conditions before ready; capacity before taints.
      ['MODIFIED', ['conditions', 'ready']],
      ['MODIFIED', ['cpuCapacityMillicores', 'cpuCapacityCores', 'podCapacity', 'taints', 'unschedulable']],
    ]);
    expect(oneItems[1]!.node).toMatchObject({ name: 'n1', ready: false, unschedulable: false, conditions: pressure });
    expect(oneItems[2]!.node).toMatchObject({ ready: false, unschedulable: true, taints: taint });
    expect((await all.done).map((i) => [i.nodeChanged.type, i.nodeChanged.node.name])).toEqual([
      ['ADDED', 'n1'],
      ['ADDED', 'n2'],
      ['ADDED', 'n1'],
      ['MODIFIED', 'n1'],
      ['MODIFIED', 'n1'],
    ]);
    expect((await other.done).map((i) => [i.nodeChanged.type, i.nodeChanged.node.name])).toEqual([['ADDED', 'n1']]);
    for (const f of [one, all, other]) f.dispose();
    await listening(before, 0);
  });
});

describe('sharing', () => {
  it('executes each event once for equal subscriptions of every feed, and apart for each organisation', async () => {
    const before = server.eventBus.listenerCount;
    const executions = () => server.endpoint.metrics.subscriptions.executions;
    const active = () => server.endpoint.metrics.subscriptions.open;
    const activeBefore = active();
    const [c1, c2] = [clients.connect(acme.secret), clients.connect(acme.secret)];
    const filter = { filter: { clusterId: toGlobalId('Cluster', acmeCluster), name: 'shared' } };
    const nodes = Array.from({ length: 6 }, (_, i) => collect<NodeItem>(i % 2 ? c1 : c2, NODES, filter, (items) => items.length >= 1));
    const deployments = Array.from({ length: 4 }, (_, i) => collect<DeploymentItem>(i % 2 ? c1 : c2, DEPLOYMENTS, filter, (items) => items.length >= 1));
    const theirs = collect<NodeItem>(clients.connect(globex.secret), NODES, {}, (items) => items.length >= 1);
    // Every subscriber receiving, in one group per distinct (operation, variables, organisation): three listeners.
    await waitFor(() => active() === activeBefore + 11, 'eleven live subscriptions');
    expect(server.eventBus.listenerCount).toBe(before + 3);
    const start = executions();
    const node = await insertNode(acmeCluster, 'shared');
    const deployment = await insertDeployment(acmeCluster, 'prod', 'shared', {});
    const other = await insertNode(globexCluster, 'shared');
    await commit(server, [rowEvent(acme.organizationId, 'Node', 'ADDED', node), rowEvent(acme.organizationId, 'Deployment', 'ADDED', deployment), rowEvent(globex.organizationId, 'Node', 'ADDED', other)]);
    for (const f of nodes) expect((await f.done).map((i) => i.nodeChanged.node.name)).toEqual(['shared']);
    for (const f of deployments) expect((await f.done).map((i) => i.deploymentChanged.deployment.name)).toEqual(['shared']);
    expect((await theirs.done).map((i) => i.nodeChanged.node.name)).toEqual(['shared']);
    // acme's node group, acme's deployment group, globex's node group: one execution each.
    expect(executions() - start).toBe(3);
    for (const f of [...nodes, ...deployments, theirs]) f.dispose();
    await waitFor(() => active() === activeBefore, 'the subscriptions to end');
    await listening(before, 0);
  });
});

describe('field enums', () => {
  it('hold every field of their type but the related objects other domains attach, which no stored column is', async () => {
    const pairs = [
      ['Pod', 'PodField', ['cluster', 'deployment', 'events', 'namespace', 'node', 'owner']],
      ['Deployment', 'DeploymentField', ['cluster', 'events', 'namespace', 'pods']],
      ['ClusterNode', 'ClusterNodeField', ['cluster', 'events', 'pods']],
      ['Cluster', 'ClusterField', ['deployments', 'health', 'helmReleases', 'namespaces', 'nodes', 'pods', 'pricing']],
    ] as const;
    for (const [type, enumName, related] of pairs) {
      const res = await gql<{ t: { fields: Array<{ name: string }> }; e: { enumValues: Array<{ name: string }> } }>(
        server,
        `query($t: String!, $e: String!) { t: __type(name: $t) { fields { name } } e: __type(name: $e) { enumValues { name } } }`,
        { token: acme.secret, variables: { t: type, e: enumName } },
      );
      const fields = res.body.data!.t.fields.map((f) => f.name);
      const values = res.body.data!.e.enumValues.map((v) => v.name);
      expect(fields.filter((f) => !values.includes(f)).sort()).toEqual(related);
      expect(values.filter((v) => !fields.includes(v))).toEqual([]);
    }
  });
});

describe('podChanged changedFields', () => {
  it('names the Pod fields that read the changed columns, and drops the columns no field reads', async () => {
    const before = server.eventBus.listenerCount;
    const feed = collect<PodItem>(clients.connect(acme.secret), PODS, {}, (items) => items.length >= 1);
    await listening(before);
    const pod = await insertPod(acmeCluster, 'fields');
    // namespace is namespaceName, containerStatuses is containers, containers is containerSpecs, cpuRequestMillicores
    // also gives cpuRequestCores; ownerUid and resourceVersion have no field.
    const columns = ['containerStatuses', 'restartCount', 'resourceVersion', 'ownerUid', 'namespace', 'cpuRequestMillicores', 'containers', 'message'];
    await commit(server, [rowEvent(acme.organizationId, 'Pod', 'MODIFIED', pod, columns)]);
    const [item] = await feed.done;
    expect(item!.podChanged.changedFields).toEqual(['namespaceName', 'message', 'restartCount', 'containers', 'containerSpecs', 'cpuRequestMillicores', 'cpuRequestCores']);
    expect(item!.podChanged.problem).toBeNull();
    feed.dispose();
    await listening(before, 0);
  });
});

describe('resuming with after:', () => {
  const o = () => acme.organizationId;
  const feeds: Array<{
    feed: string;
    query: string;
    kind: ChangeKind;
    make: (clusterId: string, name: string) => Promise<Record<string, unknown>>;
    name: (data: Record<string, { cursor: string } & Record<string, unknown>>) => string;
  }> = [
    { feed: 'deploymentChanged', query: DEPLOYMENTS, kind: 'Deployment', make: (clusterId, name) => insertDeployment(clusterId, 'resume', name, {}), name: (d) => (d.deploymentChanged!.deployment as { name: string }).name },
    { feed: 'nodeChanged', query: NODES, kind: 'Node', make: (clusterId, name) => insertNode(clusterId, name), name: (d) => (d.nodeChanged!.node as { name: string }).name },
    { feed: 'podChanged', query: PODS, kind: 'Pod', make: (clusterId, name) => insertPod(clusterId, name), name: (d) => (d.podChanged!.pod as { name: string }).name },
  ];

  it.each(feeds)('$feed delivers exactly the changes missed since the cursor, then live ones, never another organisation\'s', async ({ feed, query, kind, make, name }) => {
    type Item = Record<string, { cursor: string } & Record<string, unknown>>;
    const added = async (n: string) => rowEvent(o(), kind, 'ADDED', await make(acmeCluster, `${feed}-${n}`));
    const before = server.eventBus.listenerCount;
    const first = collect<Item>(clients.connect(acme.secret), query, {}, (items) => items.length >= 2);
    await listening(before);
    await commit(server, [await added('a'), await added('b')]);
    const seen = await first.done;
    first.dispose();
    await listening(before, 0);
    const cursor = seen[1]![feed]!.cursor;

    // While away: two changes of acme's, one of globex's (its cluster, its organisation).
    const theirs = rowEvent(globex.organizationId, kind, 'ADDED', await make(globexCluster, `${feed}-theirs`));
    await commit(server, [await added('c'), theirs, await added('d')]);

    const resumed = collect<Item>(clients.connect(acme.secret), query, { after: cursor }, (items) => items.length >= 3);
    await waitFor(() => resumed.items.length === 2, 'the missed changes');
    await listening(before);
    await commit(server, [await added('e')]);
    expect((await resumed.done).map(name)).toEqual([`${feed}-c`, `${feed}-d`, `${feed}-e`]);
    expect(resumed.errors).toEqual([]);
    resumed.dispose();
    await listening(before, 0);
  });

  it('refuses a cursor that is not one, naming the argument, before subscribing', async () => {
    const errors = await refusal(collect(clients.connect(acme.secret), DEPLOYMENTS, { after: 'not-a-cursor' }, () => true));
    expect(errors.map((e) => [e.extensions?.code, e.extensions?.argumentName])).toEqual([['BAD_USER_INPUT', 'after']]);
  });
});

describe('bad filters', () => {
  const cases: Array<{ query: string; filter: Record<string, unknown>; argument: string; message: RegExp }> = [
    { query: DEPLOYMENTS, filter: { clusterId: 'garbage' }, argument: 'filter.clusterId', message: /filter\.clusterId/ },
    { query: DEPLOYMENTS, filter: { labelSelector: 'app in (web' }, argument: 'filter.labelSelector', message: /^Invalid filter\.labelSelector: / },
    { query: DEPLOYMENTS, filter: { name: '' }, argument: 'filter.name', message: /^filter\.name is empty/ },
    { query: NODES, filter: { clusterId: 'garbage' }, argument: 'filter.clusterId', message: /filter\.clusterId/ },
    { query: NODES, filter: { name: '' }, argument: 'filter.name', message: /^filter\.name is empty/ },
    { query: PODS, filter: { onlyProblems: true, labelSelector: '!' }, argument: 'filter.labelSelector', message: /^Invalid filter\.labelSelector: / },
  ];

  it.each(cases)('refuses $filter with BAD_USER_INPUT before subscribing', async ({ query, filter, argument, message }) => {
    const before = server.eventBus.listenerCount;
    const feed = collect(clients.connect(acme.secret), query, { filter }, () => true);
    const errors = await refusal(feed);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(errors[0]!.message).toMatch(message);
    expect(errors[0]!.extensions?.argumentName).toBe(argument);
    expect(server.eventBus.listenerCount).toBe(before);
  });

  it('refuses a cluster id of another type', async () => {
    const errors = await refusal(collect(clients.connect(acme.secret), NODES, { filter: { clusterId: toGlobalId('Pod', acmeCluster) } }, () => true));
    expect(errors.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'Argument "filter.clusterId" is a Pod id; expected a Cluster id']]);
  });
});
