import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * COPY ... FROM STDIN in PostgreSQL's text format: the fastest way to add many new rows, used by the sync's writer for
 * the bulk of an initial list and by the change log for large batches of events. Values are escaped as the text format
 * requires (backslash, tab, newline, carriage return).
 */

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;

/** `text` as a COPY text-format field; most values need no escaping, and are checked for it without copying. */
export function copyText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(SPECIALS, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Copies `lines` (rows already encoded, tab-separated in `columns` order, each ending in a newline) into `table`. */
export async function copyRows(client: pg.PoolClient, table: string, columns: readonly string[], lines: readonly string[]): Promise<void> {
  await pipeline(Readable.from([Buffer.from(lines.join(''))]), client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
}
