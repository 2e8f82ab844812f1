import { describe, it } from 'vitest';
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
