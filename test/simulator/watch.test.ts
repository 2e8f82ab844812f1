import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { get, WatchStream } from './sim-client.js';

const name = (e: any) => `${e.object.metadata.namespace}/${e.object.metadata.name}`;

/**
 * A watch (plain HTTP) that says when the simulator has taken it: asked with `Expect: 100-continue`, Node's server
 * answers 100 Continue as it hands the request to the handler, so `accepted` resolves once the handler is running.
 */
function acceptedWatch(sim: SimulatedCluster, path: string): { accepted: Promise<void>; first: Promise<{ status: number; event: any }>; close(): void } {
  const req = httpRequest(new URL(path, sim.url), { headers: { authorization: `Bearer ${sim.token}`, expect: '100-continue' }, agent: false });
  const accepted = new Promise<void>((resolve, reject) => {
    req.once('continue', () => resolve());
    req.once('error', reject);
  });
  const first = new Promise<{ status: number; event: any }>((resolve, reject) => {
    req.once('response', (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const i = buffer.indexOf('\n');
        if (i >= 0) resolve({ status: res.statusCode ?? 0, event: JSON.parse(buffer.slice(0, i)) });
      });
      res.on('end', () => reject(new Error(`watch ended before its first event (HTTP ${res.statusCode}): ${buffer}`)));
    });
    req.once('error', reject);
  });
  first.catch(() => undefined);
  req.end();
  return { accepted, first, close: () => req.destroy() };
}

describe('watch', () => {
  let sim: SimulatedCluster;
  const streams: WatchStream[] = [];
  const watch = (path: string) => {
    const w = new WatchStream(sim, path);
    streams.push(w);
    return w;
  };
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 120, seed: 'watch', bookmarkIntervalMs: 100 }); });
  afterAll(async () => {
    for (const s of streams) s.close();
    await sim.stop();
  });

  it('replays every change after an exact resourceVersion, then streams live ones', async () => {
    const list = await get(sim, '/api/v1/pods');
    const rv = list.json.metadata.resourceVersion;
    const [a, b] = list.json.items.filter((p: any) => p.metadata.ownerReferences && p.status.phase === 'Running');
    await sim.apply({ kind: 'deletePod', namespace: a.metadata.namespace, name: a.metadata.name });
    await sim.apply({ kind: 'crashPod', namespace: b.metadata.namespace, name: b.metadata.name });
    const replacement = sim.state().pods.find((p) => !list.json.items.some((q: any) => q.metadata.uid === p.metadata.uid))!;

    const w = watch(`/api/v1/pods?watch=1&resourceVersion=${rv}`);
    await w.until((ev) => ev.length >= 3, 15_000, 'three replayed events');
    expect(w.status).toBe(200);
    expect(w.events.map((e) => `${e.type} ${name(e)}`)).toEqual([
      `DELETED ${a.metadata.namespace}/${a.metadata.name}`,
      `ADDED ${replacement.metadata.namespace}/${replacement.metadata.name}`,
      `MODIFIED ${b.metadata.namespace}/${b.metadata.name}`,
    ]);
    expect(w.events[2].object.status.containerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    expect(rvs[0]).toBeGreaterThan(Number(rv));

    await sim.apply({ kind: 'recoverPod', namespace: b.metadata.namespace, name: b.metadata.name });
    await w.until((ev) => ev.length >= 4, 15_000, 'the live event');
    expect(w.events[3].type).toBe('MODIFIED');
    expect(w.events[3].object.status.containerStatuses[0].ready).toBe(true);
    expect(w.events.some((e) => e.type === 'BOOKMARK')).toBe(false);
  });

  it('starts with synthetic ADDED events of the current state when resourceVersion is unset or 0', async () => {
    for (const query of ['watch=true', 'watch=1&resourceVersion=0']) {
      const expected = sim.state().pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
      const w = watch(`/api/v1/pods?${query}`);
      await w.until((ev) => ev.length >= expected.length, 15_000, 'initial state');
      expect(w.events.every((e) => e.type === 'ADDED')).toBe(true);
      expect(w.events.map(name)).toEqual(expected);
      const d = sim.state().deployments[0];
      await sim.apply({ kind: 'scaleDeployment', namespace: d.metadata.namespace!, name: d.metadata.name, replicas: d.spec.replicas + 1 });
      await w.until((ev) => ev.length === expected.length + 1, 15_000, 'the new pod');
      expect(w.events.at(-1)!.type).toBe('ADDED');
      expect(w.events.at(-1)!.object.metadata.labels.app).toBe(d.metadata.name);
      w.close();
    }
  });

  it('sendInitialEvents=true ends the initial state with the k8s.io/initial-events-end bookmark', async () => {
    const count = sim.state().namespaces.length;
    const rv = sim.resourceVersion;
    const w = watch('/api/v1/namespaces?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
    await w.until((ev) => ev.some((e) => e.type === 'BOOKMARK'), 15_000, 'initial-events-end bookmark');
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK')!;
    expect(w.events.indexOf(bookmark)).toBe(count);
    expect(bookmark.object).toEqual({ kind: 'Namespace', apiVersion: 'v1', metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } });

    const bad = await get(sim, '/api/v1/namespaces?watch=1&sendInitialEvents=true');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('NotOlderThan');
  });

  it('sends periodic BOOKMARKs carrying the current resourceVersion only when allowed', async () => {
    const rv = sim.resourceVersion;
    const w = watch(`/apis/apps/v1/deployments?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    const quiet = watch(`/apis/apps/v1/deployments?watch=1&resourceVersion=${rv}`);
    await w.until((ev) => ev.filter((e) => e.type === 'BOOKMARK').length >= 2, 30_000, 'two bookmarks');
    expect(w.events[0].object).toEqual({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { resourceVersion: rv } });
    await sim.tick(3);
    const after = sim.resourceVersion;
    await w.until((ev) => ev.some((e) => e.type === 'BOOKMARK' && e.object.metadata.resourceVersion === after), 30_000, 'a bookmark at the new resourceVersion');
    expect(quiet.events.some((e) => e.type === 'BOOKMARK')).toBe(false);
  });

  it('ends cleanly after timeoutSeconds', async () => {
    const started = Date.now();
    const w = watch(`/api/v1/nodes?watch=1&resourceVersion=${sim.resourceVersion}&timeoutSeconds=1`);
    expect(await w.waitEnd(30_000)).toBe('clean');
    // A lower bound: a loaded machine can only make it later.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('turns selector entries and exits into ADDED and DELETED', async () => {
    const ns = sim.state().namespaces.find((n) => n.metadata.labels?.team)!.metadata.name;
    const w = watch(`/api/v1/namespaces?watch=1&resourceVersion=${sim.resourceVersion}&labelSelector=${encodeURIComponent('tier=gold')}`);
    await sim.apply({ kind: 'labelNamespace', name: ns, labels: { tier: 'gold' } });
    await sim.apply({ kind: 'labelNamespace', name: ns, labels: { owner: 'x' } });
    await sim.apply({ kind: 'labelNamespace', name: ns, labels: { tier: null } });
    await w.until((ev) => ev.length >= 3, 15_000, 'three events');
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(w.events[2].object.metadata.labels.tier).toBeUndefined();
  });

  it('watches one namespace and one object by name', async () => {
    const pods = sim.state().pods;
    const target = pods.find((p) => p.status.phase === 'Running' && p.metadata.ownerReferences)!;
    const other = pods.find((p) => p.metadata.namespace !== target.metadata.namespace && p.status.phase === 'Running' && p.metadata.ownerReferences)!;
    const rv = sim.resourceVersion;
    // Both changes are in the history the watches replay; a watch that then ends (timeoutSeconds) has sent all it would.
    const nsWatch = watch(`/api/v1/namespaces/${target.metadata.namespace}/pods?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
    const byName = watch(`/api/v1/namespaces/${target.metadata.namespace}/pods/${target.metadata.name}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
    await sim.apply({ kind: 'oomKill', namespace: other.metadata.namespace!, name: other.metadata.name });
    await sim.apply({ kind: 'oomKill', namespace: target.metadata.namespace!, name: target.metadata.name });
    expect(await nsWatch.waitEnd(30_000)).toBe('clean');
    expect(await byName.waitEnd(30_000)).toBe('clean');
    expect(nsWatch.events.map(name)).toEqual([`${target.metadata.namespace}/${target.metadata.name}`]);
    expect(byName.events.map(name)).toEqual([`${target.metadata.namespace}/${target.metadata.name}`]);
    expect(byName.events[0].object.status.containerStatuses[0].lastState.terminated.reason).toBe('OOMKilled');
  });
});

describe('resourceVersions across restarts', () => {
  it('starts a restarted cluster above the earlier run, and answers a watch from the future with 504 after waiting', async () => {
    const first = await SimulatedCluster.start({ pods: 30, seed: 'restart', tls: false });
    await first.tick(20);
    const oldRv = first.resourceVersion;
    await first.stop();
    const second = await SimulatedCluster.start({ pods: 30, seed: 'restart', tls: false, startTime: Date.now() + 60_000 });
    try {
      expect(Number(second.resourceVersion)).toBeGreaterThan(Number(oldRv));
      const expired = new WatchStream(second, `/api/v1/pods?watch=1&resourceVersion=${oldRv}`);
      await expired.waitEnd();
      expect(expired.events[0].object).toMatchObject({ code: 410, reason: 'Expired' });

      // Reached while waiting: the watch proceeds. Ticked once the simulator holds the request (not after a fixed
      // sleep, which on a slow machine could tick before the request arrived, when nothing is waited for).
      const next = String(Number(second.resourceVersion) + 1);
      const w = acceptedWatch(second, `/api/v1/pods?watch=1&resourceVersion=${next}`);
      try {
        await w.accepted;
        await second.tick(3);
        const { status, event } = await w.first;
        expect(status).toBe(200);
        expect(['ADDED', 'MODIFIED', 'DELETED']).toContain(event.type);
      } finally {
        w.close();
      }

      const started = Date.now();
      const ahead = Number(second.resourceVersion) + 1000;
      const [watchFuture, listFuture] = await Promise.all([
        get(second, `/api/v1/pods?watch=1&resourceVersion=${ahead}`),
        get(second, `/api/v1/pods?resourceVersion=${ahead}&resourceVersionMatch=NotOlderThan`),
      ]);
      // A lower bound (the simulator's wait before 504): a loaded machine can only make it later.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
      for (const future of [watchFuture, listFuture]) {
        expect(future.status).toBe(504);
        expect(future.json).toMatchObject({ kind: 'Status', reason: 'Timeout', code: 504, details: { causes: [{ reason: 'ResourceVersionTooLarge' }] } });
      }
      const reachable = String(Number(second.resourceVersion) + 2);
      const [list] = await Promise.all([get(second, `/api/v1/pods?resourceVersion=${reachable}`), second.tick(3)]);
      expect(list.status).toBe(200);
      expect(Number(list.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(reachable));
    } finally {
      await second.stop();
    }
  });
});

describe('namespace deletion', () => {
  it('terminates the namespace, deletes everything in it, then the namespace, all visible to watches', async () => {
    const sim = await SimulatedCluster.start({ pods: 80, namespaces: 3, seed: 'ns-delete', tls: false });
    try {
      const ns = sim.state().namespaces.find((n) => n.metadata.labels?.team)!.metadata.name;
      const inNs = (objs: any[]) => objs.filter((o) => o.metadata.namespace === ns);
      const before = sim.state();
      const rv = sim.resourceVersion;
      const nsWatch = new WatchStream(sim, `/api/v1/namespaces?watch=1&resourceVersion=${rv}`);
      const podWatch = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${rv}`);
      await sim.apply({ kind: 'deleteNamespace', name: ns });
      await nsWatch.until((ev) => ev.length >= 2);
      expect(nsWatch.events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
      expect(nsWatch.events[0].object.status.phase).toBe('Terminating');
      expect(nsWatch.events[0].object.metadata.deletionTimestamp).toEqual(expect.any(String));
      const pods = inNs(before.pods);
      await podWatch.until((ev) => ev.length >= pods.length);
      expect(podWatch.events.every((e) => e.type === 'DELETED')).toBe(true);
      expect(podWatch.events.map((e) => e.object.metadata.uid).sort()).toEqual(pods.map((p) => p.metadata.uid).sort());
      const after = sim.state();
      for (const [kind, objs] of Object.entries(after)) expect(inNs(objs), kind).toEqual([]);
      expect(after.namespaces.map((n) => n.metadata.name)).not.toContain(ns);
      expect(sim.deletedPodUids()).toEqual(expect.arrayContaining(pods.map((p) => p.metadata.uid)));
      await expect(sim.apply({ kind: 'deleteNamespace', name: 'kube-system' })).rejects.toThrow('system namespace');
      nsWatch.close();
      podWatch.close();
    } finally {
      await sim.stop();
    }
  });
});

describe('watch history', () => {
  it('answers a too-old resourceVersion with an in-stream ERROR 410 Expired and ends the stream', async () => {
    const sim = await SimulatedCluster.start({ pods: 60, seed: 'history', historyLimit: 10, tls: false });
    try {
      const rv = sim.resourceVersion;
      const pods = sim.state().pods.filter((p) => p.metadata.ownerReferences && p.status.phase === 'Running');
      const before: string[] = [];
      for (let i = 0; i < 12; i++) {
        before.push(sim.resourceVersion);
        await sim.apply({ kind: 'crashPod', namespace: pods[i].metadata.namespace!, name: pods[i].metadata.name });
      }

      const w = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${rv}`);
      expect(await w.waitEnd()).toBe('clean');
      expect(w.status).toBe(200);
      expect(w.events).toHaveLength(1);
      expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 } });
      expect(w.events[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);

      // The last 10 pod events are still there: a watch from before the 10th crash replays crashes 10 to 12.
      const recent = before[9];
      // Ended by its timeout: everything it replays has been sent.
      const ok = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${recent}&timeoutSeconds=1`);
      expect(await ok.waitEnd(30_000)).toBe('clean');
      expect(ok.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(pods.slice(9, 12).map((p) => `MODIFIED ${p.metadata.name}`));
      ok.close();

      sim.fault({ kind: 'compactHistory' });
      const compacted = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${recent}`);
      await compacted.waitEnd();
      expect(compacted.events[0].object.code).toBe(410);
    } finally {
      await sim.stop();
    }
  });
});
