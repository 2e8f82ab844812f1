import { describe, expect, it } from 'vitest';
import { SimulatedCluster, startSimulators } from '../../src/simulator/simulated-cluster.js';
import { get, listAll, WatchStream } from './sim-client.js';

describe('scale', () => {
  // Generous timeout: the machine running the suite may be shared and busy.
  it('serves 50,000 pods as a consistent paged list (pages of 500) while changing', { timeout: 180_000 }, async () => {
    const sim = await SimulatedCluster.start({ pods: 50_000, namespaces: 20, seed: 'scale' });
    try {
      const expected = sim.state().pods.map((p) => p.metadata.uid);
      expect(expected).toHaveLength(50_000);
      const first = await get(sim, '/api/v1/pods?limit=500');
      await sim.tick(50);
      const { items, pages } = await listAll(sim, '/api/v1/pods', 500, first.json.metadata.continue);
      const all = [...first.json.items, ...items];
      expect(pages.length + 1).toBe(100);
      expect(all.map((p) => p.metadata.uid)).toEqual(expected);
      expect(new Set(pages.map((p) => p.metadata.resourceVersion))).toEqual(new Set([first.json.metadata.resourceVersion]));
    } finally {
      await sim.stop();
    }
  });

  it('runs 20 clusters in one process, each with its own port, objects and watches', async () => {
    const sims = await startSimulators(20, { pods: 150, seed: 'fleet' });
    try {
      expect(new Set(sims.map((s) => s.url)).size).toBe(20);
      expect(new Set(sims.map((s) => s.state().pods[0].metadata.uid)).size).toBe(20);
      const watches = sims.map((s) => new WatchStream(s, `/api/v1/pods?watch=1&resourceVersion=${s.resourceVersion}`));
      const lists = await Promise.all(sims.map((s) => get(s, '/api/v1/pods')));
      lists.forEach((l, i) => expect(l.json.items.map((p: any) => p.metadata.uid)).toEqual(sims[i].state().pods.map((p) => p.metadata.uid)));
      await Promise.all(sims.map((s) => s.tick(5)));
      await Promise.all(watches.map((w) => w.until((ev) => ev.length > 0)));
      for (const w of watches) w.close();
    } finally {
      await Promise.all(sims.map((s) => s.stop()));
    }
  });
});
