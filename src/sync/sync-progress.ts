import type { Logger } from '../common/logger.js';

export interface KindProgress {
  listed: number;
  total: number | undefined;
  done: boolean;
}

/**
 * Initial-sync progress across kinds: a redrawn bar when stdout is a terminal, otherwise a pino line at most every
 * `intervalMs`, so long syncs are visible in logs without flooding them.
 */
export class SyncProgress {
  private readonly kinds = new Map<string, KindProgress>();
  private lastReport = 0;
  private finished = false;
  private readonly tty: boolean;

  constructor(
    private readonly clusterName: string,
    private readonly log: Logger,
    private readonly intervalMs = 2000,
    stream: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = stream.isTTY === true && process.env.KUBEGRAPH_PROGRESS !== 'log';
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  update(kind: string, listed: number, total: number | undefined): void {
    this.kinds.set(kind, { listed, total, done: this.kinds.get(kind)?.done ?? false });
    this.report(false);
  }

  kindDone(kind: string): void {
    const k = this.kinds.get(kind) ?? { listed: 0, total: 0, done: false };
    this.kinds.set(kind, { ...k, total: k.listed, done: true });
    this.report(false);
  }

  finish(elapsedMs: number): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty) this.stream.write('\n');
    this.log.info({ cluster: this.clusterName, objects: this.totals().listed, elapsedMs }, 'initial sync committed');
  }

  snapshot(): Record<string, KindProgress> {
    return Object.fromEntries(this.kinds);
  }

  private totals(): { listed: number; total: number } {
    let listed = 0;
    let total = 0;
    for (const k of this.kinds.values()) {
      listed += k.listed;
      total += k.total ?? k.listed;
    }
    return { listed, total };
  }

  private report(force: boolean): void {
    if (this.finished) return;
    const now = Date.now();
    if (!force && now - this.lastReport < (this.tty ? 100 : this.intervalMs)) return;
    this.lastReport = now;
    const { listed, total } = this.totals();
    if (this.tty) {
      const width = 30;
      const ratio = total > 0 ? Math.min(1, listed / total) : 0;
      const filled = Math.round(ratio * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      this.stream.write(`\r${this.clusterName} [${bar}] ${listed}/${total} objects listed`);
    } else {
      this.log.info({ cluster: this.clusterName, listed, total, kinds: this.snapshot() }, 'initial sync in progress');
    }
  }
}
