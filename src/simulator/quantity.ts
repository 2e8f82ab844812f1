/** Kubernetes quantity formatting and the small amount of parsing the simulator needs for its own specs. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Parses a quantity to its numeric value in base units (cores or bytes). */
export function parseQuantity(q: string): number {
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) throw new Error(`invalid quantity "${q}"`);
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix in BINARY) return n * BINARY[suffix];
  if (suffix in DECIMAL) return n * DECIMAL[suffix];
  throw new Error(`invalid quantity "${q}": unknown suffix "${suffix}"`);
}

export function cpuMillis(q: string): number {
  return Math.round(parseQuantity(q) * 1000);
}

/** CPU as metrics-server reports it: integer nanocores, e.g. `329087452n`. */
export function formatNanoCores(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

/** Memory as metrics-server reports it: integer kibibytes, e.g. `2748180Ki`. */
export function formatKi(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / 1024))}Ki`;
}

/** CPU as users write it: `250m`, or whole cores `2`. */
export function formatMillis(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Memory the way a spec usually says it: the largest binary suffix that divides exactly. */
export function formatBytes(bytes: number): string {
  for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    if (bytes % BINARY[s] === 0 && bytes >= BINARY[s]) return `${bytes / BINARY[s]}${s}`;
  }
  return String(bytes);
}
