import type { Logger } from '../common/logger.js';
import { digestColumns, type TableSpec } from './inventory-tables.js';
import type { Obj } from './k8s-fields.js';
import { deletionTime } from './k8s-fields.js';
import type { KubeObjectLike, ReflectorHandler } from './reflector.js';
import { changedColumns, digestRow, type Row, type RowDigest, sameDigest } from './row-digest.js';
import type { Writer } from './writer.js';

const EMPTY: RowDigest = new Uint32Array(0);

export interface RowHandlerOptions {
  spec: TableSpec;
  map: (obj: Obj) => Row;
  writer: Writer;
  log: Logger;
  /** Called with every mapped object and every removal, for the small side indexes some kinds keep. */
  observe?: (obj: Obj, row: Row | undefined, removed: boolean) => void;
  /**
   * True when the database held no live row of this cluster as the sync began: every row of the kind is then one
   * its first list wrote, so that list's deletion sweep would find nothing and is skipped.
   */
  storedNothingBefore?: () => boolean;
}

/**
 * The common path from a reflector to the writer for a kind stored one row per object: map, digest, compare, enqueue.
 * An object whose mapped row did not change (only its resourceVersion or unstored fields did) is not written.
 */
export class RowHandler implements ReflectorHandler {
  private readonly columns: string[];

  constructor(private readonly o: RowHandlerOptions) {
    this.columns = digestColumns(o.spec);
  }

  upsert(obj: KubeObjectLike, previous: RowDigest | undefined): RowDigest {
    const row = this.map(obj);
    if (!row) return previous ?? EMPTY;
    this.o.observe?.(obj as Obj, row, false);
    const documents: Record<string, string> = {};
    const digest = digestRow(row, this.columns, documents);
    if (sameDigest(previous, digest)) return previous!;
    const known = previous !== undefined && previous.length > 0;
    const changedFields = changedColumns(known ? previous : undefined, digest, this.columns);
    this.o.writer.enqueue({
      op: 'upsert',
      spec: this.o.spec,
      key: this.o.spec.keyOf(row),
      row,
      changedFields,
      documents,
      added: !known,
    });
    return digest;
  }

  remove(uid: string, _previous: RowDigest | undefined, obj: KubeObjectLike | undefined): void {
    if (obj) {
      this.o.observe?.(obj as Obj, undefined, true);
      const row = this.map(obj);
      if (row) {
        row.deletedAt = deletionTime(obj as Obj);
        this.o.writer.enqueue({ op: 'delete', spec: this.o.spec, key: this.o.spec.keyOf(row), row, changedFields: [] });
        return;
      }
    }
    this.o.observe?.({ metadata: { uid } }, undefined, true);
    this.o.writer.enqueue({ op: 'deleteKey', spec: this.o.spec, key: uid });
  }

  listed(present: ReadonlySet<string>, first: boolean): void {
    if (first && this.o.storedNothingBefore?.()) return;
    this.o.writer.enqueueSweep({ spec: this.o.spec, present: [...present] });
  }

  private map(obj: KubeObjectLike): Row | undefined {
    try {
      return this.o.map(obj as Obj);
    } catch (err) {
      // One malformed object must not stop the sync of the others; it stays as last written.
      this.o.log.error({ kind: this.o.spec.kind, name: obj.metadata?.name, namespace: obj.metadata?.namespace, err: (err as Error).message }, 'object cannot be mapped; skipped');
      return undefined;
    }
  }
}
