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
    "Changes from other replicas may have been missed while this server's change feed was reconnecting to PostgreSQL; query the current state and subscribe again",
    { extensions: { code: 'CHANGES_MISSED' } },
  );
}

/** A stream that can tell, before its consumer has read that far, that it will end in an error. */
export interface FailingStream<T> extends AsyncIterableIterator<T> {
  /** An error is waiting behind the queued items (lost changes, a consumer too far behind). */
  readonly failed: boolean;
}

/**
 * Committed changes from the bus as an async iterator, one item per event that `select` keeps (it filters
 * and maps, synchronously, in bus order). Unsubscribes from the bus when the consumer stops. A `select`
 * that throws ends the stream with that error; so does a bus that may have lost changes (after the ones it
 * delivered before), since a feed with holes would look complete.
 */
export function eventStream<T>(bus: EventBus, select: (event: ChangeEvent) => T | null): FailingStream<T> {
  const pending: T[] = [];
  let waiter: (() => void) | null = null;
  let failure: Error | null = null;
  let done = false;

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

  const unsubscribe = bus.subscribe(
    (events) => {
      if (done) return;
      try {
        for (const event of events) {
          const item = select(event);
          if (item === null) continue;
          if (pending.length >= MAX_PENDING_EVENTS) {
            throw subscriberTooSlow();
          }
          pending.push(item);
        }
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

  const finish = () => {
    done = true;
    pending.length = 0;
    unsubscribe();
    wake();
  };

  const iterator: FailingStream<T> = {
    get failed() {
      return failure !== null;
    },
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        if (done) return { value: undefined, done: true };
        if (pending.length > 0) return { value: pending.shift() as T, done: false };
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
