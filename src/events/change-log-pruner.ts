import type { DataSource } from 'typeorm';
import { logger } from '../common/logger.js';
import { PeriodicJob } from '../common/periodic-job.js';
import { pruneChangeEvents } from './change-log.js';

const log = logger.child({ component: 'change-log' });

/** Pruning runs this often, so that the log holds at most this much beyond its retention. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

/** Deletes change events older than the retention, at start and then every few minutes. */
export class ChangeLogPruner extends PeriodicJob {
  constructor(dataSource: DataSource, retentionMs: number) {
    super(
      'change log pruning',
      async () => {
        const pruned = await pruneChangeEvents((sql, params) => dataSource.query(sql, params), new Date(Date.now() - retentionMs));
        if (pruned > 0) log.info({ pruned }, 'change events past retention deleted');
      },
      Math.min(PRUNE_INTERVAL_MS, retentionMs),
      log,
    );
  }
}
