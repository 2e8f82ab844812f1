import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRows } from '../../src/db/bulk-copy.js';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { ChangeLogBus } from '../../src/events/change-log-bus.js';
import { appendChangeEvents, CursorExpired, lastSeq, pruneChangeEvents } from '../../src/events/change-log.js';
import { encodeEventCursor, resumePoint } from '../../src/events/event-cursor.js';
import { eventStream } from '../../src/events/event-stream.js';
import { sharedEventBus } from '../../src/events/shared-event-bus.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createCluster } from '../sync/sync-harness.js';

/** Events delivered to one subscriber, and a way to wait for the nth. */
function collector(bus: ChangeLogBus) {
  const events: ChangeEvent[] = [];
  const waits: Array<{ n: number; resolve: () => void }> = [];
  const off = bus.subscribe((batch) => {
    events.push(...batch);
    for (const w of waits.filter((w) => events.length >= w.n)) w.resolve();
  });
  return {
    events,
    off,
    /** Resolves once `n` events have arrived in all. */
    count: (n: number) => (events.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waits.push({ n, resolve }))),
  };
}

describe('the change log', () => {
  let db: TestDatabase;
  let a: ChangeLogBus;
  let b: ChangeLogBus;
  let org: string;
  let cluster: string;
  let podId: string;

  const event = (name: string, state: Record<string, unknown> = { phase: 'Running' }): ChangeEvent => ({
    organizationId: org,
    clusterId: cluster,
    kind: 'Cluster',
    type: 'MODIFIED',
    namespace: null,
    name,
    uid: cluster,
    changedFields: ['status'],
    state,
    committedAt: new Date(),
  });
  const run = (sql: string, params: unknown[]) => db.dataSource.query(sql, params);
  const names = (events: ChangeEvent[]) => events.map((e) => e.name);

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ clusterId: cluster, organizationId: org } = await createCluster(db.dataSource, 'log'));
    [{ id: podId }] = await db.dataSource.query(
      `INSERT INTO k8s_pods (cluster_id, namespace, uid, name, phase, restart_count, created_at) VALUES ($1, 'default', 'pod-uid', 'web-1', 'Running', 3, now()) RETURNING id`,
      [cluster],
    );
    a = sharedEventBus(db.dataSource);
    b = sharedEventBus(db.dataSource);
    await a.listen();
    await b.listen();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('gives every event once, in order, to the subscribers of every bus, with its sequence number', async () => {
    const local = collector(a);
    const remote = collector(b);
    const sent = Array.from({ length: 300 }, (_, i) => event(`e${i}`));
    await a.publish(sent.slice(0, 100));
    await b.publish(sent.slice(100));
    await Promise.all([local.count(300), remote.count(300)]);
    expect(names(local.events)).toEqual(names(sent));
    expect(remote.events).toEqual(local.events);
    const seqs = local.events.map((e) => e.seq!);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    expect(local.events[0]).toMatchObject({ kind: 'Cluster', state: { phase: 'Running' }, changedFields: ['status'] });
    local.off();
    remote.off();
  });

  it('delivers an inventory event with its row as stored when it is read, bigints as numbers', async () => {
    const remote = collector(b);
    // The state published says 'Pending'; the row says 'Running' with 3 restarts: the log keeps only the row's id.
    const pod: ChangeEvent = { ...event('web-1'), kind: 'Pod', namespace: 'default', uid: 'pod-uid', state: { id: podId, phase: 'Pending' } };
    await db.dataSource.transaction((m) => appendChangeEvents((sql, params) => m.query(sql, params), [pod]));
    await a.publish([pod]);
    await remote.count(1);
    expect(remote.events[0]!.state).toMatchObject({ id: podId, name: 'web-1', phase: 'Running', restartCount: 3, clusterId: cluster });
    remote.off();
  });

  it('takes a large batch by COPY, with the same rows, sequence numbers and delivery as one INSERT would give', async () => {
    const remote = collector(b);
    // 250 events (over the COPY threshold): awkward names and fields, events with and without a row.
    const sent: ChangeEvent[] = Array.from({ length: 250 }, (_, i) => ({
      ...event(`copied\t${i}\\n"x"`),
      namespace: i % 2 ? null : 'tab\there',
      changedFields: ['status', 'say "hi"', 'back\\slash'],
      state: { i, text: 'line\nbreak' },
    }));
    const qr = db.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const client = (qr as unknown as { databaseConnection: pg.PoolClient }).databaseConnection;
      await appendChangeEvents((sql, params) => qr.query(sql, params), sent, (table, columns, lines) => copyRows(client, table, columns, lines));
      await qr.commitTransaction();
    } finally {
      await qr.release();
    }
    // Consecutive numbers, as the log holds them.
    const seqs = sent.map((e) => e.seq!);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    expect(seqs.at(-1)).toBe(await lastSeq(run));
    await remote.count(250);
    expect(remote.events.map((e) => e.seq)).toEqual(seqs);
    expect(remote.events.map(({ seq: _s, committedAt: _c, ...rest }) => rest)).toEqual(sent.map(({ seq: _s, committedAt: _c, ...rest }) => rest));
    remote.off();
  });

  it('writes nothing for a transaction that rolls back, and a reader passes over its sequence gap', async () => {
    const remote = collector(b);
    await db.dataSource
      .transaction(async (m) => {
        await appendChangeEvents((sql, params) => m.query(sql, params), [event('rolled-back')]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await a.publish([event('after-gap')]);
    await remote.count(1);
    expect(names(remote.events)).toEqual(['after-gap']);
    remote.off();
  });

  it('makes sequence order commit order: a writer that appends later waits for one that has appended and not committed', async () => {
    const remote = collector(b);
    const first = await db.dataSource.createQueryRunner();
    await first.connect();
    await first.startTransaction();
    const early = event('appended-first-committed-second');
    await appendChangeEvents((sql, params) => first.query(sql, params), [early]);
    const second = a.publish([event('appended-second')]);
    // The second writer waits on the log's lock (seen in pg_stat_activity), not on a timer.
    for (;;) {
      const [waiting] = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'`,
      );
      if (waiting.n === 1) break;
    }
    await first.commitTransaction();
    await first.release();
    await second;
    await remote.count(2);
    expect(names(remote.events)).toEqual(['appended-first-committed-second', 'appended-second']);
    expect(remote.events[0]!.seq).toBeLessThan(remote.events[1]!.seq!);
    remote.off();
  });

  it('loses nothing while its listening connection is down: once back, the reader goes on from where it was', async () => {
    const listeners = async (): Promise<number[]> =>
      (await db.dataSource.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kubegraph-events'`)).map(
        (r: { pid: number }) => r.pid,
      );
    const others = new Set(await listeners());
    const c = new ChangeLogBus({ connectionString: db.url, dataSource: db.dataSource, reconnectMs: 200 });
    await c.listen();
    const [pid] = (await listeners()).filter((p) => !others.has(p));
    const told = { missed: 0 };
    const remote = collector(c);
    c.subscribe(() => undefined, () => told.missed++);
    await db.dataSource.query(`SELECT pg_terminate_backend($1)`, [pid]);
    // Committed after its only connection was killed: no notification can reach it, only its reader can.
    await db.dataSource.transaction((m) => appendChangeEvents((sql, params) => m.query(sql, params), [event('while-down-1'), event('while-down-2')]));
    await remote.count(2);
    expect(names(remote.events)).toEqual(['while-down-1', 'while-down-2']);
    expect(told.missed).toBe(0);
    await c.close();
  });

  it('resumes a stream after a cursor: the events since, then live ones, none twice', async () => {
    await a.publish([event('r1'), event('r2')]);
    const upTo = await lastSeq(run);
    const r1 = upTo - 1;
    const stream = eventStream(b, (e) => e.name, r1 - 1);
    await a.publish([event('r3')]);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await stream.next()).value);
    expect(got).toEqual(['r1', 'r2', 'r3']);
    await stream.return!();
  });

  it('refuses a malformed cursor, and one older than the retention with the oldest still available', async () => {
    await expect(resumePoint(a, 'not-a-cursor')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argumentName: 'after' } });
    const before = await lastSeq(run);
    expect(await resumePoint(a, encodeEventCursor(before))).toBe(before);
    // Everything committed so far is past a retention that ends now.
    const pruned = await pruneChangeEvents(run, new Date(Date.now() + 1000));
    expect(pruned).toBeGreaterThan(300);
    await expect(a.readAfter(1, 10)).rejects.toBeInstanceOf(CursorExpired);
    await expect(resumePoint(a, encodeEventCursor(1))).rejects.toMatchObject({
      message: expect.stringContaining('KUBEGRAPH_EVENT_RETENTION'),
      extensions: { code: 'BAD_USER_INPUT', oldestCursor: encodeEventCursor(before) },
    });
    // The cursor of the last event pruned is still good: nothing after it is gone.
    expect(await resumePoint(a, encodeEventCursor(before))).toBe(before);
  });
});
