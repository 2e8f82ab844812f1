import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimChange } from '../../src/simulator/sim-change.js';
import { expectConverged, type Harness, startHarness } from './sync-harness.js';

// Once the initial lists are written, a burst of watch events commits in slices of steadyMaxBatch, two transactions
// in flight; a ReplicaSet created in the burst still links its pods to their Deployment.
describe('writer in steady state', () => {
  let h: Harness;
  const STEADY_MAX_BATCH = 100;

  beforeAll(async () => {
    // maxBatch above the whole burst (the Kubernetes Events it causes included), so that the writer never falls a
    // maxBatch behind and the burst commits in steady slices only (the case below is the other one).
    h = await startHarness({ sim: { pods: 400, seed: 'steady', helmReleases: 2 }, tuning: { steadyMaxBatch: STEADY_MAX_BATCH, maxBatch: 20_000 } });
    await h.sync.whenSynced();
    await expectConverged(h);
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('writes a burst of hundreds of changes, rollouts among them, in several transactions with pods linked', async () => {
    for (let round = 0; round < 3; round++) {
      const state = h.sim.state();
      const running = state.pods.filter((p) => p.status?.phase === 'Running');
      const changes: SimChange[] = [
        ...running.slice(0, 150).map((p): SimChange => ({ kind: 'oomKill', namespace: p.metadata.namespace!, name: p.metadata.name })),
        ...state.deployments.map((d): SimChange => ({ kind: 'rollout', namespace: d.metadata.namespace!, name: d.metadata.name, image: `app:r${round}` })),
      ];
      const before = h.sync.writerStats();
      // Applied in one synchronous go, so they reach the watches as one burst.
      const applied = changes.map((c) => h.sim.apply(c));
      await Promise.all(applied);
      await expectConverged(h);
      const after = h.sync.writerStats();
      const written = after.changes - before.changes;
      expect(written).toBeGreaterThan(3 * STEADY_MAX_BATCH);
      expect(after.batches - before.batches).toBeGreaterThanOrEqual(Math.ceil(written / STEADY_MAX_BATCH));
    }
    expect(h.sync.writerStats().maxInFlight).toBe(2);
    expect(h.sync.writerStats().dropped).toBe(0);
  });
});

// A writer that has fallen a whole maxBatch behind goes back to big batches, which clear a backlog faster.
describe('writer in steady state, behind', () => {
  let h: Harness;
  const MAX_BATCH = 200;
  const STEADY_MAX_BATCH = 40;

  beforeAll(async () => {
    h = await startHarness({ sim: { pods: 400, seed: 'behind', helmReleases: 0 }, tuning: { maxBatch: MAX_BATCH, steadyMaxBatch: STEADY_MAX_BATCH } });
    await h.sync.whenSynced();
    await expectConverged(h);
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('writes a backlog of more than maxBatch changes in fewer, larger batches than its slices', async () => {
    let written = 0;
    let batches = 0;
    for (let round = 0; round < 2; round++) {
      const state = h.sim.state();
      const changes = state.deployments.map((d): SimChange => ({ kind: 'rollout', namespace: d.metadata.namespace!, name: d.metadata.name, image: `app:b${round}` }));
      const before = h.sync.writerStats();
      await Promise.all(changes.map((c) => h.sim.apply(c)));
      await expectConverged(h);
      const after = h.sync.writerStats();
      written += after.changes - before.changes;
      batches += after.batches - before.batches;
    }
    expect(written).toBeGreaterThan(2 * MAX_BATCH);
    // Sliced alone, the backlog would have taken at least written / STEADY_MAX_BATCH batches.
    expect(batches).toBeLessThan(Math.ceil(written / STEADY_MAX_BATCH));
    expect(h.sync.writerStats().dropped).toBe(0);
  });
});
