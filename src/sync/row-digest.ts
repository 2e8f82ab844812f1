/**
 * What the sync remembers per object instead of the object: one 32-bit hash per mapped column plus a 64-bit hash of
 * the whole row. Equality of all of them means "nothing we store changed"; the per-column hashes name the changed
 * columns for change events. A pod costs about a hundred bytes here instead of kilobytes of JSON.
 */
export type RowDigest = Uint32Array;

export type Row = Record<string, unknown>;

function stableStringify(value: unknown): string {
  if (value === undefined) return 'u';
  if (value instanceof Date) return `d${value.getTime()}`;
  if (typeof value === 'bigint') return `n${value}`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const keys = Object.keys(value as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Row)[k])}`).join(',')}}`;
}

/** FNV-1a over UTF-16 code units with a seed: fast, and good enough to tell column values apart. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Digest of `row` over `columns` (in that order). */
export function digestRow(row: Row, columns: readonly string[]): RowDigest {
  const out = new Uint32Array(columns.length + 2);
  let whole = '';
  for (let i = 0; i < columns.length; i++) {
    const text = stableStringify(row[columns[i]!]);
    out[i] = fnv1a(text, 0);
    whole += text;
    whole += '\u0000';
  }
  // Two more independently seeded hashes of the whole row make a missed change (all hashes colliding) negligible.
  out[columns.length] = fnv1a(whole, 0x9e3779b9);
  out[columns.length + 1] = fnv1a(whole, 0x85ebca6b);
  return out;
}

/** Columns whose hash differs; every column when there is no previous digest. */
export function changedColumns(previous: RowDigest | undefined, next: RowDigest, columns: readonly string[]): string[] {
  if (!previous || previous.length !== next.length) return [...columns];
  const changed: string[] = [];
  for (let i = 0; i < columns.length; i++) if (previous[i] !== next[i]) changed.push(columns[i]!);
  return changed;
}

export function sameDigest(a: RowDigest | undefined, b: RowDigest): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
