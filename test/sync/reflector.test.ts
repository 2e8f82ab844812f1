import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { logger } from '../../src/common/logger.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { ListGate } from '../../src/sync/list-gate.js';
import { type KubeObjectLike, Reflector, type ReflectorHandler } from '../../src/sync/reflector.js';
import { digestRow, type RowDigest } from '../../src/sync/row-digest.js';

/** Records what the reflector hands over, keeping the latest state per uid like a store would. */
class Recorder implements ReflectorHandler {
  readonly live = new Map<string, string>();
  upserts = 0;
  removes: Array<{ uid: string; fromWatch: boolean }> = [];
  lists: number[] = [];

  upsert(obj: KubeObjectLike): RowDigest {
    this.upserts++;
    this.live.set(obj.metadata!.uid!, String(obj.metadata!.resourceVersion));
    return digestRow({ rv: obj.metadata!.resourceVersion }, ['rv']);
  }

  remove(uid: string, _previous: RowDigest | undefined, obj: KubeObjectLike | undefined): void {
    this.live.delete(uid);
    this.removes.push({ uid, fromWatch: obj !== undefined });
  }

  listed(present: ReadonlySet<string>): void {
    this.lists.push(present.size);
  }
}

/** Waits for a state the test causes; the bound only turns a missing one into a failure (generous: machines are shared). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); !check() && Date.now() - started < 30_000; ) await new Promise((r) => setTimeout(r, 25));
  expect(check(), what).toBe(true);
}

describe('reflector (list + watch loop) against the simulator', () => {
  let sim: SimulatedCluster;
  let client: KubeClient;

  beforeAll(async () => {
    sim = await SimulatedCluster.start({ pods: 200, seed: 'reflector', bookmarkIntervalMs: 200 });
    client = KubeClient.fromKubeconfig(sim.kubeconfig());
  });

  afterAll(async () => {
    client?.close();
    await sim?.stop();
  });

  function reflector(handler: Recorder, onProgress?: (listed: number) => void) {
    return new Reflector({
      path: '/api/v1/pods',
      resource: 'pods',
      client,
      handler,
      log: logger,
      pageSize: 25,
      inactivityMs: 1000,
      watchTimeoutSeconds: 30,
      backoffInitialMs: 20,
      backoffMaxMs: 200,
      onProgress: (listed) => onProgress?.(listed),
    });
  }

  it('pages the list, and restarts it when the continue token expires mid-way', async () => {
    const rec = new Recorder();
    let compacted = false;
    let progressAfterRestart: number[] = [];
    const r = reflector(rec, (listed) => {
      if (compacted) progressAfterRestart.push(listed);
      if (listed === 50 && !compacted) {
        compacted = true;
        // Move the cluster on and forget the history: the continue token handed out with this page is now too old.
        void sim.tick(3);
        sim.fault({ kind: 'compactHistory' });
      }
    });
    r.start();
    await r.synced;
    expect(compacted).toBe(true);
    // The list started over from the first page, then completed.
    expect(progressAfterRestart[0]).toBe(25);
    expect(rec.lists).toEqual([sim.state().pods.length]);
    expect([...rec.live.keys()].sort()).toEqual(sim.state().pods.map((p) => p.metadata.uid).sort());
    await r.stop();
    progressAfterRestart = [];
  });

  it('watches from the list resourceVersion; deletions seen by the watch carry the object, those found by a relist do not', async () => {
    const rec = new Recorder();
    const r = reflector(rec);
    r.start();
    await r.synced;
    const running = sim.state().pods.filter((p) => p.status?.phase === 'Running');
    await sim.apply({ kind: 'deletePod', namespace: running[0]!.metadata.namespace!, name: running[0]!.metadata.name, replace: false });
    await until(() => rec.removes.length === 1, 'watch delivered the deletion');
    expect(rec.removes[0]).toEqual({ uid: running[0]!.metadata.uid, fromWatch: true });

    // Make the stream go silent, delete while it is silent, and lose the history: the watchdog reopens, gets 410, relists.
    sim.fault({ kind: 'stallWatches' });
    await sim.apply({ kind: 'deletePod', namespace: running[1]!.metadata.namespace!, name: running[1]!.metadata.name, replace: false });
    sim.fault({ kind: 'compactHistory' });
    await until(() => rec.removes.length === 2, 'relist found the deletion');
    expect(rec.removes[1]).toEqual({ uid: running[1]!.metadata.uid, fromWatch: false });
    expect(rec.lists.length).toBe(2);
    expect([...rec.live.keys()].sort()).toEqual(sim.state().pods.map((p) => p.metadata.uid).sort());
    expect(r.status()).toMatchObject({ resource: 'pods', synced: true, objects: sim.state().pods.length });
    await r.stop();
    expect(r.status().phase).toBe('stopped');
  });

  it('unchanged objects (same resourceVersion) are not handed over again after a reconnect', async () => {
    const rec = new Recorder();
    const r = reflector(rec);
    r.start();
    await r.synced;
    const afterList = rec.upserts;
    const watches = r.status().watches;
    sim.fault({ kind: 'dropWatches' });
    // Reconnected: a new watch opened by the reflector and held open by the simulator, which dropped the old one.
    await until(() => r.status().watches > watches && sim.openWatches === 1, 'watch reopened');
    const pod = sim.state().pods.find((p) => p.status?.phase === 'Running')!;
    await sim.apply({ kind: 'crashPod', namespace: pod.metadata.namespace!, name: pod.metadata.name });
    await until(() => rec.live.get(pod.metadata.uid) === sim.state().pods.find((p) => p.metadata.uid === pod.metadata.uid)!.metadata.resourceVersion, 'change seen');
    expect(rec.upserts).toBe(afterList + 1);
    await r.stop();
  });

  it('frees its list slot once the last page is handed over, while the writer still holds it back', async () => {
    const gate = new ListGate(1);
    let releaseWriter!: () => void;
    const writerBusy = new Promise<void>((resolve) => (releaseWriter = resolve));
    const rec = new Recorder();
    const total = sim.state().pods.length;
    const r = new Reflector({
      path: '/api/v1/pods',
      resource: 'pods',
      client,
      handler: rec,
      log: logger,
      pageSize: 50,
      listGate: gate,
      // Room for every page but the last: that one finds the writer full.
      backpressure: () => (rec.upserts < total ? undefined : writerBusy),
    });
    r.start();
    await until(() => rec.upserts === total, 'every page handed over');
    // Held back by the writer after its last page: the slot is already free for another cluster's list.
    expect(r.status().phase).toBe('listing');
    expect(gate.running).toBe(0);
    const other = await gate.acquire();
    other();
    releaseWriter();
    await r.synced;
    expect(rec.lists).toEqual([total]);
    await r.stop();
  });
});
