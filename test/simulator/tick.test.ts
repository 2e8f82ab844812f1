import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppliedChange, SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { post, WatchStream } from './sim-client.js';

describe('tick', () => {
  let sim: SimulatedCluster;
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 200, seed: 'tick-writes' }); });
  afterAll(async () => { await sim.stop(); });

  it('reports every object write of each change, as the watches see them', async () => {
    const watch = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`);
    try {
      const before = Number(sim.resourceVersion);
      const started = Date.now();
      const applied = await sim.tick(40);
      // Besides the 40 random changes, a first entry when the time-driven controllers had something to do.
      expect(applied.filter((c) => c.kind !== 'syncControllers')).toHaveLength(40);
      expect(applied.findIndex((c) => c.kind === 'syncControllers')).toBeLessThan(1);
      expect(applied.every((c, i) => c.appliedAt >= (applied[i - 1]?.appliedAt ?? started) && c.appliedAt <= Date.now())).toBe(true);
      const writes = applied.flatMap((c) => c.writes);
      // Every resourceVersion the tick issued belongs to exactly one reported write.
      expect(writes.map((w) => Number(w.resourceVersion))).toEqual(Array.from({ length: Number(sim.resourceVersion) - before }, (_, i) => before + i + 1));
      expect(applied.every((c) => c.writes.length > 0)).toBe(true);

      const pods = writes.filter((w) => w.resource === 'pods');
      const events = await watch.until((ev) => ev.length >= pods.length, 15_000, 'every pod write');
      expect(events.map((e) => [e.type, e.object.metadata.uid, e.object.metadata.namespace, e.object.metadata.name, e.object.metadata.resourceVersion]))
        .toEqual(pods.map((w) => [w.type, w.uid, w.namespace, w.name, w.resourceVersion]));

      // The last write of each live object is its current version.
      const live = new Map(sim.state().pods.map((p) => [p.metadata.uid, p.metadata.resourceVersion]));
      const last = new Map(pods.map((w) => [w.uid, w]));
      for (const [uid, w] of last) {
        if (w.type === 'DELETED') expect(live.has(uid)).toBe(false);
        else expect(live.get(uid)).toBe(w.resourceVersion);
      }
    } finally {
      watch.close();
    }
  });

  it('answers the admin tick with the same shape', async () => {
    const reply = await post(sim, '/_sim/tick', { changes: 5 });
    expect(reply.status).toBe(200);
    const applied = reply.json.applied as AppliedChange[];
    expect(applied.filter((c) => c.kind !== 'syncControllers')).toHaveLength(5);
    const last = applied.flatMap((c) => c.writes).at(-1)!;
    expect(last.resourceVersion).toBe(reply.json.resourceVersion);
    expect(Object.keys(last).sort()).toEqual(expect.arrayContaining(['name', 'resource', 'resourceVersion', 'type', 'uid']));
  });
});
