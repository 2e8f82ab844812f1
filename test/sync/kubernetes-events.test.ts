import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEventsV1 } from '../../src/simulator/event-recorder.js';
import { type K8sObject, SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { mapKubernetesEvent } from '../../src/sync/kubernetes-event.mapper.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type Harness, startHarness } from './sync-harness.js';

const START = Date.parse('2026-03-02T10:02:30Z');
const S = 1000;
const TTL = 600 * S;

interface StoredEvent {
  uid: string;
  reason: string | null;
  type: string | null;
  note: string | null;
  count: number;
  first: number;
  last: number;
  involved: string;
}

/** What the database must hold for each live Event, worked out from the core v1 shape (not through the mapper). */
function expected(sim: SimulatedCluster): Map<string, string> {
  return new Map(
    sim.state().events.map((e: K8sObject) => {
      const first = Date.parse(e.eventTime ?? e.firstTimestamp);
      const last = e.series ? Date.parse(e.series.lastObservedTime) : e.lastTimestamp ? Date.parse(e.lastTimestamp) : first;
      const row: StoredEvent = {
        uid: e.metadata.uid,
        reason: e.reason,
        type: e.type,
        note: e.message,
        count: e.series?.count ?? e.count ?? 1,
        first,
        last,
        involved: `${e.involvedObject.kind}/${e.involvedObject.namespace ?? ''}/${e.involvedObject.name}/${e.involvedObject.uid}`,
      };
      return [e.metadata.uid, JSON.stringify(row)];
    }),
  );
}

async function stored(h: Harness, live: boolean): Promise<Map<string, string>> {
  const rows = await h.db.dataSource.query(
    `SELECT uid, reason, type, note, count, first_timestamp, last_timestamp, involved_kind, involved_namespace, involved_name, involved_uid
       FROM k8s_events WHERE cluster_id = $1 AND (deleted_at IS NULL) = $2`,
    [h.clusterId, live],
  );
  return new Map(
    rows.map((r: Record<string, any>) => {
      const row: StoredEvent = {
        uid: r.uid,
        reason: r.reason,
        type: r.type,
        note: r.note,
        count: r.count,
        first: r.first_timestamp.getTime(),
        last: r.last_timestamp.getTime(),
        involved: `${r.involved_kind}/${r.involved_namespace ?? ''}/${r.involved_name}/${r.involved_uid}`,
      };
      return [r.uid, JSON.stringify(row)];
    }),
  );
}

const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

/** Waits (the sync is asynchronous) until the live rows equal the simulator's Events, then asserts it. */
async function expectEventsConverged(h: Harness): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    await h.sync.flush();
    const got = await stored(h, true);
    const want = expected(h.sim);
    if (JSON.stringify(sorted(got)) === JSON.stringify(sorted(want)) || Date.now() > until) {
      expect(sorted(got)).toEqual(sorted(want));
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Kubernetes Events sync (events.k8s.io/v1)', () => {
  let db: TestDatabase;
  let h: Harness;
  let now = START;
  beforeAll(async () => {
    db = await createTestDatabase();
    h = await startHarness({ db, sim: { pods: 80, seed: 'kevents', startTime: START, clock: () => now, eventTtlMs: TTL } });
    await h.sync.whenSynced();
  });
  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });

  it('holds every Event of the simulator once, by uid, with its count and times, through churn', async () => {
    await expectEventsConverged(h);
    expect(h.sim.state().events.length).toBeGreaterThan(20);
    // A running pod starts crash-looping: its BackOff repeats, one Event whose count the sync follows in place.
    const pod = h.sim.state().pods.find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.status.phase === 'Running')!;
    const [ns, name] = [pod.metadata.namespace!, pod.metadata.name];
    for (let i = 0; i < 3; i++) {
      now += 30 * S;
      await h.sim.apply({ kind: 'crashPod', namespace: ns, name });
    }
    for (let round = 0; round < 3; round++) {
      now += 20 * S;
      await h.sim.tick(30);
      await expectEventsConverged(h);
    }
    const backOff = h.sim.state().events.filter((e) => e.involvedObject.uid === pod.metadata.uid && e.reason === 'BackOff');
    expect(backOff).toHaveLength(1);
    // Three crashes of this test, and any the random churn added.
    expect(backOff[0]!.count).toBeGreaterThanOrEqual(3);
    const rows = await h.db.dataSource.query(`SELECT count FROM k8s_events WHERE cluster_id = $1 AND uid = $2`, [h.clusterId, backOff[0]!.metadata.uid]);
    expect(rows).toEqual([{ count: backOff[0]!.count }]);
    // One row per uid, ever.
    const [{ rows: all, uids }] = await h.db.dataSource.query(
      `SELECT count(*)::int AS rows, count(DISTINCT uid)::int AS uids FROM k8s_events WHERE cluster_id = $1`,
      [h.clusterId],
    );
    expect(all).toBe(uids);
    // Rows are linked to their namespace's row.
    const [{ unlinked }] = await h.db.dataSource.query(
      `SELECT count(*)::int AS unlinked FROM k8s_events WHERE cluster_id = $1 AND namespace_id IS NULL AND deleted_at IS NULL`,
      [h.clusterId],
    );
    expect(unlinked).toBe(0);
  });

  it('keeps an Event the API server deleted at its TTL as history, closed with deleted_at', async () => {
    await expectEventsConverged(h);
    const before = new Set(h.sim.state().events.map((e) => e.metadata.uid));
    now += TTL + 2 * S;
    await h.sim.apply({ kind: 'syncControllers' });
    const after = new Set(h.sim.state().events.map((e) => e.metadata.uid));
    const expired = [...before].filter((uid) => !after.has(uid));
    expect(expired.length).toBeGreaterThan(0);
    await expectEventsConverged(h);
    const closed = await stored(h, false);
    for (const uid of expired) expect(closed.has(uid), uid).toBe(true);
    // No change events for Kubernetes Events: they are read by query, not published.
    expect(h.events.filter((e) => (e.kind as string) === 'Event')).toEqual([]);
  });
});

describe('Kubernetes Events sync on an API server without events.k8s.io', () => {
  it('reads core v1 Events once the events.k8s.io list answers 404, to the same rows', async () => {
    const db = await createTestDatabase();
    const h = await startHarness({ db, sim: { pods: 40, seed: 'core-events', eventsApi: false } });
    try {
      await expect(h.client.getJson('/apis/events.k8s.io/v1/events')).rejects.toMatchObject({ status: 404 });
      await h.sync.whenSynced();
      await h.sim.tick(20);
      await expectEventsConverged(h);
      expect(h.sync.status().find((s) => s.resource === 'events')).toMatchObject({ synced: true, lastError: undefined });
    } finally {
      await h.stop();
      await db.drop();
    }
  });

  it('maps an Event to the same row from either API', async () => {
    const sim = await SimulatedCluster.start({ pods: 40, seed: 'shapes', tls: false });
    try {
      const events = sim.state().events;
      // Both kinds of writer: counted (kubelet) and with a series (scheduler).
      expect(events.some((e) => e.count > 1)).toBe(true);
      expect(events.some((e) => e.action === 'Binding')).toBe(true);
      for (const e of events) expect(mapKubernetesEvent(toEventsV1(e))).toEqual(mapKubernetesEvent(e));
    } finally {
      await sim.stop();
    }
  });
});
