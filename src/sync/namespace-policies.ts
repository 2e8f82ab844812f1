import type { Logger } from '../common/logger.js';
import { NAMESPACES } from './inventory-tables.js';
import type { Obj } from './k8s-fields.js';
import { mapLimitRange } from './limit-range.mapper.js';
import { parseQuantity, type Quantity } from './quantity.js';
import { mapResourceQuota, type ResourceQuotaSummary } from './resource-quota.mapper.js';
import type { KubeObjectLike, ReflectorHandler } from './reflector.js';
import { digestRow, type RowDigest } from './row-digest.js';
import type { Writer } from './writer.js';

interface PolicyEntry {
  namespace: string;
  name: string;
}

function compare(a: Quantity, b: Quantity): number {
  const l = a.numerator * b.denominator;
  const r = b.numerator * a.denominator;
  return l < r ? -1 : l > r ? 1 : 0;
}

function pick(values: string[], want: 'min' | 'max'): string {
  let best = values[0]!;
  for (const v of values.slice(1)) {
    try {
      const c = compare(parseQuantity(v), parseQuantity(best));
      if ((want === 'min' && c < 0) || (want === 'max' && c > 0)) best = v;
    } catch {
      // An unparseable quantity cannot be ranked; the first readable one stands.
    }
  }
  return best;
}

/**
 * ResourceQuotas and LimitRanges are kept on their namespace row: several quotas on one resource combine to the
 * tightest hard limit (as admission enforces them) and the highest usage; limit ranges are listed by name.
 * Only these small objects are held in memory.
 */
export class NamespacePolicies {
  private readonly quotas = new Map<string, Map<string, ResourceQuotaSummary>>();
  private readonly limitRanges = new Map<string, Map<string, unknown[]>>();
  private readonly quotaUids = new Map<string, PolicyEntry>();
  private readonly limitUids = new Map<string, PolicyEntry>();

  constructor(
    private readonly writer: Writer,
    private readonly log: Logger,
  ) {}

  /** The namespace row's policy columns, read by the writer when it writes the namespace. */
  columnsFor(namespace: string): { resourceQuotaHard: Record<string, string> | null; resourceQuotaUsed: Record<string, string> | null; limitRanges: unknown[] | null } {
    const quotas = [...(this.quotas.get(namespace)?.values() ?? [])];
    const ranges = this.limitRanges.get(namespace);
    let hard: Record<string, string> | null = null;
    let used: Record<string, string> | null = null;
    if (quotas.length > 0) {
      hard = {};
      used = {};
      for (const key of new Set(quotas.flatMap((q) => Object.keys(q.hard)))) {
        hard[key] = pick(quotas.map((q) => q.hard[key]).filter((v): v is string => v !== undefined), 'min');
      }
      for (const key of new Set(quotas.flatMap((q) => Object.keys(q.used)))) {
        used[key] = pick(quotas.map((q) => q.used[key]).filter((v): v is string => v !== undefined), 'max');
      }
    }
    const limitRanges = ranges && ranges.size > 0 ? [...ranges.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, limits]) => ({ name, limits })) : null;
    return { resourceQuotaHard: hard, resourceQuotaUsed: used, limitRanges };
  }

  readonly quotaHandler: ReflectorHandler = {
    upsert: (obj, previous) => this.upsertPolicy(obj, previous, 'quota'),
    remove: (uid) => this.removePolicy(uid, 'quota'),
    listed: () => undefined,
  };

  readonly limitRangeHandler: ReflectorHandler = {
    upsert: (obj, previous) => this.upsertPolicy(obj, previous, 'limits'),
    remove: (uid) => this.removePolicy(uid, 'limits'),
    listed: () => undefined,
  };

  private upsertPolicy(obj: KubeObjectLike, previous: RowDigest | undefined, kind: 'quota' | 'limits'): RowDigest {
    const o = obj as Obj;
    const namespace = o.metadata.namespace as string;
    const name = o.metadata.name as string;
    let digest: RowDigest;
    if (kind === 'quota') {
      const summary = mapResourceQuota(o);
      digest = digestRow({ hard: summary.hard, used: summary.used }, ['hard', 'used']);
      if (!this.quotas.has(namespace)) this.quotas.set(namespace, new Map());
      this.quotas.get(namespace)!.set(name, summary);
      this.quotaUids.set(o.metadata.uid, { namespace, name });
    } else {
      const summary = mapLimitRange(o);
      digest = digestRow({ limits: summary.limits }, ['limits']);
      if (!this.limitRanges.has(namespace)) this.limitRanges.set(namespace, new Map());
      this.limitRanges.get(namespace)!.set(name, summary.limits);
      this.limitUids.set(o.metadata.uid, { namespace, name });
    }
    if (!previous || previous.length !== digest.length || previous.some((v, i) => v !== digest[i])) this.touch(namespace);
    return digest;
  }

  private removePolicy(uid: string, kind: 'quota' | 'limits'): void {
    const index = kind === 'quota' ? this.quotaUids : this.limitUids;
    const entry = index.get(uid);
    if (!entry) return;
    index.delete(uid);
    const byNamespace = kind === 'quota' ? this.quotas : this.limitRanges;
    const map = byNamespace.get(entry.namespace);
    map?.delete(entry.name);
    if (map?.size === 0) byNamespace.delete(entry.namespace);
    this.touch(entry.namespace);
  }

  private touch(namespace: string): void {
    this.log.debug({ namespace }, 'namespace policies changed');
    this.writer.enqueue({ op: 'extras', spec: NAMESPACES, key: namespace, where: { name: namespace } });
  }
}
