import type { ChangeEvent } from './change-event.js';

export type ChangeListener = (events: readonly ChangeEvent[]) => void;

/**
 * Where committed changes go. Publishers call it only after their transaction commits, so a
 * subscriber that queries on receipt sees the same state. Implementations: in-process, and
 * PostgreSQL LISTEN/NOTIFY for several replicas.
 */
export interface EventBus {
  publish(events: readonly ChangeEvent[]): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}
