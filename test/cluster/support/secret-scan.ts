import type { DataSource } from 'typeorm';

/**
 * Every place in the database where `needle` occurs: each text-like, json and bytea column of every table
 * (partitions included) is searched, bytea as raw bytes. Returns `table.column` for each hit.
 */
export async function findInDatabase(dataSource: DataSource, needle: string): Promise<string[]> {
  const columns: Array<{ table_name: string; column_name: string; data_type: string }> = await dataSource.query(
    `SELECT c.table_name, c.column_name, c.data_type
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')
      ORDER BY 1, 2`,
  );
  if (columns.length === 0) throw new Error('no columns to scan: is the schema there?');
  const hits: string[] = [];
  for (const col of columns) {
    const ident = `"${col.column_name.replace(/"/g, '""')}"`;
    const table = `"${col.table_name.replace(/"/g, '""')}"`;
    const bytes = col.data_type === 'bytea';
    const condition = bytes ? `position($1::bytea in ${ident}) > 0` : `strpos(${ident}::text, $1::text) > 0`;
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${condition}`, [bytes ? Buffer.from(needle, 'utf8') : needle]);
    if (n > 0) hits.push(`${col.table_name}.${col.column_name}`);
  }
  return hits;
}

/** Number of columns the scan covers, to show that it looked somewhere. */
export async function scannedColumnCount(dataSource: DataSource): Promise<number> {
  const [{ n }] = await dataSource.query(
    `SELECT count(*)::int AS n FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`,
  );
  return n;
}
