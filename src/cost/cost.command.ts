import type { Command } from 'commander';
import { loadConfig } from '../common/config.js';
import { isCalendarDay } from '../common/formats.js';
import { monthStart } from '../db/partition-maintenance.js';
import { HOUR_MS, rollUpCosts } from './cost-rollup.js';

function isoDate(name: string, value: string): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  // Without an offset, JavaScript reads a date-time in the host's time zone; the range is UTC.
  const date = new Date(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value);
  if (!day || Number.isNaN(date.getTime())) {
    throw new Error(`--${name} must be an ISO date or date-time such as 2026-03-01 or 2026-03-01T10:00:00Z (got "${value}")`);
  }
  const [year, month, dayOfMonth] = day.slice(1).map(Number) as [number, number, number];
  if (!isCalendarDay(year, month, dayOfMonth)) {
    throw new Error(`--${name} is not a day of the calendar (got "${value}")`);
  }
  return date;
}

export function registerCostCommand(program: Command): void {
  const cost = program.command('cost').description('cost attribution');
  cost
    .command('rollup')
    .description('compute hourly and daily cost rows from the collected metrics, as serve does every few minutes (to backfill or recompute a range)')
    .option('--from <date>', 'first hour to roll up (ISO date or date-time, UTC); default: 24 hours ago')
    .option('--to <date>', 'end of the range, exclusive (ISO); default: now (only complete hours are rolled up)')
    .action(async (opts: { from?: string; to?: string }) => {
      const config = loadConfig();
      const now = new Date();
      const to = opts.to ? isoDate('to', opts.to) : now;
      const from = opts.from ? isoDate('from', opts.from) : new Date(now.getTime() - 24 * HOUR_MS);
      if (from.getTime() >= to.getTime()) throw new Error('--from must be earlier than --to');
      // A rollup replaces the cost rows of each hour with what the metrics give, which past retention is nothing.
      const oldest = monthStart(now, -config.retentionMonths.resourceMetrics);
      if (from.getTime() < oldest.getTime()) {
        throw new Error(
          `--from must be ${oldest.toISOString().slice(0, 10)} or later: metrics of earlier months are dropped ` +
            `(KUBEGRAPH_RETENTION_METRICS_MONTHS=${config.retentionMonths.resourceMetrics}), and rolling up their hours again would erase their cost rows (got "${opts.from}")`,
        );
      }
      // Loaded on use, so that `kubegraph --help` and other commands start fast.
      const { withMigratedDatabase } = await import('../db/migrated-database.js');
      await withMigratedDatabase(config, async ({ dataSource }) => {
        const result = await rollUpCosts(dataSource, { from, to, sampleIntervalMs: config.metricsIntervalMs, now });
        process.stdout.write(`cost: rolled up ${result.hours} hour(s) into ${result.rows} hourly row(s) and ${result.days} day(s), ${from.toISOString()} to ${to.toISOString()}\n`);
      });
    });
}
