/** What shared subscriptions report for /metrics: results sent, results dropped, and subscribers ended as too slow. */
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { eventStream, MAX_PENDING_EVENTS } from '../../src/events/event-stream.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import type { SubscriptionStats } from '../../src/server/graphql-metrics.js';
import { SharedSubscriptions } from '../../src/server/shared-subscriptions.js';

function podEvent(i: number): ChangeEvent {
  return { organizationId: 'o', clusterId: 'c', kind: 'Pod', type: 'ADDED', namespace: 'ns', name: `p${i}`, uid: `u${i}`, changedFields: [], state: {}, committedAt: new Date() };
}

/** A schema whose one subscription numbers the bus's events. */
function schemaOn(bus: InProcessEventBus): GraphQLSchema {
  const query = new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt, resolve: () => 1 } } });
  const subscription = new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      tick: {
        type: GraphQLInt,
        subscribe: () => eventStream(bus, (e) => Number(e.uid.slice(1))),
        resolve: (n: number) => n,
      },
    },
  });
  return new GraphQLSchema({ query, subscription });
}

/** SharedSubscriptions reporting into `stats` as the subscription server wires it. */
function shared(stats: SubscriptionStats): SharedSubscriptions {
  return new SharedSubscriptions({
    contextFor: (context) => context,
    onExecution: () => stats.executions++,
    onDelivered: () => stats.delivered++,
    onJoin: () => stats.open++,
    onLeave: () => stats.open--,
    onDropped: (results) => (stats.dropped += results),
    onTooSlow: () => stats.slowConsumerCloses++,
  });
}

const fresh = (): SubscriptionStats => ({ open: 0, executions: 0, delivered: 0, dropped: 0, slowConsumerCloses: 0 });

async function subscribe(subscriptions: SharedSubscriptions, schema: GraphQLSchema): Promise<AsyncIterableIterator<ExecutionResult>> {
  const member = await subscriptions.subscribe({ schema, document: parse('subscription { tick }'), contextValue: { auth: null } });
  if (!(Symbol.asyncIterator in member)) throw new Error(`not subscribed: ${JSON.stringify(member)}`);
  return member;
}

describe('subscription metrics', () => {
  it('a subscriber that stops reading ends as too slow; what it had queued and the result that overflowed are dropped', async () => {
    const bus = new InProcessEventBus();
    const schema = schemaOn(bus);
    const stats = fresh();
    const subscriptions = shared(stats);
    const reader = await subscribe(subscriptions, schema);
    const idle = await subscribe(subscriptions, schema);
    expect(stats.open).toBe(2);

    // One event more than a subscriber may have waiting, published in slices the reader keeps up with, so that the
    // shared execution never falls behind the bus: only the idle subscriber's own queue overflows.
    const total = MAX_PENDING_EVENTS + 1;
    let read = 0;
    for (let i = 0; i < total; i += 1000) {
      await bus.publish(Array.from({ length: Math.min(1000, total - i) }, (_, j) => podEvent(i + j)));
      while (read < Math.min(i + 1000, total)) {
        const next = await reader.next();
        expect(next.value?.data).toEqual({ tick: read });
        read++;
      }
    }
    // 10,001 executions, all read by the reader; the idle one held 10,000 and the 10,001st ended it.
    expect(stats).toMatchObject({ executions: total, delivered: total, slowConsumerCloses: 1, dropped: 1, open: 1 });

    // Ending it without reading throws its 10,000 queued results away.
    await idle.return!();
    expect(stats).toMatchObject({ dropped: 1 + MAX_PENDING_EVENTS, delivered: total, open: 1 });
    await reader.return!();
    expect(stats.open).toBe(0);
  });

  it('when the shared execution falls behind the bus, every subscriber of the group ends as too slow', async () => {
    const bus = new InProcessEventBus();
    const schema = schemaOn(bus);
    const stats = fresh();
    const subscriptions = shared(stats);
    const members = [await subscribe(subscriptions, schema), await subscribe(subscriptions, schema)];

    // All at once: the bus hands the group more than it may have waiting before its execution reads any of them.
    await bus.publish(Array.from({ length: MAX_PENDING_EVENTS + 1 }, (_, i) => podEvent(i)));
    for (const member of members) {
      let got = 0;
      const failure = await (async () => {
        for (;;) {
          try {
            if ((await member.next()).done) return undefined;
            got++;
          } catch (err) {
            return err;
          }
        }
      })();
      // What the group had read before it fell behind is still delivered, then the error.
      expect(got).toBe(MAX_PENDING_EVENTS);
      expect((failure as { extensions?: { code?: string } }).extensions?.code).toBe('SUBSCRIBER_TOO_SLOW');
    }
    expect(stats).toMatchObject({ executions: MAX_PENDING_EVENTS, delivered: 2 * MAX_PENDING_EVENTS, slowConsumerCloses: 2, dropped: 0, open: 0 });
  });
});
