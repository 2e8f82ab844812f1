import type { DataSource } from 'typeorm';

/** Every object in the public schema, as `kind name`, sorted: a fingerprint to compare schemas. */
export async function catalogObjects(ds: DataSource): Promise<string[]> {
  const rows: Array<{ kind: string; name: string }> = await ds.query(
    `SELECT c.relkind::text AS kind, c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' ORDER BY c.relname`,
  );
  return rows.map((r) => `${r.kind} ${r.name}`);
}

/** Definitions of indexes, constraints and views, for comparing a rebuilt schema to the original. */
export async function schemaDefinition(ds: DataSource): Promise<string[]> {
  const indexes: Array<{ d: string }> = await ds.query(`SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
  const constraints: Array<{ d: string }> = await ds.query(
    `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace ORDER BY 1`,
  );
  const views: Array<{ d: string }> = await ds.query(`SELECT viewname || ' ' || definition AS d FROM pg_views WHERE schemaname = 'public' ORDER BY viewname`);
  const columns: Array<{ d: string }> = await ds.query(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS d
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  return [...indexes, ...constraints, ...views, ...columns].map((r) => r.d);
}
