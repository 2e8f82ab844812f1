import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { expectConverged, startHarness } from './sync-harness.js';

// A Monday, 10:02:30 UTC: the scenario's `*/5` CronJob last ran at 10:00 and is next due at 10:05.
const START = Date.parse('2026-03-02T10:02:30Z');
const MINUTE = 60_000;

describe('StatefulSets, DaemonSets, Jobs and CronJobs', () => {
  it('the database equals the simulator per kind by uid while CronJobs fire, Jobs finish and the watches are cut', async () => {
    const db = await createTestDatabase();
    let now = START;
    const h = await startHarness({ db, sim: { pods: 150, seed: 'workloads', startTime: START, clock: () => now } });
    try {
      await h.sync.whenSynced();
      await expectConverged(h);
      const kinds = async () =>
        Object.fromEntries(
          (await db.dataSource.query(`SELECT kind, count(*)::int AS n FROM k8s_workloads WHERE cluster_id = $1 AND deleted_at IS NULL GROUP BY kind`, [h.clusterId]))
            .map((r: { kind: string; n: number }) => [r.kind, r.n]),
        );
      const s = h.sim.state();
      expect(await kinds()).toEqual({ StatefulSet: s.statefulsets.length, DaemonSet: s.daemonsets.length, Job: s.jobs.length, CronJob: s.cronjobs.length });
      const jobsBefore = new Set(s.jobs.map((j) => j.metadata.uid));

      // Past 10:05 and on by a minute at a time: the */5 CronJob starts a Job whose pod runs 40 s and finishes.
      for (const minutes of [3, 1, 1, 5, 1]) {
        now += minutes * MINUTE;
        await h.sim.tick(20);
        await expectConverged(h);
      }
      const after = h.sim.state();
      const fired = after.jobs.filter((j) => !jobsBefore.has(j.metadata.uid) && j.metadata.ownerReferences?.[0]?.kind === 'CronJob');
      expect(fired.length).toBeGreaterThan(0);
      const finished = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM k8s_workloads WHERE cluster_id = $1 AND kind = 'Job' AND uid = ANY($2::text[]) AND health IN ('succeeded', 'failed')`,
        [h.clusterId, fired.map((j) => j.metadata.uid)],
      );
      expect(finished[0].n).toBeGreaterThan(0);
      // Each new Job's row names its CronJob, whose row is there: the chain a pod's cost follows.
      const chain = await db.dataSource.query(
        `SELECT j.uid FROM k8s_workloads j JOIN k8s_workloads c ON c.cluster_id = j.cluster_id AND c.uid = j.owner_uid AND c.kind = 'CronJob'
          WHERE j.cluster_id = $1 AND j.uid = ANY($2::text[])`,
        [h.clusterId, fired.map((j) => j.metadata.uid)],
      );
      expect(chain).toHaveLength(fired.length);
      expect([...new Set(h.events.map((e) => e.kind))]).toEqual(expect.arrayContaining(['StatefulSet', 'DaemonSet', 'Job', 'CronJob']));
      const jobEvent = h.events.find((e) => e.kind === 'Job' && e.uid === fired[0]!.metadata.uid && e.type === 'ADDED')!;
      expect(jobEvent.state).toMatchObject({ kind: 'Job', ownerKind: 'CronJob', clusterId: h.clusterId });

      // The API server goes away while Jobs finish and go and CronJobs fire; back with its history compacted, every
      // kind relists, and each kind's sweep marks gone only its own rows.
      const workloadKinds = ['statefulsets', 'daemonsets', 'jobs', 'cronjobs'];
      const listsBefore = h.sync.status().filter((r) => workloadKinds.includes(r.resource)).map((r) => r.lists);
      await h.sim.down();
      for (const deadline = Date.now() + 20_000; !h.sync.status().every((r) => r.failingSince !== undefined) && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 20));
      }
      now += 20 * MINUTE;
      await h.sim.tick(20);
      h.sim.fault({ kind: 'compactHistory' });
      await h.sim.up();
      await expectConverged(h);
      const listsAfter = h.sync.status().filter((r) => workloadKinds.includes(r.resource)).map((r) => r.lists);
      expect(listsAfter.every((n, i) => n > listsBefore[i]!)).toBe(true);
      expect(await kinds()).toEqual({
        StatefulSet: h.sim.state().statefulsets.length, DaemonSet: h.sim.state().daemonsets.length, Job: h.sim.state().jobs.length, CronJob: h.sim.state().cronjobs.length,
      });
    } finally {
      await h.stop();
      await db.drop();
    }
  });
});
