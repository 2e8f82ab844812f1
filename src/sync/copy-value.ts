import { copyText } from '../db/bulk-copy.js';
import type { ColumnDef } from './inventory-tables.js';

/** A mapped row's value as a COPY text-format field of a column of `type`. */
export function copyValue(value: unknown, type: ColumnDef['type']): string {
  if (value === null || value === undefined) return '\\N';
  if (type === 'jsonb') return copyText(JSON.stringify(value));
  if (type === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  return copyText(String(value));
}
