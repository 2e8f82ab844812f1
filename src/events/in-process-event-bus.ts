import { logger } from '../logger.js';
import type { ChangeEvent } from './change-event.js';
import type { ChangeListener, EventBus } from './event-bus.js';

const log = logger.child({ component: 'event-bus' });

export class InProcessEventBus implements EventBus {
  private readonly listeners = new Set<ChangeListener>();

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const listener of this.listeners) {
      // A failing subscriber must not stop delivery to the others, nor fail the writer that published.
      try {
        listener(events);
      } catch (err) {
        log.error({ err }, 'change listener failed');
      }
    }
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
