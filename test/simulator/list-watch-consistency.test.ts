import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { listAll, WatchStream } from './sim-client.js';

const RESOURCES = {
  namespaces: '/api/v1/namespaces', nodes: '/api/v1/nodes', pods: '/api/v1/pods', secrets: '/api/v1/secrets',
  resourcequotas: '/api/v1/resourcequotas', limitranges: '/api/v1/limitranges', persistentvolumeclaims: '/api/v1/persistentvolumeclaims',
  deployments: '/apis/apps/v1/deployments', replicasets: '/apis/apps/v1/replicasets',
} as const;

const key = (o: any) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

describe('list + watch reproduces the cluster exactly', () => {
  it('a client that pages a list, then follows the watch from its resourceVersion, ends with the simulator state, for every resource', async () => {
    const sim = await SimulatedCluster.start({ pods: 300, namespaces: 4, seed: 'mirror', tls: false, historyLimit: 100_000, bookmarkIntervalMs: 50 });
    try {
      const mirrors = new Map<string, Map<string, any>>();
      const watches = new Map<string, WatchStream>();
      for (const [name, path] of Object.entries(RESOURCES)) {
        const { items, pages } = await listAll(sim, path, 37);
        // Changes between the list and the watch: the watch must replay them from the list's resourceVersion.
        await sim.tick(20);
        mirrors.set(name, new Map(items.map((o) => [key(o), o])));
        watches.set(name, new WatchStream(sim, `${path}?watch=1&resourceVersion=${pages[0].metadata.resourceVersion}&allowWatchBookmarks=true`));
      }
      for (let i = 0; i < 10; i++) await sim.tick(40);
      await sim.apply({ kind: 'deleteNamespace', name: sim.state().namespaces.find((n) => n.metadata.labels?.team)!.metadata.name });
      const finalRv = Number(sim.resourceVersion);

      for (const [name, w] of watches) {
        // A bookmark at or past the final resourceVersion: every earlier event of this resource has been sent.
        await w.until((ev) => ev.some((e) => e.type === 'BOOKMARK' && Number(e.object.metadata.resourceVersion) >= finalRv), 10_000, `${name} bookmark`);
        const mirror = mirrors.get(name)!;
        let changes = 0;
        for (const e of w.events) {
          if (e.type === 'BOOKMARK') continue;
          changes++;
          if (e.type === 'DELETED') mirror.delete(key(e.object));
          else mirror.set(key(e.object), e.object);
        }
        const expected = (sim.state() as unknown as Record<string, any[]>)[name];
        const mirrored = [...mirror.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
        expect(mirrored, name).toEqual(expected);
        if (['pods', 'replicasets', 'deployments', 'namespaces'].includes(name)) expect(changes, name).toBeGreaterThan(0);
        w.close();
      }
    } finally {
      await sim.stop();
    }
  });
});
