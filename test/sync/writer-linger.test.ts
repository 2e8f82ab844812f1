import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { type Harness, startHarness } from './sync-harness.js';

// lingerMs caps how long an idle writer waits for a burst to end; a change that comes alone is written at once.
describe('writer linger', () => {
  let h: Harness;
  const LINGER_MS = 3000;

  beforeAll(async () => {
    h = await startHarness({ sim: { pods: 60, seed: 'linger' }, tuning: { lingerMs: LINGER_MS } });
    await h.sync.whenSynced();
    await h.sync.flush();
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('commits a lone change well before the linger window ends', async () => {
    const pod = h.sim.state().pods.find((p) => p.status?.phase === 'Running' && p.metadata.ownerReferences?.length)!;
    const arrived = new Promise<ChangeEvent>((resolve) => {
      const off = h.bus.subscribe((events) => {
        const e = events.find((x) => x.kind === 'Pod' && x.uid === pod.metadata.uid);
        if (e) {
          off();
          resolve(e);
        }
      });
    });
    const started = Date.now();
    await h.sim.apply({ kind: 'crashPod', namespace: pod.metadata.namespace!, name: pod.metadata.name });
    const event = await arrived;
    expect(event.changedFields).toContain('restartCount');
    expect(Date.now() - started).toBeLessThan(LINGER_MS / 3);
  });

  it('still writes a burst as one transaction', async () => {
    const pods = h.sim.state().pods.filter((p) => p.status?.phase === 'Running' && p.metadata.ownerReferences?.length).slice(0, 10);
    const uids = new Set(pods.map((p) => p.metadata.uid));
    const seen = new Set<string>();
    const done = new Promise<void>((resolve) => {
      const off = h.bus.subscribe((events) => {
        for (const e of events) if (e.kind === 'Pod' && uids.has(e.uid)) seen.add(e.uid);
        if (seen.size === uids.size) {
          off();
          resolve();
        }
      });
    });
    const before = h.sync.writerStats().batches;
    // Applied in one go, they reach the pods watch as one write.
    for (const p of pods) await h.sim.apply({ kind: 'oomKill', namespace: p.metadata.namespace!, name: p.metadata.name });
    await done;
    await h.sync.flush();
    // The pods in one transaction; their ReplicaSets' and Deployments' status changes come on other watches and may
    // make one or two more.
    expect(h.sync.writerStats().batches - before).toBeLessThanOrEqual(3);
  });
});
