import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, startChangeLogApiServer, waitFor, type ApiServer, type Caller, type ObservedChangeLogBus } from './support/api-server.js';
import { collect, commit, FeedClients, insertRow, rowEvent, updateRow } from './support/feeds.js';

let server: ApiServer<ObservedChangeLogBus>;
let clients: FeedClients;
let acme: Caller;
let globex: Caller;
let acmeCluster: string;
let globexCluster: string;

const PROBLEMS = `subscription($filter: PodChangedFilter, $after: String) {
  podChanged(filter: $filter, after: $after) {
    type changedFields
    pod { name phase }
    problem { reason message container lastTerminationReason exitCode restartCount resolved }
  }
}`;
interface Problem {
  reason: string;
  message: string | null;
  container: string | null;
  lastTerminationReason: string | null;
  exitCode: number | null;
  restartCount: number | null;
  resolved: boolean;
}
type Item = { podChanged: { type: string; changedFields: string[]; pod: { name: string; phase: string }; problem: Problem } };

/** A container status as the sync stores it (src/sync/pod.mapper.ts). */
function container(state: 'running' | 'waiting' | 'terminated', fields: Record<string, unknown> = {}) {
  return {
    name: 'app', image: 'web:1.2', ready: state === 'running', restartCount: 0, state, reason: null, message: null, exitCode: null,
    startedAt: null, lastTerminationReason: null, lastTerminationExitCode: null, lastTerminatedAt: null, ...fields,
  };
}

const running = (restartCount = 0, lastTerminationReason: string | null = null) =>
  ({ phase: 'Running', reason: null, message: null, ready: true, container_statuses: [container('running', { restartCount, lastTerminationReason })] });
const crashLooping = (restartCount: number, backOff: string, lastTerminationReason = 'Error', lastTerminationExitCode = 1) => ({
  phase: 'Running', reason: 'CrashLoopBackOff', ready: false,
  container_statuses: [container('waiting', { reason: 'CrashLoopBackOff', message: `back-off ${backOff} restarting failed container=app`, restartCount, lastTerminationReason, lastTerminationExitCode })],
});
const oomKilled = (restartCount: number) => ({
  phase: 'Running', reason: 'OOMKilled', ready: false,
  container_statuses: [container('terminated', { reason: 'OOMKilled', exitCode: 137, restartCount, lastTerminationReason: 'Error', lastTerminationExitCode: 1 })],
});

let uidSeq = 0;

/** A pod row in `state` (columns), and its ADDED event. */
async function addPod(organizationId: string, clusterId: string, name: string, state: Record<string, unknown>, namespace = 'prod') {
  const row = await insertRow(server, 'k8s_pods', { cluster_id: clusterId, namespace, name, uid: `problem-${++uidSeq}`, created_at: new Date(), ...running(), ...state });
  return { row, event: rowEvent(organizationId, 'Pod', 'ADDED', row) };
}

/** Moves a pod to `state` and commits its MODIFIED event with `changedFields` (as the sync's digest would name them). */
async function change(row: Record<string, unknown>, state: Record<string, unknown>, changedFields: string[]) {
  const updated = await updateRow(server, 'k8s_pods', row.id as string, state);
  await commit(server, [rowEvent(acme.organizationId, 'Pod', 'MODIFIED', updated, changedFields)]);
}

const problem = (fields: Partial<Problem>): Problem => ({
  message: null, container: null, lastTerminationReason: null, exitCode: null, restartCount: null, resolved: false, reason: '', ...fields,
});

beforeAll(async () => {
  server = await startChangeLogApiServer();
  await server.eventBus.listen();
  clients = new FeedClients(server);
  acme = await createCaller(server, 'acme', 'viewer');
  globex = await createCaller(server, 'globex', 'viewer');
  const cluster = async (org: string, name: string) =>
    (await server.db.dataSource.query(`INSERT INTO k8s_clusters (organization_id, name, status) VALUES ($1, $2, 'healthy') RETURNING id`, [org, name]))[0].id as string;
  acmeCluster = await cluster(acme.organizationId, 'prod-eu');
  globexCluster = await cluster(globex.organizationId, 'prod-us');
});

afterAll(async () => {
  await clients?.dispose();
  await server?.close();
});

describe('podChanged(filter: { onlyProblems: true })', () => {
  it('delivers each transition into, between and out of problems once, with its reason and message', async () => {
    const o = acme.organizationId;
    // Broken before anyone subscribed: the feed knows it, so a restart is no news and its recovery is.
    const before = await addPod(o, acmeCluster, 'already-crashing', crashLooping(4, '1m20s'));
    await commit(server, [before.event]);

    const listening = server.eventBus.listenerCount;
    const feed = collect<Item>(clients.connect(acme.secret), PROBLEMS, { filter: { onlyProblems: true, namespace: 'prod' } }, (items) => items.some((i) => i.podChanged.pod.name === 'marker'));
    const theirFeed = collect<Item>(clients.connect(globex.secret), PROBLEMS, { filter: { onlyProblems: true } }, (items) => items.length >= 1);
    await waitFor(() => server.eventBus.listenerCount === listening + 2, 'two live subscriptions');

    const web = await addPod(o, acmeCluster, 'web', running());
    const pull = await addPod(o, acmeCluster, 'pull', { phase: 'Pending', reason: 'ImagePullBackOff', ready: false, container_statuses: [container('waiting', { reason: 'ImagePullBackOff', message: 'Back-off pulling image "web:1.3"' })] });
    const pending = await addPod(o, acmeCluster, 'pending', {
      phase: 'Pending', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.', ready: false, container_statuses: [],
    });
    const starting = await addPod(o, acmeCluster, 'starting', { phase: 'Pending', reason: 'ContainerCreating', ready: false, container_statuses: [container('waiting', { reason: 'ContainerCreating' })] });
    const dev = await addPod(o, acmeCluster, 'dev-crash', crashLooping(1, '10s'), 'dev');
    const theirs = await addPod(globex.organizationId, globexCluster, 'theirs', crashLooping(1, '10s'));
    await commit(server, [web.event, pull.event, pending.event, starting.event, dev.event, theirs.event]);

    // web: Running → CrashLoopBackOff (delivered) → restarts in it (not) → a label (not) → OOMKilled (delivered) →
    // CrashLoopBackOff again (delivered) → Running (resolved, with the last problem) → a restart while running (not).
    await change(web.row, crashLooping(1, '10s'), ['reason', 'ready', 'restartCount', 'containerStatuses']);
    await change(web.row, crashLooping(2, '20s'), ['restartCount', 'containerStatuses']);
    await change(web.row, crashLooping(3, '40s'), ['restartCount', 'containerStatuses']);
    await change(web.row, { labels: { app: 'web', release: 'b' } }, ['labels']);
    await change(web.row, oomKilled(4), ['reason', 'restartCount', 'containerStatuses']);
    await change(web.row, crashLooping(4, '1m20s', 'OOMKilled', 137), ['reason', 'containerStatuses']);
    await change(web.row, running(5, 'OOMKilled'), ['reason', 'ready', 'restartCount', 'containerStatuses']);
    await change(web.row, running(6, 'Completed'), ['restartCount', 'containerStatuses']);
    // pull: ImagePullBackOff (delivered when added) → ErrImagePull (delivered) → deleted (resolved).
    await change(pull.row, { reason: 'ErrImagePull', container_statuses: [container('waiting', { reason: 'ErrImagePull', message: 'rpc error: manifest unknown' })] }, ['reason', 'containerStatuses']);
    const gone = await updateRow(server, 'k8s_pods', pull.row.id as string, { deleted_at: new Date() });
    await commit(server, [rowEvent(o, 'Pod', 'DELETED', gone)]);
    // pending: scheduled and running (resolved). starting: ContainerCreating → Running, never a problem.
    await change(pending.row, { ...running(), node_name: 'n1' }, ['phase', 'reason', 'message', 'ready', 'nodeName', 'containerStatuses']);
    await change(starting.row, running(), ['phase', 'reason', 'ready', 'containerStatuses']);
    // already-crashing: one more restart (not), then recovered (resolved).
    await change(before.row, crashLooping(5, '2m40s'), ['restartCount', 'containerStatuses']);
    await change(before.row, running(6, 'Error'), ['reason', 'ready', 'restartCount', 'containerStatuses']);
    // Evicted: the pod's own reason and message.
    const evicted = await addPod(o, acmeCluster, 'evicted', running());
    await commit(server, [evicted.event]);
    await change(evicted.row, { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.', ready: false }, ['phase', 'reason', 'message', 'ready']);
    // oom: killed and running again in one change, as the kubelet restarts most OOMKilled containers: one event, already
    // resolved. A restart after a clean exit (Completed) is none.
    const oom = await addPod(o, acmeCluster, 'oom', running());
    await commit(server, [oom.event]);
    await change(oom.row, { container_statuses: [container('running', { restartCount: 1, lastTerminationReason: 'OOMKilled', lastTerminationExitCode: 137 })] }, ['restartCount', 'containerStatuses']);
    await change(oom.row, { container_statuses: [container('running', { restartCount: 2, lastTerminationReason: 'Completed', lastTerminationExitCode: 0 })] }, ['restartCount', 'containerStatuses']);
    const marker = await addPod(o, acmeCluster, 'marker', crashLooping(1, '10s'));
    await commit(server, [marker.event]);

    const items = (await feed.done).map((i) => i.podChanged);
    expect(feed.errors).toEqual([]);
    expect(items.map((i) => [i.pod.name, i.type, i.problem])).toEqual([
      ['pull', 'ADDED', problem({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "web:1.3"', container: 'app', restartCount: 0 })],
      ['pending', 'ADDED', problem({ reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' })],
      ['web', 'MODIFIED', problem({ reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app', container: 'app', lastTerminationReason: 'Error', exitCode: 1, restartCount: 1 })],
      ['web', 'MODIFIED', problem({ reason: 'OOMKilled', container: 'app', lastTerminationReason: 'Error', exitCode: 137, restartCount: 4 })],
      ['web', 'MODIFIED', problem({ reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=app', container: 'app', lastTerminationReason: 'OOMKilled', exitCode: 137, restartCount: 4 })],
      // Resolved: the problem it left, as last seen.
      ['web', 'MODIFIED', problem({ reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=app', container: 'app', lastTerminationReason: 'OOMKilled', exitCode: 137, restartCount: 4, resolved: true })],
      ['pull', 'MODIFIED', problem({ reason: 'ErrImagePull', message: 'rpc error: manifest unknown', container: 'app', restartCount: 0 })],
      ['pull', 'DELETED', problem({ reason: 'ErrImagePull', message: 'rpc error: manifest unknown', container: 'app', restartCount: 0, resolved: true })],
      ['pending', 'MODIFIED', problem({ reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.', resolved: true })],
      // Seen at the start with 4 restarts, updated by the restart that was not delivered.
      ['already-crashing', 'MODIFIED', problem({ reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container=app', container: 'app', lastTerminationReason: 'Error', exitCode: 1, restartCount: 5, resolved: true })],
      ['evicted', 'MODIFIED', problem({ reason: 'Evicted', message: 'The node was low on resource: memory.' })],
      ['oom', 'MODIFIED', problem({ reason: 'OOMKilled', container: 'app', lastTerminationReason: 'OOMKilled', exitCode: 137, restartCount: 1, resolved: true })],
      ['marker', 'ADDED', problem({ reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app', container: 'app', lastTerminationReason: 'Error', exitCode: 1, restartCount: 1 })],
    ]);
    expect(items[2]!.changedFields).toEqual(['reason', 'ready', 'restartCount', 'containers']);
    // Globex's feed: its own pod only; acme's never.
    expect((await theirFeed.done).map((i) => [i.podChanged.pod.name, i.podChanged.problem.reason])).toEqual([['theirs', 'CrashLoopBackOff']]);
    feed.dispose();
    theirFeed.dispose();
    await waitFor(() => server.eventBus.listenerCount === listening, 'the subscriptions to end');
  });

  it('after a reconnection with after:, reports the problems pods went into while the subscriber was away', async () => {
    const o = acme.organizationId;
    const listening = server.eventBus.listenerCount;
    const first = collect<Item & { podChanged: { cursor: string } }>(
      clients.connect(acme.secret),
      `subscription($filter: PodChangedFilter) { podChanged(filter: $filter) { cursor pod { name } problem { reason resolved } } }`,
      { filter: { onlyProblems: true } },
      (items) => items.length >= 1,
    );
    await waitFor(() => server.eventBus.listenerCount === listening + 1, 'a live subscription');
    const api = await addPod(o, acmeCluster, 'api', crashLooping(1, '10s'));
    await commit(server, [api.event]);
    const [seen] = await first.done;
    first.dispose();
    await waitFor(() => server.eventBus.listenerCount === listening, 'the subscription to end');

    const worker = await addPod(o, acmeCluster, 'worker', running());
    await commit(server, [worker.event]);
    await change(worker.row, oomKilled(1), ['reason', 'ready', 'restartCount', 'containerStatuses']);

    const resumed = collect<Item>(clients.connect(acme.secret), PROBLEMS, { filter: { onlyProblems: true }, after: seen!.podChanged.cursor }, (items) => items.length >= 2);
    await waitFor(() => resumed.items.length === 1, 'the missed problem');
    await waitFor(() => server.eventBus.listenerCount === listening + 1, 'the resumed subscription');
    await change(worker.row, running(1, 'OOMKilled'), ['reason', 'ready', 'containerStatuses']);
    expect((await resumed.done).map((i) => [i.podChanged.pod.name, i.podChanged.problem.reason, i.podChanged.problem.resolved])).toEqual([
      ['worker', 'OOMKilled', false],
      ['worker', 'OOMKilled', true],
    ]);
    resumed.dispose();
    await waitFor(() => server.eventBus.listenerCount === listening, 'the subscription to end');
  });

  it('gives every change its current problem without onlyProblems', async () => {
    const listening = server.eventBus.listenerCount;
    const feed = collect<Item>(clients.connect(acme.secret), PROBLEMS, { filter: { namespace: 'plain' } }, (items) => items.length >= 2);
    await waitFor(() => server.eventBus.listenerCount === listening + 1, 'a live subscription');
    const sick = await addPod(acme.organizationId, acmeCluster, 'sick', crashLooping(2, '20s'), 'plain');
    const fine = await addPod(acme.organizationId, acmeCluster, 'fine', running(), 'plain');
    await commit(server, [sick.event, fine.event]);
    expect((await feed.done).map((i) => [i.podChanged.pod.name, i.podChanged.problem?.reason ?? null])).toEqual([
      ['sick', 'CrashLoopBackOff'],
      ['fine', null],
    ]);
    feed.dispose();
    await waitFor(() => server.eventBus.listenerCount === listening, 'the subscription to end');
  });
});
