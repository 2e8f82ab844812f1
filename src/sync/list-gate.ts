/**
 * Limits how many full lists run at once in this process. A list holds a page of parsed objects and feeds the
 * writer as fast as the database takes it; when many clusters start (or relist) together, doing a few at a time keeps
 * peak memory and database load flat without slowing the total much, since the database is the shared bottleneck.
 */
export class ListGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly slots: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.slots) {
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve();
        };
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiting.push(go);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      if (signal?.aborted) return () => undefined;
    }
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }
}

/** Shared by every cluster synced in this process. */
export const processListGate = new ListGate(3);
