import type { Command } from 'commander';
import { loadConfig } from '../common/config.js';

function day(d: Date | null): string {
  return d ? d.toISOString().slice(0, 10) : '';
}

export function registerPartitionsCommand(program: Command): void {
  program
    .command('partitions')
    .description('show the partitions of k8s_pods, k8s_resource_metrics and k8s_events (range and rows)')
    .option('--maintain', 'first create missing months, move rows out of DEFAULT and drop months past retention, as serve does daily')
    .action(async (opts: { maintain?: boolean }) => {
      const config = loadConfig();
      // Loaded on use, so that `kubegraph --help` and other commands start fast.
      const { withMigratedDatabase } = await import('./migrated-database.js');
      const { listPartitions, maintainPartitions } = await import('./partition-maintenance.js');
      await withMigratedDatabase(config, async ({ dataSource }) => {
        if (opts.maintain) {
          const r = await maintainPartitions(dataSource, config);
          const moved = r.moved.reduce((n, m) => n + m.rows, 0);
          const purged = r.purgedFromDefault.reduce((n, m) => n + m.rows, 0);
          const expired = r.expired.reduce((n, m) => n + m.rows, 0);
          process.stdout.write(
            `maintenance: created ${r.created.length} partition(s), moved ${moved} row(s) out of DEFAULT, dropped ${r.dropped.length} partition(s) past retention, purged ${purged} row(s) from DEFAULT, deleted ${expired} row(s) past retention in days\n`,
          );
        }
        const rows = await listPartitions(dataSource);
        const table = [['table', 'partition', 'from', 'to', 'rows'], ...rows.map((p) => [p.table, p.partition, p.isDefault ? 'DEFAULT' : day(p.from), day(p.to), String(p.rows)])];
        const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
        for (const r of table) process.stdout.write(`${r.map((c, i) => (i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')}\n`);
      });
    });
}
