import { bytes, cpuMillicores, QuantityError } from './quantity.js';

/** Small readers shared by the mappers: tolerant of absent fields, strict about malformed quantities. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

export function int(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : fallback;
}

export function stringMap(v: unknown): Record<string, string> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
}

const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** RFC 3339 timestamps as the API sends them (UTC, `Z`) are kept as they are; anything else is normalised. */
export function timestamp(v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0) return null;
  if (RFC3339_UTC.test(v)) return v;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The first label value present among `keys` (label keys are configurable, e.g. team / owner-team). */
export function firstLabel(labels: Record<string, string>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const v = labels[key];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return null;
}

// A cluster uses few distinct quantity strings ("100m", "128Mi"), each on thousands of pods: parse each once.
const parsed = new Map<string, number>();
const MAX_CACHED = 10_000;

/** A quantity that must parse; the error names the object and the field so a bad value can be found. */
function quantity(convert: (q: string | number) => bigint, v: unknown, where: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const key = `${convert === cpuMillicores ? 'c' : 'b'}${v as string}`;
  const hit = parsed.get(key);
  if (hit !== undefined) return hit;
  try {
    const value = Number(convert(v as string));
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(key, value);
    return value;
  } catch (err) {
    if (err instanceof QuantityError) throw new QuantityError(`${where}: ${err.message}`);
    throw err;
  }
}

export function millicores(v: unknown, where: string): number | null {
  return quantity(cpuMillicores, v, where);
}

export function byteCount(v: unknown, where: string): number | null {
  return quantity(bytes, v, where);
}

/** The controlling owner (ownerReferences[].controller), or the first owner. */
export function controllerOf(meta: Obj | undefined): { kind: string; name: string; uid: string } | null {
  const refs = Array.isArray(meta?.ownerReferences) ? (meta!.ownerReferences as Obj[]) : [];
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  return ref ? { kind: String(ref.kind), name: String(ref.name), uid: String(ref.uid) } : null;
}

/** When the object was deleted: its deletionTimestamp when the API sent one, else now. */
export function deletionTime(obj: Obj | undefined): string {
  return timestamp(obj?.metadata?.deletionTimestamp) ?? new Date().toISOString();
}
