/**
 * Limits how many full lists run at once in this process. A list holds a page of parsed objects and feeds the
 * writer as fast as the database takes it; when many clusters start (or relist) together, doing a few at a time keeps
 * peak memory and database load flat without slowing the total much, since the database is the shared bottleneck.
 * A freed slot goes to the waiting list of highest priority (first come among equals): a cluster's pod list, the
 * long one that every other step of its initial sync waits behind, is not queued behind small kinds.
 */
export class ListGate {
  private active = 0;
  private readonly waiting: Array<{ priority: number; go: () => void }> = [];

  constructor(private readonly slots: number) {}

  async acquire(signal?: AbortSignal, priority = 0): Promise<() => void> {
    if (signal?.aborted) return () => undefined;
    if (this.active < this.slots) {
      this.active++;
    } else {
      // A released slot is handed over as it is (never counted free in between), so no newcomer can take it meanwhile.
      const granted = await new Promise<boolean>((resolve) => {
        const entry = {
          priority,
          go: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(true);
          },
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve(false);
        };
        const at = this.waiting.findIndex((w) => w.priority < priority);
        this.waiting.splice(at < 0 ? this.waiting.length : at, 0, entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      if (!granted) return () => undefined;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.go();
      else this.active--;
    };
  }

  /** Lists running now, for tests. */
  get running(): number {
    return this.active;
  }
}

/** Shared by every cluster synced in this process. */
export const processListGate = new ListGate(3);
