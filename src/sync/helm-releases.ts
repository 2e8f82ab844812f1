import type { Logger } from '../common/logger.js';
import { CLUSTER_API_PATHS } from './cluster-api-paths.js';
import { digestColumns, HELM_RELEASES } from './inventory-tables.js';
import type { Obj } from './k8s-fields.js';
import { mapHelmReleaseSecret } from './helm-release.mapper.js';
import type { KubeObjectLike, ListWatchClient, ReflectorHandler } from './reflector.js';
import { changedColumns, digestRow, type RowDigest, sameDigest } from './row-digest.js';
import type { Writer } from './writer.js';

interface Revision {
  revision: number;
  secretName: string;
}

const EMPTY: RowDigest = new Uint32Array(0);

/**
 * Helm keeps one Secret per release revision; the table keeps the latest revision of each release. Only the revision
 * numbers and secret names are remembered here, so that when the latest revision's secret goes (a rollback's cleanup)
 * the next one can be fetched and written.
 */
export class HelmReleases implements ReflectorHandler {
  private readonly releases = new Map<string, Map<string, Revision>>();
  private readonly releaseOfSecret = new Map<string, string>();
  private readonly columns = digestColumns(HELM_RELEASES);

  constructor(
    private readonly writer: Writer,
    private readonly client: ListWatchClient,
    private readonly log: Logger,
    /** As RowHandlerOptions.storedNothingBefore: a first list into an empty cluster has nothing to sweep. */
    private readonly storedNothingBefore: () => boolean = () => false,
  ) {}

  upsert(obj: KubeObjectLike, previous: RowDigest | undefined): RowDigest {
    let row;
    try {
      row = mapHelmReleaseSecret(obj as Obj);
    } catch (err) {
      this.log.warn({ secret: obj.metadata?.name, namespace: obj.metadata?.namespace, err: (err as Error).message }, 'helm release secret cannot be decoded; skipped');
      return previous ?? EMPTY;
    }
    const key = HELM_RELEASES.keyOf(row as unknown as Record<string, unknown>);
    const uid = obj.metadata!.uid!;
    if (!this.releases.has(key)) this.releases.set(key, new Map());
    const revisions = this.releases.get(key)!;
    revisions.set(uid, { revision: row.revision, secretName: obj.metadata!.name! });
    this.releaseOfSecret.set(uid, key);
    const digest = digestRow(row as unknown as Record<string, unknown>, this.columns);
    if (row.revision < this.latest(revisions)!.revision || sameDigest(previous, digest)) return digest;
    const changedFields = changedColumns(previous && previous.length > 0 ? previous : undefined, digest, this.columns);
    this.writer.enqueue({ op: 'upsert', spec: HELM_RELEASES, key, row: row as unknown as Record<string, unknown>, changedFields });
    return digest;
  }

  remove(uid: string): void {
    const key = this.releaseOfSecret.get(uid);
    if (!key) return;
    this.releaseOfSecret.delete(uid);
    const revisions = this.releases.get(key)!;
    const removed = revisions.get(uid);
    const wasLatest = removed !== undefined && removed.revision >= this.latest(revisions)!.revision;
    revisions.delete(uid);
    if (revisions.size === 0) {
      this.releases.delete(key);
      this.writer.enqueue({ op: 'deleteKey', spec: HELM_RELEASES, key });
      return;
    }
    if (wasLatest) void this.rewriteLatest(key, this.latest(revisions)!);
  }

  listed(_present: ReadonlySet<string>, first: boolean): void {
    if (first && this.storedNothingBefore()) return;
    this.writer.enqueueSweep({ spec: HELM_RELEASES, present: [...this.releases.keys()] });
  }

  private latest(revisions: Map<string, Revision>): Revision | undefined {
    let best: Revision | undefined;
    for (const r of revisions.values()) if (!best || r.revision > best.revision) best = r;
    return best;
  }

  private async rewriteLatest(key: string, latest: Revision): Promise<void> {
    const namespace = key.slice(0, key.indexOf('/'));
    try {
      const secret = await this.client.getJson<Obj>(CLUSTER_API_PATHS.secret(namespace, latest.secretName));
      const row = mapHelmReleaseSecret(secret);
      this.writer.enqueue({ op: 'upsert', spec: HELM_RELEASES, key, row: row as unknown as Record<string, unknown>, changedFields: [...this.columns] });
    } catch (err) {
      // The next relist writes it; until then the row shows the revision that was removed.
      this.log.warn({ release: key, err: (err as Error).message }, 'cannot read the previous helm revision');
    }
  }
}
