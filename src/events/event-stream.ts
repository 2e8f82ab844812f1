import { GraphQLError } from 'graphql';
import type { ChangeEvent } from './change-event.js';
import type { EventBus } from './event-bus.js';

/** Events waiting for a slow subscriber before it is cut off (it can resubscribe and re-query). */
export const MAX_PENDING_EVENTS = 10_000;

/** Sent to a subscriber that fell too far behind; it ends the subscription. */
export function subscriberTooSlow(): GraphQLError {
  return new GraphQLError(`More than ${MAX_PENDING_EVENTS} events were waiting for this subscriber; subscribe again and re-query`, {
    extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
  });
}

/** Sent to a subscriber when the bus may have lost changes on their way to it; it ends the subscription. */
export function changesMissed(): GraphQLError {
  return new GraphQLError(
    'Changes may have been missed: this server could not read them from the change log before they expired; query the current state and subscribe again',
    { extensions: { code: 'CHANGES_MISSED' } },
  );
}

/** A stream that can tell, before its consumer has read that far, that it will end in an error. */
export interface FailingStream<T> extends AsyncIterableIterator<T> {
  /** An error is waiting behind the queued items (lost changes, a consumer too far behind). */
  readonly failed: boolean;
}

/** Events read from the log per statement while a resumed stream catches up. */
const REPLAY_PAGE = 500;

/**
 * Committed changes from the bus as an async iterator, one item per event that `select` keeps (it filters
 * and maps, synchronously, in bus order). Unsubscribes from the bus when the consumer stops. A `select`
 * that throws ends the stream with that error; so does a bus that may have lost changes (after the ones it
 * delivered before), since a feed with holes would look complete.
 *
 * With `afterSeq`, the stream first replays the change log's events after it (read page by page as the consumer
 * takes them), then goes on with live ones: live events that arrive meanwhile wait, and an event is never given
 * twice (each carries its sequence number), so there is no gap and no duplicate at the seam.
 */
export function eventStream<T>(bus: EventBus, select: (event: ChangeEvent) => T | null, afterSeq?: number): FailingStream<T> {
  const pending: T[] = [];
  let waiter: (() => void) | null = null;
  let drained: (() => void) | null = null;
  let failure: Error | null = null;
  let done = false;
  /** Sequence number of the last event taken (replayed or live). */
  let seen = afterSeq ?? -1;
  /** Live events that arrived while the log was being replayed. */
  let held: ChangeEvent[] | null = afterSeq === undefined ? null : [];

  const wake = () => {
    const w = waiter;
    waiter = null;
    w?.();
  };

  const fail = (err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
    unsubscribe();
    wake();
  };

  const take = (events: readonly ChangeEvent[]) => {
    for (const event of events) {
      if (event.seq !== undefined) {
        if (event.seq <= seen) continue;
        seen = event.seq;
      }
      const item = select(event);
      if (item === null) continue;
      if (pending.length >= MAX_PENDING_EVENTS) throw subscriberTooSlow();
      pending.push(item);
    }
  };

  const unsubscribe = bus.subscribe(
    (events) => {
      if (done) return;
      try {
        if (held) {
          if (held.length + events.length > MAX_PENDING_EVENTS) throw subscriberTooSlow();
          held.push(...events);
          return;
        }
        take(events);
      } catch (err) {
        fail(err);
        return;
      }
      wake();
    },
    () => {
      if (!done) fail(changesMissed());
    },
  );

  if (afterSeq !== undefined) {
    void (async () => {
      if (!bus.readAfter) throw new Error('this event bus keeps no log to resume from');
      for (;;) {
        // One page at a time, as the consumer takes them: a long replay holds at most a page or so.
        while (pending.length >= REPLAY_PAGE && !done) await new Promise<void>((resolve) => (drained = resolve));
        if (done) return;
        const page = await bus.readAfter(seen, REPLAY_PAGE);
        if (done) return;
        take(page);
        wake();
        if (page.length < REPLAY_PAGE) break;
      }
      const live = held ?? [];
      held = null;
      take(live);
      wake();
    })().catch(fail);
  }

  const finish = () => {
    done = true;
    pending.length = 0;
    held = null;
    unsubscribe();
    wake();
    drained?.();
  };

  const iterator: FailingStream<T> = {
    get failed() {
      return failure !== null;
    },
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        if (done) return { value: undefined, done: true };
        if (pending.length > 0) {
          const value = pending.shift() as T;
          if (pending.length < REPLAY_PAGE && drained) {
            const d = drained;
            drained = null;
            d();
          }
          return { value, done: false };
        }
        if (failure) {
          finish();
          throw failure;
        }
        await new Promise<void>((resolve) => {
          waiter = resolve;
        });
      }
    },
    async return(): Promise<IteratorResult<T>> {
      finish();
      return { value: undefined, done: true };
    },
    async throw(err?: unknown): Promise<IteratorResult<T>> {
      finish();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Maps a stream item by item with an async function (null skips the item). Unlike an async generator,
 * `return()` reaches the source at once even while a `next()` is waiting, so an idle subscription that
 * the client ends leaves no listener behind on the bus. A `map` that throws ends the source before the
 * error goes on: a consumer whose `next()` rejected does not call `return()`.
 */
export function mapStream<T, U>(source: FailingStream<T>, map: (item: T) => Promise<U | null>): FailingStream<U> {
  const iterator: FailingStream<U> = {
    get failed() {
      return source.failed;
    },
    async next(): Promise<IteratorResult<U>> {
      for (;;) {
        const result = await source.next();
        if (result.done) return { value: undefined, done: true };
        let mapped: U | null;
        try {
          mapped = await map(result.value);
        } catch (err) {
          await source.return?.();
          throw err;
        }
        if (mapped !== null) return { value: mapped, done: false };
      }
    },
    async return(): Promise<IteratorResult<U>> {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(err?: unknown): Promise<IteratorResult<U>> {
      await source.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
