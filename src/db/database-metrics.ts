import { Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { DatabasePart } from '../common/config.js';
import { logger } from '../common/logger.js';
import { PARTITIONED_TABLES } from './partition-maintenance.js';
import { poolCounters } from './pool-connections.js';

const log = logger.child({ component: 'metrics' });

/** Connections of each part's pool, read from the pools when /metrics is scraped. */
export function registerPoolMetrics(registry: Registry, pools: ReadonlyMap<DatabasePart, DataSource>, poolMax: Record<DatabasePart, number>): void {
  const registers = [registry];
  const each = (gauge: Gauge<'part'>, read: (c: NonNullable<ReturnType<typeof poolCounters>>, part: DatabasePart) => number) => {
    gauge.reset();
    for (const [part, dataSource] of pools) {
      const counters = poolCounters(dataSource);
      if (counters) gauge.set({ part }, read(counters, part));
    }
  };
  new Gauge({
    name: 'kubegraph_db_pool_connections_in_use',
    help: 'Connections of the part\'s pool held by a query or transaction (or being opened for one).',
    labelNames: ['part'],
    registers,
    collect() {
      each(this, (c) => c.totalCount - c.idleCount);
    },
  });
  new Gauge({
    name: 'kubegraph_db_pool_connections_idle',
    help: 'Open connections of the part\'s pool that no one holds.',
    labelNames: ['part'],
    registers,
    collect() {
      each(this, (c) => c.idleCount);
    },
  });
  new Gauge({
    name: 'kubegraph_db_pool_requests_waiting',
    help: 'Requests of the part waiting for a connection because its pool is at its maximum.',
    labelNames: ['part'],
    registers,
    collect() {
      each(this, (c) => c.waitingCount);
    },
  });
  new Gauge({
    name: 'kubegraph_db_pool_connections_max',
    help: 'Largest pool of the part (KUBEGRAPH_POOL_<PART>_MAX).',
    labelNames: ['part'],
    registers,
    collect() {
      each(this, (_c, part) => poolMax[part]);
    },
  });
}

interface PartitionCensus {
  table: string;
  partitions: number;
  defaultRows: number;
}

/**
 * Monthly partitions of each partitioned table and the rows in its DEFAULT partition, which should stay near zero
 * (rows land there only when their month has no partition yet). Read in one short transaction that gives up rather
 * than wait behind maintenance's locks, so that a scrape never hangs.
 */
async function partitionCensus(dataSource: DataSource): Promise<PartitionCensus[]> {
  return dataSource.transaction(async (m) => {
    await m.query(`SET LOCAL lock_timeout = '1s'`);
    await m.query(`SET LOCAL statement_timeout = '5s'`);
    const rows: Array<{ table: string; partitions: number; default_partition: string | null }> = await m.query(
      `SELECT p.relname AS table,
              count(*) FILTER (WHERE pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT')::int AS partitions,
              max(c.relname) FILTER (WHERE pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT') AS default_partition
         FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE p.relname = ANY($1) AND n.nspname = current_schema()
        GROUP BY p.relname`,
      [PARTITIONED_TABLES],
    );
    const out: PartitionCensus[] = [];
    for (const row of rows) {
      let defaultRows = 0;
      if (row.default_partition) {
        const [{ n }] = await m.query(`SELECT count(*)::bigint AS n FROM "${row.default_partition.replace(/"/g, '""')}"`);
        defaultRows = Number(n);
      }
      out.push({ table: row.table, partitions: row.partitions, defaultRows });
    }
    return out;
  });
}

/** Partitions present and rows in the DEFAULT partitions, counted when /metrics is scraped. */
export function registerPartitionMetrics(registry: Registry, pool: () => Promise<DataSource>): void {
  // Both gauges are collected by the same scrape, at once: they share one census.
  let census: Promise<PartitionCensus[] | undefined> | undefined;
  const take = (): Promise<PartitionCensus[] | undefined> => {
    census ??= pool()
      .then(partitionCensus)
      .catch((err: unknown) => {
        log.debug({ err: (err as Error).message }, 'partitions not counted for /metrics');
        return undefined;
      })
      .finally(() => setImmediate(() => (census = undefined)));
    return census;
  };
  const registers = [registry];
  new Gauge({
    name: 'kubegraph_db_partitions',
    help: 'Monthly partitions of each partitioned table (its DEFAULT partition not included).',
    labelNames: ['table'],
    registers,
    async collect() {
      const counted = await take();
      this.reset();
      for (const c of counted ?? []) this.set({ table: c.table }, c.partitions);
    },
  });
  new Gauge({
    name: 'kubegraph_db_default_partition_rows',
    help: 'Rows in the DEFAULT partition of each partitioned table: rows whose month has no partition of its own yet.',
    labelNames: ['table'],
    registers,
    async collect() {
      const counted = await take();
      this.reset();
      for (const c of counted ?? []) this.set({ table: c.table }, c.defaultRows);
    },
  });
}
