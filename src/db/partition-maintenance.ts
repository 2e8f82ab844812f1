import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../common/config.js';
import { logger } from '../common/logger.js';
import { PeriodicJob } from '../common/periodic-job.js';
import { AdvisoryLock, lockForTransaction } from './advisory-locks.js';

const log = logger.child({ component: 'partitions' });

const DAY_MS = 24 * 3600 * 1000;

/**
 * Monthly partitions that never run out. Every partitioned table has a DEFAULT partition (from the
 * migration), so no insert ever fails; this keeps a partition for the current month and the next N,
 * gives a month its own partition when rows for it sit in DEFAULT (moving them, which PostgreSQL
 * requires before such a partition can exist), and drops whole months past retention.
 *
 * Each table is handled in one transaction under a transaction-scoped advisory lock, and every
 * decision is taken from the catalog inside that lock, so running it twice, or from two processes
 * (serve replicas) at once, does the work exactly once. Months are UTC calendar months.
 */

export interface PartitionedTable {
  table: string;
  /** The partition key column (timestamptz). */
  column: string;
  /**
   * How long rows are kept: whole months (their partitions dropped), or days, for tables kept less than a month:
   * months entirely past the cutoff are dropped, and the rows before it in the month it falls in are deleted.
   */
  retention: { months: number } | { days: number };
  /**
   * Rows that outlive retention: they are moved to DEFAULT instead of dropped with their month.
   * A pod is partitioned by creation time, and a pod created years ago may still be running.
   */
  keepPastRetention: string | null;
}

/** The tables partitioned by month. */
export const PARTITIONED_TABLES = ['k8s_pods', 'k8s_resource_metrics', 'k8s_events'] as const;

export interface PartitionSettings {
  partitionMonthsAhead: number;
  retentionMonths: Config['retentionMonths'];
  k8sEventRetentionDays: Config['k8sEventRetentionDays'];
}

export function partitionedTables(settings: PartitionSettings): PartitionedTable[] {
  return [
    { table: 'k8s_pods', column: 'created_at', retention: { months: settings.retentionMonths.pods }, keepPastRetention: 'deleted_at IS NULL' },
    { table: 'k8s_resource_metrics', column: 'collected_at', retention: { months: settings.retentionMonths.resourceMetrics }, keepPastRetention: null },
    // By creation time, as pods: an Event still repeating in the cluster (live) is kept until it goes.
    { table: 'k8s_events', column: 'created_at', retention: { days: settings.k8sEventRetentionDays }, keepPastRetention: 'deleted_at IS NULL' },
  ];
}

export interface PartitionInfo {
  table: string;
  partition: string;
  isDefault: boolean;
  /** Inclusive lower bound; null for DEFAULT. */
  from: Date | null;
  /** Exclusive upper bound; null for DEFAULT. */
  to: Date | null;
  rows: number;
}

export interface MaintenanceResult {
  created: Array<{ table: string; partition: string; from: Date; to: Date }>;
  /** Rows moved out of DEFAULT into a newly created month. */
  moved: Array<{ table: string; partition: string; rows: number }>;
  /** Months past retention; `keptRows` went back to DEFAULT. */
  dropped: Array<{ table: string; partition: string; keptRows: number }>;
  /** Rows past retention deleted from DEFAULT. */
  purgedFromDefault: Array<{ table: string; rows: number }>;
  /** Rows past a retention in days deleted from the month their cutoff falls in (and from DEFAULT). */
  expired: Array<{ table: string; rows: number }>;
}

export function monthStart(date: Date, addMonths = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + addMonths, 1));
}

export function partitionName(table: string, month: Date): string {
  return `${table}_p${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(date: Date): string {
  return `'${date.toISOString()}'`;
}

interface BoundRow {
  partition: string;
  is_default: boolean;
  from: Date | null;
  to: Date | null;
}

async function partitionsOf(m: Pick<EntityManager, 'query'>, table: string): Promise<BoundRow[]> {
  // Bounds are read back through pg_get_expr and cast in SQL, so their text form never matters.
  return m.query(
    `SELECT c.relname AS partition,
            pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' AS is_default,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS "from",
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS "to"
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE p.relname = $1 AND n.nspname = current_schema()
      ORDER BY 3 NULLS LAST`,
    [table],
  );
}

/** Every partition of the partitioned tables, with exact row counts. */
export async function listPartitions(dataSource: DataSource): Promise<PartitionInfo[]> {
  const out: PartitionInfo[] = [];
  for (const table of PARTITIONED_TABLES) {
    for (const p of await partitionsOf(dataSource, table)) {
      const [{ n }] = await dataSource.query(`SELECT count(*)::bigint AS n FROM ${ident(p.partition)}`);
      out.push({ table, partition: p.partition, isDefault: p.is_default, from: p.from, to: p.to, rows: Number(n) });
    }
  }
  return out;
}

async function columnList(m: EntityManager, table: string): Promise<string> {
  const rows: Array<{ attname: string }> = await m.query(
    `SELECT a.attname FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [table],
  );
  return rows.map((r) => ident(r.attname)).join(', ');
}

async function maintainTable(
  dataSource: DataSource,
  spec: PartitionedTable,
  monthsAhead: number,
  now: Date,
  result: MaintenanceResult,
): Promise<void> {
  await dataSource.transaction(async (m) => {
    await lockForTransaction(m, AdvisoryLock.partitionMaintenance);
    await m.query(`SET LOCAL lock_timeout = '30s'`);
    const col = ident(spec.column);
    const parent = ident(spec.table);

    let parts = await partitionsOf(m, spec.table);
    let defaultPart = parts.find((p) => p.is_default)?.partition;
    if (!defaultPart) {
      defaultPart = `${spec.table}_default`;
      await m.query(`CREATE TABLE ${ident(defaultPart)} PARTITION OF ${parent} DEFAULT`);
      log.warn({ table: spec.table }, 'DEFAULT partition was missing; recreated it');
      parts = await partitionsOf(m, spec.table);
    }
    const columns = await columnList(m, spec.table);
    const current = monthStart(now);
    // Rows before the cutoff are past retention; whole months before it are dropped.
    const cutoff = 'months' in spec.retention ? monthStart(now, -spec.retention.months) : new Date(now.getTime() - spec.retention.days * DAY_MS);
    const horizon = monthStart(now, monthsAhead + 1);

    const wanted = new Map<number, Date>();
    for (let i = 0; i <= monthsAhead; i++) wanted.set(monthStart(now, i).getTime(), monthStart(now, i));
    // Months within retention that have rows waiting in DEFAULT (e.g. pods created before their
    // cluster was registered) get their own partition too.
    const waiting: Array<{ month: Date }> = await m.query(
      `SELECT DISTINCT date_trunc('month', ${col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month
         FROM ${ident(defaultPart)} WHERE ${col} >= $1 AND ${col} < $2`,
      [cutoff, horizon],
    );
    for (const { month } of waiting) wanted.set(new Date(month).getTime(), new Date(month));

    for (const month of [...wanted.values()].sort((a, b) => a.getTime() - b.getTime())) {
      const to = monthStart(month, 1);
      const overlapping = parts.some((p) => !p.is_default && p.from! < to && p.to! > month);
      if (overlapping) continue;
      const name = partitionName(spec.table, month);
      const range = `FOR VALUES FROM (${literal(month)}) TO (${literal(to)})`;
      const [{ has_rows }] = await m.query(
        `SELECT EXISTS (SELECT 1 FROM ${ident(defaultPart)} WHERE ${col} >= $1 AND ${col} < $2) AS has_rows`,
        [month, to],
      );
      if (!has_rows) {
        await m.query(`CREATE TABLE ${ident(name)} PARTITION OF ${parent} ${range}`);
        result.created.push({ table: spec.table, partition: name, from: month, to });
        continue;
      }
      // PostgreSQL refuses a partition whose range has rows in DEFAULT: take DEFAULT out, create the
      // month, move its rows, put DEFAULT back. One transaction, so no reader sees rows missing.
      await m.query(`ALTER TABLE ${parent} DETACH PARTITION ${ident(defaultPart)}`);
      await m.query(`CREATE TABLE ${ident(name)} PARTITION OF ${parent} ${range}`);
      const [{ n: moved }] = await m.query(
        `WITH gone AS (DELETE FROM ${ident(defaultPart)} WHERE ${col} >= $1 AND ${col} < $2 RETURNING *),
              placed AS (INSERT INTO ${ident(name)} (${columns}) SELECT ${columns} FROM gone RETURNING 1)
         SELECT count(*)::int AS n FROM placed`,
        [month, to],
      );
      await m.query(`ALTER TABLE ${parent} ATTACH PARTITION ${ident(defaultPart)} DEFAULT`);
      result.created.push({ table: spec.table, partition: name, from: month, to });
      result.moved.push({ table: spec.table, partition: name, rows: moved });
    }

    for (const p of parts) {
      if (p.is_default || p.to! > cutoff) continue;
      await m.query(`ALTER TABLE ${parent} DETACH PARTITION ${ident(p.partition)}`);
      let kept = 0;
      if (spec.keepPastRetention) {
        [{ n: kept }] = await m.query(
          `WITH placed AS (INSERT INTO ${parent} (${columns}) SELECT ${columns} FROM ${ident(p.partition)} WHERE ${spec.keepPastRetention} RETURNING 1)
           SELECT count(*)::int AS n FROM placed`,
        );
      }
      await m.query(`DROP TABLE ${ident(p.partition)}`);
      result.dropped.push({ table: spec.table, partition: p.partition, keptRows: kept });
    }

    const keep = spec.keepPastRetention ? ` AND NOT (${spec.keepPastRetention})` : '';
    // A month-aligned cutoff leaves past rows in DEFAULT only; one in days, in the month it falls in as well.
    const [{ n: purged }] = await m.query(
      `WITH gone AS (DELETE FROM ${'months' in spec.retention ? ident(defaultPart) : parent} WHERE ${col} < $1${keep} RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [cutoff],
    );
    if (purged > 0) ('months' in spec.retention ? result.purgedFromDefault : result.expired).push({ table: spec.table, rows: purged });
  });
}

/** Brings every partitioned table in line with the settings; returns what it changed. */
export async function maintainPartitions(
  dataSource: DataSource,
  settings: PartitionSettings,
  now: Date = new Date(),
): Promise<MaintenanceResult> {
  const result: MaintenanceResult = { created: [], moved: [], dropped: [], purgedFromDefault: [], expired: [] };
  for (const spec of partitionedTables(settings)) {
    await maintainTable(dataSource, spec, settings.partitionMonthsAhead, now, result);
  }
  if (result.created.length + result.dropped.length + result.purgedFromDefault.length + result.expired.length > 0) {
    log.info(
      {
        created: result.created.map((c) => c.partition),
        moved: result.moved,
        dropped: result.dropped,
        purgedFromDefault: result.purgedFromDefault,
        expired: result.expired,
      },
      'partition maintenance changed partitions',
    );
  }
  return result;
}

/** Runs maintenance at start and then daily, as a serve component. Failures are logged: DEFAULT keeps inserts working. */
export class PartitionMaintainer extends PeriodicJob {
  constructor(dataSource: DataSource, settings: PartitionSettings, intervalMs = DAY_MS) {
    super('partition maintenance', () => maintainPartitions(dataSource, settings).then(() => undefined), intervalMs, log);
  }
}
