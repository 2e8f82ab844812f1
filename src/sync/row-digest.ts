/**
 * What the sync remembers per object instead of the object: one 32-bit hash per mapped column plus a 64-bit hash of
 * the whole row. Equality of all of them means "nothing we store changed"; the per-column hashes name the changed
 * columns for change events. A pod costs about a hundred bytes here instead of kilobytes of JSON.
 */
export type RowDigest = Uint32Array;

export type Row = Record<string, unknown>;

/** JSON of one column value; Dates and bigints made explicit. Object key order is the mapper's (stable per object). */
export function fieldJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/**
 * Digest of `row` over `columns` (in that order): per column a 32-bit FNV-1a, and a second, independently seeded FNV
 * of every column folded into two more words, so that a missed change needs several 32-bit collisions at once.
 * Scalars are hashed as they are, behind a type tag (no JSON made for them); object values are hashed as their JSON,
 * which `documents`, when given, receives by property (the writer sends it instead of serializing again).
 */
export function digestRow(row: Row, columns: readonly string[], documents?: Record<string, string>): RowDigest {
  const out = new Uint32Array(columns.length + 2);
  let w1 = 0x9e3779b9;
  let w2 = 0x85ebca6b;
  for (let i = 0; i < columns.length; i++) {
    const value = row[columns[i]!];
    let text: string;
    let tag: number;
    if (value === undefined || value === null) {
      text = '';
      tag = 0x6e;
    } else if (typeof value === 'string') {
      text = value;
      tag = 0x73;
    } else if (typeof value === 'number' || typeof value === 'bigint') {
      text = String(value);
      tag = 0x64;
    } else if (typeof value === 'boolean') {
      text = value ? 't' : 'f';
      tag = 0x62;
    } else if (value instanceof Date) {
      // The same digest as its ISO string: both are stored as the same timestamp.
      text = value.toISOString();
      tag = 0x73;
    } else {
      text = JSON.stringify(value);
      tag = 0x6a;
      if (documents) documents[columns[i]!] = text;
    }
    let h = Math.imul(0x811c9dc5 ^ tag, 0x01000193);
    let g = Math.imul(0x01000193 ^ i ^ (tag << 8), 0x5bd1e995);
    for (let j = 0; j < text.length; j++) {
      const c = text.charCodeAt(j);
      h = Math.imul(h ^ c, 0x01000193);
      g = Math.imul(g ^ c, 0x5bd1e995);
    }
    out[i] = h >>> 0;
    w1 = Math.imul(w1 ^ (g >>> 0), 0x01000193) >>> 0;
    w2 = (Math.imul(w2, 31) + (g >>> 0)) >>> 0;
  }
  out[columns.length] = w1;
  out[columns.length + 1] = w2;
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
