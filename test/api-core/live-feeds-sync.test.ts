import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { K8sObject, SimChange } from '../../src/simulator/simulated-cluster.js';
import { toGlobalId } from '../../src/graphql/relay/global-id.js';
import { expectConverged, startHarness, type Harness } from '../sync/sync-harness.js';
import { createCaller, startChangeLogApiServer, waitFor, type ApiServer, type Caller, type ObservedChangeLogBus } from './support/api-server.js';
import { collect, FeedClients } from './support/feeds.js';

/**
 * The feeds end to end: a simulated cluster over HTTPS, the real sync writing rows and their change events in one
 * transaction, and the API reading them from the change log, as on a replica that does not sync the cluster itself.
 */
let server: ApiServer<ObservedChangeLogBus>;
let h: Harness;
let clients: FeedClients;
let caller: Caller;
const NAME = 'feeds-e2e';

beforeAll(async () => {
  server = await startChangeLogApiServer();
  await server.eventBus.listen();
  clients = new FeedClients(server);
  h = await startHarness({ db: server.db, name: NAME, sim: { pods: 24, nodes: 3, seed: 11 } });
  await expectConverged(h);
  // The harness registers its cluster in organisation org-<name>.
  caller = await createCaller(server, `org-${NAME}`, 'viewer');
});

afterAll(async () => {
  await clients?.dispose();
  await h?.stop();
  await server?.close();
});

/** Applies `change` to the cluster and waits until the sync has stored what `stored` looks for and the bus delivered it. */
async function apply(change: SimChange, stored: () => Promise<boolean>): Promise<void> {
  await h.sim.apply(change);
  await waitFor(stored, `the sync to store ${change.kind}`);
  const [{ seq }] = await server.db.dataSource.query(`SELECT coalesce(max(seq), 0)::int AS seq FROM change_events`);
  await waitFor(() => (server.eventBus.position ?? 0) >= seq, 'the change log read up to it');
}

const podRow = async (namespace: string, name: string) =>
  (await server.db.dataSource.query(`SELECT reason, restart_count, container_statuses FROM k8s_pods WHERE cluster_id = $1 AND namespace = $2 AND name = $3 AND deleted_at IS NULL`, [h.clusterId, namespace, name]))[0];

const simPod = (namespace: string, name: string): K8sObject => h.sim.state().pods.find((p) => p.metadata.namespace === namespace && p.metadata.name === name)!;

describe('feeds fed by the sync', () => {
  it('onlyProblems follows a pod through a crash loop, its recovery, an OOM kill and an image pull failure', async () => {
    const pods = h.sim.state().pods.filter((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.status.phase === 'Running' && p.status.containerStatuses.length === 1);
    const pod = pods[0]!;
    const { namespace, name } = pod.metadata as { namespace: string; name: string };
    const marker = pods.find((p) => p.metadata.namespace === namespace && p.metadata.name !== name)!;
    type Item = { podChanged: { pod: { name: string }; problem: { reason: string; message: string | null; container: string; exitCode: number | null; restartCount: number; resolved: boolean } } };
    const before = server.eventBus.listenerCount;
    const feed = collect<Item>(
      clients.connect(caller.secret),
      `subscription($filter: PodChangedFilter) { podChanged(filter: $filter) { pod { name } problem { reason message container exitCode restartCount resolved } } }`,
      { filter: { onlyProblems: true, clusterId: toGlobalId('Cluster', h.clusterId), namespace } },
      (items) => items.some((i) => i.podChanged.pod.name === marker.metadata.name),
    );
    await waitFor(() => server.eventBus.listenerCount === before + 1, 'a live subscription');
    const restarts = pod.status.containerStatuses[0].restartCount as number;
    const container = pod.status.containerStatuses[0].name as string;

    await apply({ kind: 'crashPod', namespace, name }, async () => (await podRow(namespace, name))?.reason === 'CrashLoopBackOff');
    const firstBackOff = simPod(namespace, name).status.containerStatuses[0].state.waiting.message as string;
    // A second crash in the loop: restarts and back-off change, the problem does not.
    await apply({ kind: 'crashPod', namespace, name }, async () => (await podRow(namespace, name))?.restart_count === restarts + 2);
    const secondBackOff = simPod(namespace, name).status.containerStatuses[0].state.waiting.message as string;
    await apply({ kind: 'recoverPod', namespace, name }, async () => (await podRow(namespace, name))?.reason === null);
    await apply({ kind: 'oomKill', namespace, name }, async () => (await podRow(namespace, name))?.restart_count === restarts + 3);
    await apply({ kind: 'imagePullBackOff', namespace, name }, async () => (await podRow(namespace, name))?.reason === 'ImagePullBackOff');
    const pullMessage = simPod(namespace, name).status.containerStatuses[0].state.waiting.message as string;
    await apply({ kind: 'recoverPod', namespace, name }, async () => (await podRow(namespace, name))?.reason === null);
    await apply({ kind: 'crashPod', namespace, name: marker.metadata.name }, async () => (await podRow(namespace, marker.metadata.name))?.reason === 'CrashLoopBackOff');

    const items = (await feed.done).map((i) => [i.podChanged.pod.name, i.podChanged.problem]);
    expect(feed.errors).toEqual([]);
    expect(items).toEqual([
      [name, { reason: 'CrashLoopBackOff', message: firstBackOff, container, exitCode: 1, restartCount: restarts + 1, resolved: false }],
      // Cleared: the problem as last seen, after the second crash.
      [name, { reason: 'CrashLoopBackOff', message: secondBackOff, container, exitCode: 1, restartCount: restarts + 2, resolved: true }],
      // Killed and running again in one write: once, already resolved.
      [name, { reason: 'OOMKilled', message: null, container, exitCode: 137, restartCount: restarts + 3, resolved: true }],
      [name, { reason: 'ImagePullBackOff', message: pullMessage, container, exitCode: 137, restartCount: restarts + 3, resolved: false }],
      [name, { reason: 'ImagePullBackOff', message: pullMessage, container, exitCode: 137, restartCount: restarts + 3, resolved: true }],
      [marker.metadata.name, expect.objectContaining({ reason: 'CrashLoopBackOff', resolved: false })],
    ]);
    feed.dispose();
    await waitFor(() => server.eventBus.listenerCount === before, 'the subscription to end');
  });

  it('nodeChanged shows a node going NotReady and back, with the fields that changed', async () => {
    const node = h.sim.state().nodes[1]!.metadata.name as string;
    type Item = { nodeChanged: { type: string; changedFields: string[]; node: { name: string; ready: boolean; taints: Array<{ key: string; effect: string }> } } };
    const before = server.eventBus.listenerCount;
    const feed = collect<Item>(
      clients.connect(caller.secret),
      `subscription($filter: NodeChangedFilter) { nodeChanged(filter: $filter) { type changedFields node { name ready taints } } }`,
      { filter: { clusterId: toGlobalId('Cluster', h.clusterId), name: node } },
      (items) => items.length >= 2,
    );
    await waitFor(() => server.eventBus.listenerCount === before + 1, 'a live subscription');
    const ready = async () => (await server.db.dataSource.query(`SELECT ready FROM k8s_nodes WHERE cluster_id = $1 AND name = $2`, [h.clusterId, node]))[0].ready as boolean;
    await apply({ kind: 'nodeNotReady', name: node }, async () => !(await ready()));
    await apply({ kind: 'nodeReady', name: node }, ready);
    const items = (await feed.done).map((i) => i.nodeChanged);
    // The node lifecycle controller's unreachable taints come with NotReady and go with Ready.
    expect(items.map((i) => [i.type, i.node.name, i.node.ready, i.changedFields, i.node.taints.map((t) => `${t.key}:${t.effect}`)])).toEqual([
      ['MODIFIED', node, false, ['taints', 'conditions', 'ready'], ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']],
      ['MODIFIED', node, true, ['taints', 'conditions', 'ready'], []],
    ]);
    feed.dispose();
    await waitFor(() => server.eventBus.listenerCount === before, 'the subscription to end');
  });

  it('deploymentChanged shows a scale-up reaching its desired replicas', async () => {
    const deployment = h.sim.state().deployments[0]!;
    const { namespace, name } = deployment.metadata as { namespace: string; name: string };
    const replicas = (deployment.spec.replicas as number) + 2;
    type Item = { deploymentChanged: { changedFields: string[]; deployment: { desiredReplicas: number; readyReplicas: number } } };
    const before = server.eventBus.listenerCount;
    const feed = collect<Item>(
      clients.connect(caller.secret),
      `subscription($filter: DeploymentChangedFilter) { deploymentChanged(filter: $filter) { changedFields deployment { desiredReplicas readyReplicas } } }`,
      { filter: { clusterId: toGlobalId('Cluster', h.clusterId), namespace, name } },
      (items) => items.some((i) => i.deploymentChanged.deployment.readyReplicas === replicas),
    );
    await waitFor(() => server.eventBus.listenerCount === before + 1, 'a live subscription');
    await apply({ kind: 'scaleDeployment', namespace, name, replicas }, async () => {
      const [row] = await server.db.dataSource.query(`SELECT ready_replicas FROM k8s_deployments WHERE cluster_id = $1 AND namespace = $2 AND name = $3`, [h.clusterId, namespace, name]);
      return row.ready_replicas === replicas;
    });
    const items = (await feed.done).map((i) => i.deploymentChanged);
    expect(items.at(-1)!.deployment).toEqual({ desiredReplicas: replicas, readyReplicas: replicas });
    expect(items[0]!.changedFields).toContain('desiredReplicas');
    feed.dispose();
  });
});
