import { badInput } from '../errors.js';

export type CursorValue = string | number | boolean | null;
/**
 * The sort key of a row, in ORDER BY order, ending with a unique column so that keys never tie. Keep
 * timestamps exact: PostgreSQL stores microseconds and a JS Date only milliseconds, so put the value in
 * as text from SQL (e.g. `(extract(epoch from t) * 1000000)::bigint::text`), not `date.toISOString()`.
 */
export type CursorKey = readonly CursorValue[];

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Cursors carry the sort key values of their row (keyset pagination: `WHERE (k1, k2) > ($1, $2)`), plus
 * a tag naming the ordering, so a cursor taken under one ordering is refused under another rather than
 * silently paging from the wrong place. Encoded as base64url of JSON `[tag, ...key]`.
 */
export function encodeCursor(key: CursorKey, tag = ''): string {
  return Buffer.from(JSON.stringify([tag, ...key]), 'utf8').toString('base64url');
}

function isCursorValue(v: unknown): v is CursorValue {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

export interface DecodeCursorOptions {
  /** Ordering the cursor must have been issued for (same tag as `encodeCursor`). */
  tag?: string;
  /** Number of key values expected. */
  arity?: number;
  /** Argument name for the error message (`after` / `before`). */
  argName?: string;
}

export function decodeCursor(cursor: string, options: DecodeCursorOptions = {}): CursorValue[] {
  const argName = options.argName ?? 'after';
  const invalid = (why: string) =>
    badInput(`Argument "${argName}" is not a valid cursor (${why}); use a cursor returned by this connection`, { argumentName: argName });
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 4096 || !BASE64URL.test(cursor)) {
    throw invalid('malformed');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('malformed');
  }
  if (!Array.isArray(parsed) || parsed.length < 1 || typeof parsed[0] !== 'string' || !parsed.slice(1).every(isCursorValue)) {
    throw invalid('malformed');
  }
  const [tag, ...key] = parsed as [string, ...CursorValue[]];
  if (options.tag !== undefined && tag !== options.tag) throw invalid('issued for a different ordering');
  if (options.arity !== undefined && key.length !== options.arity) throw invalid('issued for a different ordering');
  return key;
}
