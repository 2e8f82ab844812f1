import { isCalendarDay, isUuid } from '../../common/formats.js';
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

/** The SQL type a sort key value is cast to when a cursor is used (cursors carry the values as text). */
export type CursorValueType = 'text' | 'uuid' | 'timestamptz' | 'bigint' | 'integer' | 'double precision' | 'numeric';

const INTEGER = /^[+-]?\d{1,20}$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** PostgreSQL's ISO text of a timestamptz, as `::text` gives it. */
const TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:[+-](\d{2})(?::\d{2}){0,2}|Z)?$/;

function withinBits(text: string, bits: bigint): boolean {
  const value = BigInt(text);
  return value >= -(1n << (bits - 1n)) && value < 1n << (bits - 1n);
}

function isTimestamp(text: string): boolean {
  if (text === 'infinity' || text === '-infinity') return true;
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offset] = m.slice(1).map((g) => (g === undefined ? 0 : Number(g)));
  return isCalendarDay(year!, month!, day!) && hour! < 24 && minute! < 60 && second! < 60 && offset! <= 15;
}

/** Whether a cursor value is text PostgreSQL takes as `type`: one that is not would fail the statement, not the request. */
const FITS: Record<CursorValueType, (text: string) => boolean> = {
  text: (t) => !t.includes('\u0000'),
  uuid: isUuid,
  timestamptz: isTimestamp,
  bigint: (t) => INTEGER.test(t) && withinBits(t, 64n),
  integer: (t) => INTEGER.test(t) && withinBits(t, 32n),
  'double precision': (t) => DECIMAL.test(t) && Number.isFinite(Number(t)),
  numeric: (t) => DECIMAL.test(t) && Number.isFinite(Number(t)),
};

function fits(value: CursorValue, type: CursorValueType): boolean {
  return (typeof value === 'string' || typeof value === 'number') && FITS[type](String(value));
}

function isCursorValue(v: unknown): v is CursorValue {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

export interface DecodeCursorOptions {
  /** Ordering the cursor must have been issued for (same tag as `encodeCursor`). */
  tag?: string;
  /** Number of key values expected. */
  arity?: number;
  /** The SQL type of each key value (implies `arity`): values that are not of their type are refused. */
  types?: readonly CursorValueType[];
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
  const arity = options.types?.length ?? options.arity;
  if (arity !== undefined && key.length !== arity) throw invalid('issued for a different ordering');
  if (options.types && !key.every((value, i) => fits(value, options.types![i]!))) throw invalid('its values do not fit this ordering');
  return key;
}
