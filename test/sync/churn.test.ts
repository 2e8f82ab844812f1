import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { expectConverged, startHarness } from './sync-harness.js';

// Property style: whatever random sequence of changes a seed produces, the database ends equal to the cluster.
describe.each(['alpha', 'bravo', 'charlie', 'delta'])('random churn, seed %s', (seed) => {
  it('the database equals the simulator after every round', async () => {
    const db = await createTestDatabase();
    const h = await startHarness({ db, sim: { pods: 150, seed, helmReleases: 3 } });
    try {
      await h.sync.whenSynced();
      await expectConverged(h);
      for (let round = 0; round < 4; round++) {
        await h.sim.tick(60);
        await expectConverged(h);
      }
    } finally {
      await h.stop();
      await db.drop();
    }
  });
});

describe('heavy churn (several transactions in flight)', () => {
  it('the database equals the simulator after bursts of hundreds of changes', async () => {
    const db = await createTestDatabase();
    const h = await startHarness({ db, sim: { pods: 400, seed: 'burst', helmReleases: 3 }, tuning: { maxBatch: 150 } });
    try {
      await h.sync.whenSynced();
      await expectConverged(h);
      for (let round = 0; round < 3; round++) {
        await h.sim.tick(400);
        await expectConverged(h);
      }
      expect(h.sync.writerStats().dropped).toBe(0);
      expect(h.sync.writerStats().maxInFlight).toBe(2);
    } finally {
      await h.stop();
      await db.drop();
    }
  });
});
