import type { ChangeEvent } from './change-event.js';
import { callEach, type ChangeListener, type EventBus } from './event-bus.js';

export class InProcessEventBus implements EventBus {
  private readonly listeners = new Set<ChangeListener>();

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length > 0) callEach(this.listeners, events);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
