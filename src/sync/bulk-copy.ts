import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ColumnDef } from './inventory-tables.js';

/**
 * COPY ... FROM STDIN in PostgreSQL's text format: the fastest way to add many new rows, used by the writer for the
 * bulk of an initial list. Values are escaped as the text format requires (backslash, tab, newline, carriage return).
 */

function escape(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export function copyValue(value: unknown, type: ColumnDef['type'] | 'uuid'): string {
  if (value === null || value === undefined) return '\\N';
  if (type === 'jsonb') return escape(JSON.stringify(value));
  if (type === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  return escape(String(value));
}

/** Copies `rows` (arrays of already-encoded values, in `columns` order) into `table` on `client`'s transaction. */
export async function copyRows(client: pg.PoolClient, table: string, columns: readonly string[], rows: readonly string[][]): Promise<void> {
  const text = rows.map((r) => `${r.join('\t')}\n`).join('');
  await pipeline(Readable.from([Buffer.from(text)]), client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
}
