import { describe, expect, it } from 'vitest';
import { ListGate } from '../../src/sync/list-gate.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('list gate', () => {
  it('gives a freed slot to the waiting list of highest priority, first come among equals', async () => {
    const gate = new ListGate(1);
    const order: string[] = [];
    const first = await gate.acquire();
    const list = async (name: string, priority: number) => {
      const release = await gate.acquire(undefined, priority);
      order.push(name);
      expect(gate.running).toBe(1);
      await tick();
      release();
    };
    const lists = [list('replicasets', 0), list('secrets', 0), list('pods', 1)];
    await tick();
    expect(order).toEqual([]);
    first();
    await Promise.all(lists);
    expect(order).toEqual(['pods', 'replicasets', 'secrets']);
    expect(gate.running).toBe(0);
  });

  it('never runs more lists than it has slots, even when one asks just as a slot is handed over', async () => {
    const gate = new ListGate(2);
    let running = 0;
    let most = 0;
    const list = async (priority: number) => {
      const release = await gate.acquire(undefined, priority);
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
      release();
    };
    const lists: Array<Promise<void>> = [];
    for (let i = 0; i < 20; i++) {
      lists.push(list(i % 3));
      // A newcomer arriving in the same turn as a release must not take the slot being handed over.
      if (i % 4 === 3) await tick();
    }
    await Promise.all(lists);
    expect(most).toBe(2);
    expect(gate.running).toBe(0);
  });

  it('drops a waiting list that is aborted, and its slot goes to the next', async () => {
    const gate = new ListGate(1);
    const held = await gate.acquire();
    const abort = new AbortController();
    const aborted = gate.acquire(abort.signal, 1);
    let nextGot = false;
    const next = gate.acquire().then((release) => ((nextGot = true), release));
    abort.abort();
    (await aborted)();
    expect(gate.running).toBe(1);
    held();
    (await next)();
    expect(nextGot).toBe(true);
    expect(gate.running).toBe(0);
  });
});
