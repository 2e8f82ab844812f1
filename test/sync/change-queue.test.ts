import { describe, expect, it } from 'vitest';
import { type Batch, type Change, ChangeQueue, type RowChange } from '../../src/sync/change-queue.js';
import { NAMESPACES, NODES, PODS, REPLICA_SETS } from '../../src/sync/inventory-tables.js';

// The writer's queue on its own: no database, only what it hands out and when.

const pod = (uid: string, fields: string[] = ['phase'], extra: Record<string, unknown> = {}): Change => ({
  op: 'upsert',
  spec: PODS,
  key: uid,
  row: { uid, namespace: 'shop', name: `pod-${uid}`, phase: 'Running', ...extra },
  changedFields: fields,
});
const node = (name: string): Change => ({ op: 'upsert', spec: NODES, key: name, row: { uid: `u-${name}`, name }, changedFields: ['ready'] });
const keys = (b: Batch | undefined) => b?.changes.map((c) => c.key);

describe('ChangeQueue', () => {
  it("coalesces an object's changes while they wait: fields merged, first sighting kept, a vanished object written deleted", () => {
    const q = new ChangeQueue();
    q.enqueue({ ...pod('a', ['phase']), added: true } as Change);
    q.enqueue({ ...pod('a', ['ready']), row: { uid: 'a', namespace: 'shop', name: 'pod-a', phase: 'Failed' } } as Change);
    q.enqueue(pod('b'));
    q.enqueue({ op: 'deleteKey', spec: PODS, key: 'b' });
    expect(q.pending).toBe(2);
    const batch = q.take(10, 100)!;
    expect(batch.changes).toHaveLength(2);
    expect(batch.changes[0]).toMatchObject({ op: 'upsert', key: 'a', added: true, changedFields: ['phase', 'ready'], row: { phase: 'Failed' } });
    // b's last known state, marked deleted, with the time the deletion was seen.
    expect(batch.changes[1]).toMatchObject({ op: 'delete', key: 'b', row: { uid: 'b', phase: 'Running' } });
    expect(Date.parse(String((batch.changes[1] as RowChange).row.deletedAt))).not.toBeNaN();
  });

  it('hands out at most `cap` changes, and beside a batch in flight only one of at least the concurrent minimum', () => {
    const q = new ChangeQueue();
    for (let i = 0; i < 5; i++) q.enqueue(node(`n${i}`));
    const first = q.take(2, 3);
    expect(keys(first)).toEqual(['n0', 'n1']);
    // Three wait; beside a batch in flight a second one needs at least 3, which a cap of 2 cannot give.
    expect(keys(q.take(2, 3))).toBeUndefined();
    expect(keys(q.take(3, 3))).toEqual(['n2', 'n3', 'n4']);
    expect(q.inFlight).toBe(2);
  });

  it('never lets two batches in flight hold the same object: its next change waits for the first to be done', () => {
    const q = new ChangeQueue();
    q.enqueue(pod('a'));
    const first = q.take(10, 1)!;
    q.enqueue(pod('a', ['ready']));
    q.enqueue(pod('b'));
    expect(keys(q.take(10, 1))).toEqual(['b']);
    q.done(first);
    expect(keys(q.take(10, 1))).toEqual(['a']);
  });

  it('runs a first sighting of a namespace alone, and sweeps alone after every change enqueued before them', async () => {
    const q = new ChangeQueue();
    q.enqueue({ op: 'upsert', spec: NAMESPACES, key: 'shop', row: { uid: 'ns', name: 'shop' }, changedFields: [], added: true });
    q.enqueue(node('n0'));
    q.enqueueSweep({ spec: NODES, present: ['n0'] });
    q.enqueue(node('n1'));
    const flushed = q.whenDone();
    let done = false;
    void flushed.then(() => (done = true));

    const parent = q.take(10, 1)!;
    expect(parent).toMatchObject({ exclusive: true, sweeps: [] });
    expect(keys(parent)).toEqual(['shop', 'n0']);
    expect(q.take(10, 1)).toBeUndefined();
    q.done(parent);

    const sweep = q.take(10, 1)!;
    expect(sweep).toMatchObject({ changes: [], sweeps: [{ spec: NODES, present: ['n0'] }], exclusive: true });
    expect(q.take(10, 1)).toBeUndefined();
    q.done(sweep);

    const after = q.take(10, 1)!;
    expect(keys(after)).toEqual(['n1']);
    await Promise.resolve();
    expect(done).toBe(false);
    q.done(after);
    await flushed;
  });

  it('keeps pods out of a batch beside the one that may insert their ReplicaSet, and such a ReplicaSet beside its pods', () => {
    const q = new ChangeQueue();
    q.enqueue({ op: 'upsert', spec: REPLICA_SETS, key: 'rs1', row: { uid: 'rs1', namespace: 'shop', name: 'cart-1' }, changedFields: [], added: true });
    const rs = q.take(10, 1)!;
    q.enqueue(pod('a', ['phase'], { ownerKind: 'ReplicaSet', ownerUid: 'rs1' }));
    q.enqueue(pod('b', ['phase'], { ownerKind: 'ReplicaSet', ownerUid: 'rs2' }));
    expect(keys(q.take(10, 1))).toEqual(['b']);
    q.done(rs);
    const pods = q.take(10, 1)!;
    expect(keys(pods)).toEqual(['a']);
    q.enqueue({ op: 'upsert', spec: REPLICA_SETS, key: 'rs1', row: { uid: 'rs1', namespace: 'shop', name: 'cart-1' }, changedFields: [], added: true });
    expect(q.take(10, 1)).toBeUndefined();
    q.done(pods);
    expect(keys(q.take(10, 1))).toEqual(['rs1']);
  });

  it('drops everything waiting when cleared, and says how much', async () => {
    const q = new ChangeQueue();
    q.enqueue(pod('a'));
    q.enqueue(pod('b'));
    q.enqueueSweep({ spec: PODS, present: [] });
    const flushed = q.whenDone();
    expect(q.clear()).toBe(3);
    expect(q.pending).toBe(0);
    await flushed;
    expect(q.take(10, 1)).toBeUndefined();
  });
});
