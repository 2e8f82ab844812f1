import { DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS, type TableSpec } from './inventory-tables.js';
import type { Row } from './row-digest.js';

/**
 * One change to one object, as the reflectors hand it over. `upsert` and `delete` carry the mapped row (a delete sets
 * deletedAt: rows are kept for history); `deleteKey` knows only the key; `extras` refreshes columns that other objects
 * determine (quotas on a namespace, mounting pods on a claim).
 */
export type Change = (
  | {
      op: 'upsert' | 'delete';
      spec: TableSpec;
      key: string;
      /** Owned by the writer once enqueued: it adds the stored ids to it for the change event, rather than copy it. */
      row: Row;
      changedFields: string[];
      /** JSON of the row's object-valued columns by property, made while digesting it; reused rather than redone. */
      documents?: Readonly<Record<string, string>>;
      /** First sighting of the object by this process: it may take over a name a vanished object still holds. */
      added?: boolean;
    }
  | { op: 'deleteKey'; spec: TableSpec; key: string }
  | { op: 'extras'; spec: TableSpec; key: string; where: Row }
) & {
  /** When the writer was handed the change (performance.now()), once the initial lists are written: for the sync lag. */
  seenAt?: number;
};

export type RowChange = Extract<Change, { op: 'upsert' | 'delete' }>;

/** After a complete list: every live row of `spec` whose key is not in `present` is gone from the cluster. */
export interface Sweep {
  spec: TableSpec;
  present: readonly string[];
}

/** Changes (or sweeps) taken to be written together in one transaction. */
export interface Batch {
  changes: Change[];
  sweeps: Sweep[];
  /** Runs alone: nothing else is taken while it is in flight. */
  exclusive: boolean;
}

/** What a batch in flight links: ReplicaSets it may insert, and the ReplicaSets its pods name as owner. */
interface Linking {
  replicaSets: Set<string>;
  owners: Set<string>;
}

interface Taken {
  claims: string[];
  linking: Linking;
}

/** Changes enqueued between two flush() calls, with the flush waiters that need all of them written. */
interface Segment {
  changes: Map<string, Change>;
  sweeps: Sweep[];
  waiters: Array<() => void>;
}

/**
 * The writer's queue, with no database in it (client-go's DeltaFIFO, for rows): changes keyed by object, an object's
 * later change coalesced into the one still waiting, sweeps ordered after the changes enqueued before them, and
 * batches taken so that those in flight together never share an object or a row they lock.
 *
 * A batch that may insert a namespace or deployment row, and every deletion sweep, runs alone, so that children written
 * next to it cannot miss their link. A new ReplicaSet only links the pods that name it as owner: such pods are kept out
 * of batches in flight beside the one that inserts it (and such a ReplicaSet out of batches beside one writing its
 * pods), and wait for its commit.
 */
export class ChangeQueue {
  private readonly segments: Segment[] = [{ changes: new Map(), sweeps: [], waiters: [] }];
  private readonly inFlightClaims = new Set<string>();
  private readonly inFlightLinking = new Set<Linking>();
  private readonly taken = new Map<Batch, Taken>();
  private exclusiveInFlight = false;

  enqueue(change: Change): void {
    const seg = this.segments[this.segments.length - 1]!;
    const id = `${change.op === 'extras' ? 'x:' : ''}${change.spec.kind}:${change.key}`;
    const prev = seg.changes.get(id);
    seg.changes.set(id, prev ? coalesce(prev, change) : change);
  }

  /** Queued after every change enqueued so far, and before any enqueued later. */
  enqueueSweep(sweep: Sweep): void {
    const seg = this.segments[this.segments.length - 1]!;
    seg.sweeps.push(sweep);
    this.segments.push({ changes: new Map(), sweeps: [], waiters: [] });
  }

  /** Changes and sweeps waiting to be taken. */
  get pending(): number {
    let n = 0;
    for (const seg of this.segments) n += seg.changes.size + seg.sweeps.length;
    return n;
  }

  /** Batches taken and not yet done. */
  get inFlight(): number {
    return this.taken.size;
  }

  /** Whether a batch that runs alone is in flight. */
  get exclusive(): boolean {
    return this.exclusiveInFlight;
  }

  /** Resolves once everything enqueued before the call has been taken and done. */
  whenDone(): Promise<void> {
    if (this.pending === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.segments[this.segments.length - 1]!.waiters.push(resolve);
      this.segments.push({ changes: new Map(), sweeps: [], waiters: [] });
    });
  }

  /**
   * Takes the next batch of at most `cap` changes that may start now, or undefined. Beside batches in flight, only a
   * batch of at least `concurrentMin` changes that need not run alone may start, so that light traffic is not split
   * into tiny transactions. Sweeps are taken alone, once every change before them is done.
   */
  take(cap: number, concurrentMin: number): Batch | undefined {
    if (this.exclusiveInFlight) return undefined;
    this.settle();
    const seg = this.segments[0]!;
    const concurrent = this.inFlight > 0;
    if (concurrent && seg.changes.size < concurrentMin) return undefined;
    const picked: Array<[string, Change]> = [];
    for (const entry of seg.changes) {
      if (claims(entry).some((k) => this.inFlightClaims.has(k)) || this.linksInFlight(entry[1])) continue;
      picked.push(entry);
      if (picked.length >= cap) break;
    }
    if (picked.length === 0) {
      if (seg.sweeps.length > 0 && seg.changes.size === 0 && !concurrent) return this.start([], seg.sweeps.splice(0), true);
      return undefined;
    }
    const exclusive = picked.some(([, c]) => needsExclusive(c));
    if (concurrent && (exclusive || picked.length < concurrentMin)) return undefined;
    for (const [id] of picked) seg.changes.delete(id);
    return this.start(picked, [], exclusive);
  }

  /** A batch from take() is written (or given up): what it held is free again, and flush waiters may be resolved. */
  done(batch: Batch): void {
    const taken = this.taken.get(batch);
    if (!taken) return;
    this.taken.delete(batch);
    if (batch.exclusive) this.exclusiveInFlight = false;
    this.inFlightLinking.delete(taken.linking);
    for (const k of taken.claims) this.inFlightClaims.delete(k);
    this.settle();
  }

  /** Drops everything waiting (the lease is lost: nothing may be written); returns how many changes and sweeps. */
  clear(): number {
    let dropped = 0;
    for (const seg of this.segments) {
      dropped += seg.changes.size + seg.sweeps.length;
      seg.changes.clear();
      seg.sweeps.length = 0;
    }
    this.settle();
    return dropped;
  }

  private start(picked: Array<[string, Change]>, sweeps: Sweep[], exclusive: boolean): Batch {
    const batch: Batch = { changes: picked.map(([, c]) => c), sweeps, exclusive };
    if (exclusive) this.exclusiveInFlight = true;
    const held = picked.flatMap(claims);
    for (const k of held) this.inFlightClaims.add(k);
    const linking: Linking = { replicaSets: new Set(), owners: new Set() };
    for (const [, c] of picked) {
      const owner = podOwner(c);
      if (owner !== undefined) linking.owners.add(owner);
      const created = createdReplicaSet(c);
      if (created !== undefined) linking.replicaSets.add(created);
    }
    this.inFlightLinking.add(linking);
    this.taken.set(batch, { claims: held, linking });
    return batch;
  }

  /** Resolves the waiters of segments that are fully written; only when nothing is in flight. */
  private settle(): void {
    if (this.inFlight > 0) return;
    while (this.segments.length > 0) {
      const seg = this.segments[0]!;
      if (seg.changes.size > 0 || seg.sweeps.length > 0) return;
      for (const w of seg.waiters.splice(0)) w();
      if (this.segments.length === 1) return;
      this.segments.shift();
    }
  }

  /** Whether a change links to a ReplicaSet row that a batch in flight may insert, or is such a row for their pods. */
  private linksInFlight(c: Change): boolean {
    if (this.inFlightLinking.size === 0) return false;
    const owner = podOwner(c);
    const created = createdReplicaSet(c);
    if (owner === undefined && created === undefined) return false;
    for (const l of this.inFlightLinking) {
      if ((owner !== undefined && l.replicaSets.has(owner)) || (created !== undefined && l.owners.has(created))) return true;
    }
    return false;
  }
}

// Nodes are no parent: rows name their node, nothing links to its id.
const PARENTS: ReadonlySet<TableSpec> = new Set([NAMESPACES, DEPLOYMENTS]);

/**
 * Changes that may insert a parent row (a first sighting), which children written beside it in another transaction
 * would not see. Retiring one only sets deleted_at, which the lookups of deployments ignore, and which leaves a
 * namespace's children linked as if they had been written just before.
 */
function needsExclusive(c: Change): boolean {
  if (!PARENTS.has(c.spec) || (c.op !== 'upsert' && c.op !== 'delete')) return false;
  return c.added === true;
}

/**
 * What a change holds while its batch is in flight; batches in flight together share none of it. Its id, so that each
 * object's changes commit in order. And, in a table that also takes extras (policies on namespaces, mounts on claims),
 * the stored row it locks: an object's upsert and its row's extras are separate changes, so two batches in flight
 * could lock the same two rows through them in opposite orders (an upsert locks its row even when nothing changes)
 * and deadlock, which PostgreSQL takes a second to break.
 */
function claims([id, c]: [string, Change]): string[] {
  if (c.spec.extraColumns.length === 0) return [id];
  const where = c.op === 'extras' ? c.where : c.op === 'upsert' || c.op === 'delete' ? c.row : undefined;
  return where ? [id, `row:${c.spec.kind}:${String(where.namespace ?? '')}/${String(where.name)}`] : [id];
}

/** The ReplicaSet whose row a pod's deployment link is looked up through. */
function podOwner(c: Change): string | undefined {
  if (c.spec !== PODS || (c.op !== 'upsert' && c.op !== 'delete') || c.row.ownerKind !== 'ReplicaSet') return undefined;
  return String(c.row.ownerUid);
}

/** The uid of a ReplicaSet row the change may insert (a first sighting); its pods are linked in the same transaction. */
function createdReplicaSet(c: Change): string | undefined {
  if (c.spec !== REPLICA_SETS || (c.op !== 'upsert' && c.op !== 'delete') || !c.added) return undefined;
  return String(c.row.uid);
}

/** The later change wins; it keeps the earlier one's seenAt, since the object has waited since then. */
function coalesce(prev: Change, next: Change): Change {
  if (next.op === 'extras' || prev.op === 'extras') {
    if (prev.seenAt !== undefined) next.seenAt = prev.seenAt;
    return next;
  }
  const prevFields = prev.op === 'deleteKey' ? [] : prev.changedFields;
  if (next.op === 'deleteKey') {
    // The object vanished after a change we had not written yet: write its last state, marked deleted.
    if (prev.op === 'deleteKey') return next;
    return { op: 'delete', spec: prev.spec, key: prev.key, row: { ...prev.row, deletedAt: new Date().toISOString() }, changedFields: prevFields, seenAt: prev.seenAt };
  }
  const fields = prevFields.length === 0 ? next.changedFields : [...new Set([...prevFields, ...next.changedFields])];
  const added = (prev.op !== 'deleteKey' && prev.added) || next.added;
  return { ...next, changedFields: fields, added, seenAt: prev.seenAt ?? next.seenAt };
}
