import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { eventStream, mapStream, MAX_PENDING_EVENTS } from '../../src/events/event-stream.js';
import { ObservedEventBus } from './support/api-server.js';

function podEvent(i: number): ChangeEvent {
  return { organizationId: 'o', clusterId: 'c', kind: 'Pod', type: 'ADDED', namespace: 'ns', name: `p${i}`, uid: `u${i}`, changedFields: [], state: {}, committedAt: new Date() };
}

describe('event streams', () => {
  it('delivers selected events in bus order and releases the bus when ended', async () => {
    const bus = new ObservedEventBus();
    const stream = eventStream(bus, (e) => (Number(e.uid.slice(1)) % 2 === 0 ? e.name : null));
    expect(bus.listenerCount).toBe(1);
    await bus.publish([podEvent(0), podEvent(1), podEvent(2)]);
    await bus.publish([podEvent(3), podEvent(4)]);
    expect([(await stream.next()).value, (await stream.next()).value, (await stream.next()).value]).toEqual(['p0', 'p2', 'p4']);
    const waiting = stream.next();
    await stream.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(bus.listenerCount).toBe(0);
  });

  it('ends a subscriber that falls too far behind with SUBSCRIBER_TOO_SLOW, after what it already had', async () => {
    const bus = new ObservedEventBus();
    const stream = eventStream(bus, (e) => e.name);
    await bus.publish(Array.from({ length: MAX_PENDING_EVENTS + 5 }, (_, i) => podEvent(i)));
    expect(bus.listenerCount).toBe(0);
    let delivered = 0;
    let failure: unknown;
    try {
      for (;;) {
        const r = await stream.next();
        if (r.done) break;
        delivered++;
      }
    } catch (err) {
      failure = err;
    }
    expect(delivered).toBe(MAX_PENDING_EVENTS);
    expect(failure).toBeInstanceOf(GraphQLError);
    expect((failure as GraphQLError).extensions.code).toBe('SUBSCRIBER_TOO_SLOW');
  });

  it('mapStream ends its source at once, even while waiting for an event', async () => {
    const bus = new ObservedEventBus();
    const mapped = mapStream(eventStream(bus, (e) => e), async (e) => e.name.toUpperCase());
    await bus.publish([podEvent(7)]);
    expect((await mapped.next()).value).toBe('P7');
    const waiting = mapped.next();
    await mapped.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(bus.listenerCount).toBe(0);
  });

  it('mapStream ends its source when the mapping fails, so the failed stream leaves no listener on the bus', async () => {
    const bus = new ObservedEventBus();
    const failure = new Error('relation "k8s_clusters" does not exist');
    const mapped = mapStream(eventStream(bus, (e) => e), async () => {
      throw failure;
    });
    await bus.publish([podEvent(1)]);
    await expect(mapped.next()).rejects.toBe(failure);
    expect(bus.listenerCount).toBe(0);
    expect(await mapped.next()).toEqual({ value: undefined, done: true });
  });
});
