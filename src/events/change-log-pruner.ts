import type { DataSource } from 'typeorm';
import { logger } from '../common/logger.js';
import { pruneChangeEvents } from './change-log.js';

const log = logger.child({ component: 'change-log' });

/** Pruning runs this often, so that the log holds at most this much beyond its retention. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

/** Deletes change events older than the retention, at start and then every few minutes. */
export class ChangeLogPruner {
  readonly name = 'change log pruning';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly retentionMs: number,
  ) {}

  async start(): Promise<void> {
    await this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), Math.min(PRUNE_INTERVAL_MS, this.retentionMs));
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    this.running ??= pruneChangeEvents((sql, params) => this.dataSource.query(sql, params), new Date(Date.now() - this.retentionMs))
      .then((pruned) => {
        if (pruned > 0) log.info({ pruned }, 'change events past retention deleted');
      })
      .catch((err: unknown) => log.error({ err }, 'pruning the change log failed; will retry at the next run'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
