import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppliedChange, SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { get, post, WatchStream } from './sim-client.js';

describe('auth and discovery', () => {
  let sim: SimulatedCluster;
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 30, seed: 'auth', provider: 'gke' }); });
  afterAll(async () => { await sim.stop(); });

  it('answers 401 with a Status body without a valid bearer token', async () => {
    for (const token of [null, 'wrong']) {
      const r = await get(sim, '/api/v1/pods', { token });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    expect((await get(sim, '/_sim/state', { token: null })).status).toBe(401);
    const version = await get(sim, '/version', { token: null });
    expect(version.status).toBe(200);
    expect(version.json).toMatchObject({ major: '1', minor: '30+', gitVersion: 'v1.30.5-gke.1014001', platform: 'linux/amd64' });
  });

  it('answers 403 to a token bound to no role, except for discovery, as RBAC does', async () => {
    const token = sim.unprivilegedToken;
    expect(token).not.toBe(sim.token);
    expect((await get(sim, '/api/v1', { token })).status).toBe(200);
    expect((await get(sim, '/apis/apps/v1', { token })).status).toBe(200);
    const user = 'system:serviceaccount:default:kubegraph-sim-unprivileged';
    const nodes = await get(sim, '/api/v1/nodes?limit=1', { token });
    expect(nodes.status).toBe(403);
    expect(nodes.json).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: `nodes is forbidden: User "${user}" cannot list resource "nodes" in API group "" at the cluster scope`,
      details: { kind: 'nodes' },
    });
    const pod = sim.state().pods[0];
    expect((await get(sim, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, { token })).json.message).toBe(
      `pods "${pod.metadata.name}" is forbidden: User "${user}" cannot get resource "pods" in API group "" in the namespace "${pod.metadata.namespace}"`,
    );
    expect((await get(sim, '/apis/apps/v1/deployments?watch=1', { token })).json.message).toBe(`deployments.apps is forbidden: User "${user}" cannot watch resource "deployments" in API group "apps" at the cluster scope`);
    expect((await get(sim, '/apis/metrics.k8s.io/v1beta1/pods', { token })).status).toBe(403);
    expect((await get(sim, '/_sim/state', { token })).status).toBe(403);
    // Its kubeconfig differs from the admin's only in the user.
    expect(sim.kubeconfig({ unprivileged: true })).toContain(`token: ${token}`);
  });

  it('serves legacy discovery, also to clients that prefer aggregated discovery', async () => {
    const aggregated = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    const api = await get(sim, '/api', { accept: aggregated });
    expect(api.headers['content-type']).toBe('application/json');
    expect(api.json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await get(sim, '/apis', { accept: aggregated });
    expect(groups.json.groups.map((g: any) => g.preferredVersion.groupVersion)).toEqual(['apps/v1', 'events.k8s.io/v1', 'batch/v1', 'metrics.k8s.io/v1beta1']);
    const core = await get(sim, '/api/v1');
    expect(core.json.resources.map((r: any) => r.name)).toEqual(['namespaces', 'nodes', 'nodes/proxy', 'pods', 'pods/log', 'secrets', 'resourcequotas', 'limitranges', 'persistentvolumeclaims', 'events']);
    expect(core.json.resources.find((r: any) => r.name === 'pods')).toMatchObject({ kind: 'Pod', namespaced: true, shortNames: ['po'], verbs: ['delete', 'get', 'list', 'watch'] });
    const apps = await get(sim, '/apis/apps/v1');
    expect(apps.json.resources.map((r: any) => r.name)).toEqual(['deployments', 'deployments/scale', 'replicasets', 'statefulsets', 'daemonsets']);
    expect((await get(sim, '/apis/batch/v1')).json.resources.map((r: any) => [r.name, r.kind, r.shortNames])).toEqual([['jobs', 'Job', undefined], ['cronjobs', 'CronJob', ['cj']]]);
    expect((await get(sim, '/apis/events.k8s.io/v1')).json.resources).toEqual([{ name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['get', 'list', 'watch'], shortNames: ['ev'] }]);
    const metrics = await get(sim, '/apis/metrics.k8s.io/v1beta1');
    expect(metrics.json.resources.map((r: any) => r.kind)).toEqual(['NodeMetrics', 'PodMetrics']);
    expect((await get(sim, '/openapi/v2')).status).toBe(404);
    expect((await get(sim, '/api/v1/pods', { accept: 'application/vnd.kubernetes.protobuf' })).status).toBe(406);
  });

  it('allows only delete and scale over the Kubernetes API, and validates admin requests', async () => {
    const secret = sim.state().secrets[0];
    const del = await get(sim, `/api/v1/namespaces/${secret.metadata.namespace}/secrets/${secret.metadata.name}`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.json.reason).toBe('MethodNotAllowed');
    expect((await get(sim, '/api/v1/namespaces/default', { method: 'DELETE' })).json).toMatchObject({ code: 403, reason: 'Forbidden' });
    const d = sim.state().deployments[0];
    expect((await get(sim, `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}/scale`, { method: 'PATCH', body: { spec: { replicas: -2 } } })).status).toBe(422);
    expect((await get(sim, `/api/v1/namespaces/${d.metadata.namespace}/pods/missing`, { method: 'DELETE' })).status).toBe(404);
    const unknown = await post(sim, '/_sim/apply', { kind: 'scaleDeployment', namespace: 'nope', name: 'nope', replicas: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toBe('deployment nope/nope not found');
    const rv = sim.resourceVersion;
    const badReplicas = await post(sim, '/_sim/apply', { ...{ kind: 'scaleDeployment' }, namespace: sim.state().deployments[0].metadata.namespace, name: sim.state().deployments[0].metadata.name, replicas: -1 });
    expect(badReplicas.status).toBe(400);
    expect(sim.resourceVersion).toBe(rv);
    const unknownFault = await post(sim, '/_sim/fault', { kind: 'explode' });
    expect(unknownFault.status).toBe(400);
    expect(unknownFault.json.message).toMatch(/^unknown fault kind "explode": expected one of dropWatches, stallWatches, errors/);
    expect((await post(sim, '/_sim/fault', { kind: 'errors', status: 500 })).json.message).toBe('errors: "forMs" must be a number, got undefined');
    expect((await post(sim, '/_sim/apply', { kind: 'scaleDeployment', namespace: 'x', replicas: 2 })).json.message).toBe('scaleDeployment: "name" must be a string, got undefined');
    expect((await post(sim, '/_sim/apply', { kind: 'crashPod', namespace: 'x', name: 'y', force: true })).json.message).toBe('crashPod: unknown field "force"');
    expect((await post(sim, '/_sim/apply', ['crashPod'])).json.message).toBe('a change must be a JSON object with a "kind"');
    const badCpu = await post(sim, '/_sim/apply', { kind: 'createPod', namespace: 'default', cpu: 'lots' });
    expect(badCpu.status).toBe(400);
    expect(badCpu.json.message).toBe('createPod: invalid quantity "lots"');
    expect(sim.resourceVersion).toBe(rv);
    const ticked = await post(sim, '/_sim/tick', { changes: 3 });
    expect(ticked.json.applied.filter((c: AppliedChange) => c.kind !== 'syncControllers')).toHaveLength(3);
    expect(Number(ticked.json.resourceVersion)).toBeGreaterThan(Number(rv));
  });
});

describe('faults', () => {
  let sim: SimulatedCluster;
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 40, seed: 'faults' }); });
  afterAll(async () => { await sim.stop(); });

  it('dropWatches cuts every open watch (abruptly, or cleanly when asked)', async () => {
    const a = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`);
    const b = new WatchStream(sim, `/api/v1/nodes?watch=1&resourceVersion=${sim.resourceVersion}`);
    await waitFor(() => sim.openWatches === 2);
    sim.fault({ kind: 'dropWatches' });
    expect(await a.waitEnd()).toBe('error');
    expect(await b.waitEnd()).toBe('error');
    const c = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`);
    await waitFor(() => sim.openWatches === 1);
    const reply = await post(sim, '/_sim/fault', { kind: 'dropWatches', clean: true });
    expect(reply.status).toBe(200);
    expect(await c.waitEnd()).toBe('clean');
    expect(sim.openWatches).toBe(0);
  });

  it('stallWatches keeps the connection open but sends nothing more; new watches work', async () => {
    const stalled = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=1`);
    await waitFor(() => sim.openWatches === 1);
    sim.fault({ kind: 'stallWatches' });
    await sim.tick(5);
    // Opened after the stalled one, with the same timeout: once the simulator has ended it, the stalled watch's
    // timeoutSeconds has passed too.
    const fresh = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}&timeoutSeconds=1`);
    await waitFor(() => sim.openWatches === 2);
    await sim.tick(5);
    await fresh.until((ev) => ev.length > 0);
    expect(await fresh.waitEnd()).toBe('clean');
    // Past its timeoutSeconds, the stalled watch is silent and still open.
    expect(stalled.events).toEqual([]);
    expect(stalled.ended).toBeUndefined();
    stalled.close();
    await waitFor(() => sim.openWatches === 0);
  });

  it('answers 500 or 429 (with Retry-After) for the requested time, then recovers', async () => {
    let now = Date.parse('2026-06-01T12:00:00Z');
    const timed = await SimulatedCluster.start({ pods: 10, seed: 'errors', tls: false, clock: () => now });
    try {
      timed.fault({ kind: 'errors', status: 429, forMs: 1000 });
      const limited = await get(timed, '/api/v1/pods');
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.json).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
      timed.fault({ kind: 'errors', status: 500, forMs: 1000 });
      now += 999;
      const failed = await get(timed, '/apis/apps/v1/deployments');
      expect(failed.status).toBe(500);
      expect(failed.json).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
      now += 1;
      expect((await get(timed, '/api/v1/pods')).status).toBe(200);
    } finally {
      await timed.stop();
    }
  });

  it('force410 makes the next watch (only) fail with 410, in-stream or as HTTP status', async () => {
    sim.fault({ kind: 'force410' });
    const first = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`);
    await first.waitEnd();
    expect(first.events).toHaveLength(1);
    expect(first.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    const second = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`);
    await waitFor(() => sim.openWatches === 1);
    second.close();
    sim.fault({ kind: 'force410', http: true });
    const http = await get(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`);
    expect(http.status).toBe(410);
    expect(http.json).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('goes down (connections refused, watches cut) and comes back on the same port with the same state', async () => {
    const url = sim.url;
    const w = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`);
    await waitFor(() => sim.openWatches === 1);
    const rv = sim.resourceVersion;
    await sim.down();
    expect(await w.waitEnd()).toBe('error');
    await expect(get(sim, '/api/v1/pods')).rejects.toThrow(/ECONNREFUSED/);
    await sim.up();
    expect(sim.url).toBe(url);
    const after = await get(sim, '/api/v1/pods');
    expect(after.status).toBe(200);
    expect(after.json.metadata.resourceVersion).toBe(rv);

    await post(sim, '/_sim/fault', { kind: 'down' });
    await waitFor(async () => get(sim, '/version').then(() => false, () => true));
    await sim.fault({ kind: 'up' });
    expect((await get(sim, '/version')).status).toBe(200);
  });
});

async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${pred.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
