import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { expectConverged, type Harness, startHarness } from './sync-harness.js';

function podEvents(events: ChangeEvent[], uids: Set<string>): ChangeEvent[] {
  return events.filter((e) => e.kind === 'Pod' && uids.has(e.uid));
}

describe('change events after commit', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ sim: { pods: 120, seed: 'events' } });
    await h.sync.whenSynced();
    await expectConverged(h);
  });

  afterAll(async () => {
    await h?.stop();
    await h?.db.drop();
  });

  it('the initial sync publishes one ADDED event per object', async () => {
    const state = h.sim.state();
    const added = h.events.filter((e) => e.type === 'ADDED');
    expect(added.filter((e) => e.kind === 'Pod').length).toBe(state.pods.length);
    expect(added.filter((e) => e.kind === 'Namespace').length).toBe(state.namespaces.length);
    expect(added.filter((e) => e.kind === 'Node').length).toBe(state.nodes.length);
    expect(added.filter((e) => e.kind === 'Deployment').length).toBe(state.deployments.length);
    expect(new Set(added.filter((e) => e.kind === 'Pod').map((e) => e.uid)).size).toBe(state.pods.length);
    expect(h.events.every((e) => e.clusterId === h.clusterId && e.organizationId === h.organizationId)).toBe(true);
  });

  it('exactly one event per changed pod, with the changed fields, for a controlled sequence', async () => {
    h.events.length = 0;
    const running = h.sim.state().pods.filter((p) => p.status?.phase === 'Running' && p.metadata.ownerReferences?.length);
    const crash = running.slice(0, 5);
    const remove = running.slice(5, 8);
    for (const p of crash) await h.sim.apply({ kind: 'crashPod', namespace: p.metadata.namespace!, name: p.metadata.name });
    for (const p of remove) await h.sim.apply({ kind: 'deletePod', namespace: p.metadata.namespace!, name: p.metadata.name, replace: false });
    await h.sim.apply({ kind: 'createPod', namespace: 'default', name: 'standalone-1' });
    await h.sim.apply({ kind: 'createPod', namespace: 'default', name: 'standalone-2' });
    await expectConverged(h);

    const crashed = podEvents(h.events, new Set(crash.map((p) => p.metadata.uid)));
    expect(crashed.map((e) => e.type)).toEqual(Array(5).fill('MODIFIED'));
    for (const e of crashed) {
      expect(e.changedFields).toContain('restartCount');
      expect(e.changedFields).not.toContain('resourceVersion');
      expect(e.state.restartCount).toBeGreaterThan(0);
    }
    const deleted = podEvents(h.events, new Set(remove.map((p) => p.metadata.uid)));
    expect(deleted.map((e) => e.type)).toEqual(Array(3).fill('DELETED'));
    const created = h.events.filter((e) => e.kind === 'Pod' && e.type === 'ADDED');
    expect(created.map((e) => e.name).sort()).toEqual(['standalone-1', 'standalone-2']);
    expect(h.events.filter((e) => e.kind === 'Pod').length).toBe(5 + 3 + 2);
    for (const e of h.events) expect(e.committedAt).toBeInstanceOf(Date);
  });

  it('an object whose stored fields did not change publishes nothing', async () => {
    h.events.length = 0;
    h.sim.fault({ kind: 'dropWatches' });
    h.sim.fault({ kind: 'compactHistory' });
    const listsBefore = h.sync.status().find((r) => r.resource === 'pods')!.lists;
    await h.sync.resync();
    expect(h.sync.status().find((r) => r.resource === 'pods')!.lists).toBe(listsBefore + 1);
    expect(h.events.filter((e) => e.kind === 'Pod')).toEqual([]);
  });

  it('a batch killed mid-transaction is retried: rows committed once, events published once', async () => {
    h.events.length = 0;
    const retriesBefore = h.sync.writerStats().retries;
    const locker = new pg.Client({ connectionString: h.db.url });
    await locker.connect();
    try {
      // Hold a lock so the writer's next batch blocks inside its transaction, then kill that backend.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE k8s_pods IN EXCLUSIVE MODE');
      const targets = h.sim.state().pods.filter((p) => p.status?.phase === 'Running').slice(0, 4);
      for (const p of targets) await h.sim.apply({ kind: 'oomKill', namespace: p.metadata.namespace!, name: p.metadata.name });
      let killed = 0;
      // The bound only turns a batch that never blocks into a failure (generous: machines are shared).
      for (const started = Date.now(); killed === 0 && Date.now() - started < 30_000; ) {
        await new Promise((r) => setTimeout(r, 50));
        const [row] = (
          await locker.query(
            `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
          )
        ).rows;
        killed = row.n;
      }
      expect(killed).toBe(1);
      expect(h.events.filter((e) => e.kind === 'Pod')).toEqual([]);
      await locker.query('COMMIT');
      await expectConverged(h);
      const uids = new Set(targets.map((p) => p.metadata.uid));
      expect(podEvents(h.events, uids).map((e) => e.type)).toEqual(Array(4).fill('MODIFIED'));
      expect(h.sync.writerStats().retries).toBeGreaterThan(retriesBefore);
      expect(h.sync.writerStats().dropped).toBe(0);
    } finally {
      await locker.end();
    }
  });
});
