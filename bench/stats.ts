import { readFileSync } from 'node:fs';

/**
 * Nearest-rank percentile of an ascending array: the smallest value with at least p % of the values at or below it
 * (index ⌈p/100 · n⌉ − 1). NaN for an empty array. Every benchmark reports percentiles through this one definition.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq: every process, ours and the database's) since boot. */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq] = fields as [number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq) / 100;
}
