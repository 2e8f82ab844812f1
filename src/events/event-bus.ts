import { logger } from '../common/logger.js';
import type { ChangeEvent } from './change-event.js';

const log = logger.child({ component: 'event-bus' });

export type ChangeListener = (events: readonly ChangeEvent[]) => void;

/**
 * Where committed changes go. Publishers call it only after their transaction commits, so a
 * subscriber that queries on receipt sees the same state. Implementations: in-process, and
 * PostgreSQL LISTEN/NOTIFY for several replicas.
 */
export interface EventBus {
  publish(events: readonly ChangeEvent[]): Promise<void>;
  /**
   * Returns an unsubscribe function. `onMissed`, if given, is called when events may have been lost on their way to
   * this subscriber (a shared bus whose connection to the other replicas was down): what the listener receives is
   * then no longer every change, and a consumer that needs them all must re-read the current state.
   */
  subscribe(listener: ChangeListener, onMissed?: () => void): () => void;
  /**
   * Events committed after sequence number `seq`, oldest first, at most `limit` (for resuming a feed); throws
   * CursorExpired when the log no longer holds them all. Absent on a bus without a log.
   */
  readAfter?(seq: number, limit: number): Promise<ChangeEvent[]>;
  close(): Promise<void>;
}

/**
 * Calls every subscriber's function with `value`. One that throws is logged and keeps neither the others from being
 * called nor the publisher (a writer that has committed) from going on.
 */
export function callEach<T>(subscribers: Iterable<(value: T) => void>, value: T): void {
  for (const call of subscribers) {
    try {
      call(value);
    } catch (err) {
      log.error({ err }, 'change listener failed');
    }
  }
}
