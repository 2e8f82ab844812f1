import { PERSISTENT_VOLUME_CLAIMS } from './inventory-tables.js';
import type { Obj } from './k8s-fields.js';
import { claimsOf } from './pod.mapper.js';
import type { Writer } from './writer.js';

/**
 * Which live pods mount each PersistentVolumeClaim (for storage cost per workload). Only pods that mount a claim are
 * remembered, by uid, with the claims they mount.
 */
export class ClaimMounts {
  private readonly byPod = new Map<string, { name: string; claims: string[] }>();
  private readonly byClaim = new Map<string, Set<string>>();

  constructor(private readonly writer: Writer) {}

  /** Pods mounting `namespace/name`, sorted; read by the writer when it writes the claim. */
  podsFor(namespace: string, name: string): string[] {
    return [...(this.byClaim.get(`${namespace}/${name}`) ?? [])].sort();
  }

  observePod(obj: Obj, removed: boolean): void {
    const uid = obj.metadata?.uid as string;
    const before = this.byPod.get(uid);
    const claims = removed || ['Succeeded', 'Failed'].includes(obj.status?.phase) ? [] : claimsOf(obj);
    if (!before && claims.length === 0) return;
    const name = before?.name ?? (obj.metadata.name as string);
    const touched = new Set<string>();
    for (const claim of before?.claims ?? []) {
      if (!claims.includes(claim)) {
        const set = this.byClaim.get(claim);
        set?.delete(before!.name);
        if (set?.size === 0) this.byClaim.delete(claim);
        touched.add(claim);
      }
    }
    for (const claim of claims) {
      if (!this.byClaim.has(claim)) this.byClaim.set(claim, new Set());
      const set = this.byClaim.get(claim)!;
      if (!set.has(name)) {
        set.add(name);
        touched.add(claim);
      }
    }
    if (claims.length === 0) this.byPod.delete(uid);
    else this.byPod.set(uid, { name, claims });
    for (const claim of touched) {
      const slash = claim.indexOf('/');
      this.writer.enqueue({
        op: 'extras',
        spec: PERSISTENT_VOLUME_CLAIMS,
        key: claim,
        where: { namespace: claim.slice(0, slash), name: claim.slice(slash + 1) },
      });
    }
  }
}
