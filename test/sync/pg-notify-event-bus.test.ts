import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { eventStream } from '../../src/events/event-stream.js';
import { PgNotifyEventBus } from '../../src/events/pg-notify-event-bus.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createCluster } from './sync-harness.js';

function event(i: number, clusterId: string, state: Record<string, unknown> = { phase: 'Running', i }): ChangeEvent {
  return {
    organizationId: 'org',
    clusterId,
    kind: 'Pod',
    type: 'MODIFIED',
    namespace: 'default',
    name: `pod-${i}`,
    uid: `uid-${i}`,
    changedFields: ['phase'],
    state,
    committedAt: new Date(1_800_000_000_000 + i),
  };
}

/**
 * Resolves once `n` events have been received (or rejects after a deadline, so a broken bus fails instead of hanging;
 * generous, as machines are shared).
 */
function collect(bus: PgNotifyEventBus, n: number): { events: ChangeEvent[]; done: Promise<void> } {
  const events: ChangeEvent[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r, reject) => {
    resolve = r;
    setTimeout(() => reject(new Error(`received ${events.length} of ${n} events`)), 30_000).unref();
  });
  bus.subscribe((batch) => {
    events.push(...batch);
    if (events.length >= n) resolve();
  });
  return { events, done };
}

describe('PgNotifyEventBus (several replicas over one database)', () => {
  let db: TestDatabase;
  let a: PgNotifyEventBus;
  let b: PgNotifyEventBus;
  let clusterId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ clusterId } = await createCluster(db.dataSource, 'bus'));
    a = await PgNotifyEventBus.create({ connectionString: db.url, dataSource: db.dataSource, reconnectMs: 100 });
    b = await PgNotifyEventBus.create({ connectionString: db.url, dataSource: db.dataSource, reconnectMs: 100 });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('delivers every event once to local and remote subscribers, in order, packed under 8000 bytes', async () => {
    const events = Array.from({ length: 500 }, (_, i) => event(i, clusterId));
    expect(a.pack(events).every((p) => Buffer.byteLength(p) < 8000)).toBe(true);
    expect(a.pack(events).length).toBeGreaterThan(1);
    expect(a.pack(events).length).toBeLessThan(50);
    // Published after the others: once it has arrived, so has anything (a duplicate, say) sent before it.
    const marker = event(500, clusterId);
    const local = collect(a, 501);
    const remote = collect(b, 501);
    await a.publish(events);
    await a.publish([marker]);
    await Promise.all([local.done, remote.done]);
    expect(local.events.map((e) => e.name)).toEqual([...events, marker].map((e) => e.name));
    expect(remote.events.map((e) => e.name)).toEqual([...events, marker].map((e) => e.name));
    expect(remote.events[7]).toEqual(events[7]);
    expect(remote.events[7]!.committedAt).toBeInstanceOf(Date);
  });

  it('an event too large to notify arrives with its state read back from its row', async () => {
    const [pod] = await db.dataSource.query(
      `INSERT INTO k8s_pods (cluster_id, namespace, uid, name, phase, created_at) VALUES ($1, 'default', 'big-uid', 'big', 'Running', now()) RETURNING id`,
      [clusterId],
    );
    const big = { ...event(1, clusterId), uid: 'big-uid', name: 'big', state: { labels: { blob: 'x'.repeat(20_000) } } };
    const [payload] = a.pack([big]);
    expect(Buffer.byteLength(payload!)).toBeLessThan(8000);
    const remote = collect(b, 1);
    await a.publish([big]);
    await remote.done;
    expect(remote.events[0]!.state).toMatchObject({ id: pod.id, uid: 'big-uid', name: 'big', phase: 'Running' });
  });

  async function listeners(): Promise<number[]> {
    const rows = await db.dataSource.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kubegraph-events'`);
    return rows.map((r: { pid: number }) => r.pid);
  }

  /**
   * Kills both buses' listening connections and waits until both listen again on new ones (not merely until the old
   * ones are still listed, which they are until the buses notice the kill).
   */
  async function dropListeners(): Promise<void> {
    const killed: Array<{ pid: number }> = await db.dataSource.query(
      `SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kubegraph-events'`,
    );
    expect(killed).toHaveLength(2);
    const old = new Set(killed.map((k) => k.pid));
    const relistening = async () => a.listening && b.listening && (await listeners()).filter((pid) => !old.has(pid)).length === 2;
    for (const started = Date.now(); !(await relistening()); ) {
      if (Date.now() - started > 30_000) throw new Error('the buses did not listen again');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('reconnects its listening connection after it is killed, and tells its subscribers changes may have been missed', async () => {
    const told = { a: 0, b: 0, unsubscribed: 0 };
    const offA = a.subscribe(() => undefined, () => told.a++);
    const offB = b.subscribe(() => undefined, () => told.b++);
    b.subscribe(() => undefined, () => told.unsubscribed++)();
    await dropListeners();
    expect(told).toEqual({ a: 1, b: 1, unsubscribed: 0 });

    const remote = collect(b, 3);
    await a.publish([event(1, clusterId), event(2, clusterId), event(3, clusterId)]);
    await remote.done;
    expect(remote.events.map((e) => e.name)).toEqual(['pod-1', 'pod-2', 'pod-3']);
    // Told once per interruption, not per event.
    expect(told).toEqual({ a: 1, b: 1, unsubscribed: 0 });
    offA();
    offB();
  });

  it('ends a subscription stream after the changes it got before the interruption, with CHANGES_MISSED', async () => {
    const stream = eventStream(b, (e) => e.name);
    const remote = collect(b, 2);
    await a.publish([event(7, clusterId), event(8, clusterId)]);
    await remote.done;
    await dropListeners();
    expect(await stream.next()).toEqual({ value: 'pod-7', done: false });
    expect(await stream.next()).toEqual({ value: 'pod-8', done: false });
    await expect(stream.next()).rejects.toMatchObject({ extensions: { code: 'CHANGES_MISSED' } });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
