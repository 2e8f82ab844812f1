import type { K8sObject } from './k8s-object.js';
import { objectKey } from './k8s-object.js';
import { RingBuffer } from './ring-buffer.js';
import type { ResourceName, ResourceType } from './resource-types.js';
import { RESOURCE_TYPES } from './resource-types.js';

/** One immutable version of an object; its JSON is serialized once and reused by every list and watch. */
export class StoredObject {
  private serialized?: string;
  constructor(readonly key: string, readonly obj: K8sObject, readonly rv: number) {}
  json(): string {
    return (this.serialized ??= JSON.stringify(this.obj));
  }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  rv: number;
  resource: ResourceName;
  /** The new version (for DELETED: the last version, stamped with the deletion's resourceVersion). */
  object: StoredObject;
  /** The version before this event (absent for ADDED). */
  prev?: StoredObject;
  /** Serialized watch lines by event type, shared by every watcher that sends this event. */
  lines?: Partial<Record<WatchEventType, string>>;
}

export interface PageRequest {
  /** Snapshot resourceVersion; the current state when it equals the store's resourceVersion. */
  rv: number;
  namespace?: string;
  /** Exclusive start key (from a continue token). */
  after?: string;
  limit?: number;
  match?: (obj: K8sObject) => boolean;
}

export interface Page {
  items: StoredObject[];
  /** Key of the last returned item when more keys follow. */
  continueAfter?: string;
  remainingItemCount?: number;
}

export class ExpiredError extends Error {}

/** The objects of one resource: a map, its keys kept sorted (etcd order), and a bounded event history. */
class ResourceStore {
  readonly objects = new Map<string, StoredObject>();
  keys: string[] = [];
  readonly history: RingBuffer<StoreEvent>;
  /** Every event with rv > floorRv is still in `history`. */
  floorRv = 0;
  readonly listeners = new Set<(e: StoreEvent) => void>();

  constructor(readonly type: ResourceType, historyLimit: number) {
    this.history = new RingBuffer(historyLimit);
  }
}

export class ObjectStore {
  private rv: number;
  private bulk = false;
  /** The events of the write collect() is running, of every resource. */
  private collected?: StoreEvent[];
  private readonly stores = new Map<ResourceName, ResourceStore>();
  private readonly mirrors = new Map<ResourceName, { to: ResourceName; convert: (obj: K8sObject) => K8sObject }>();

  constructor(historyLimit: number, initialRv = 0) {
    this.rv = initialRv;
    for (const t of RESOURCE_TYPES) this.stores.set(t.name, new ResourceStore(t, historyLimit));
  }

  get resourceVersion(): number {
    return this.rv;
  }

  resource(name: ResourceName): ResourceStore {
    const s = this.stores.get(name);
    if (!s) throw new Error(`unknown resource ${name}`);
    return s;
  }

  /**
   * Makes `to` a second shape of `from`, as one object served by two API groups: every write of `from` is repeated
   * on `to`, converted, with the same resourceVersion.
   */
  mirror(from: ResourceName, to: ResourceName, convert: (obj: K8sObject) => K8sObject): void {
    this.mirrors.set(from, { to, convert });
  }

  /** Loads many objects without recording history; keys are sorted once at the end. */
  bulkLoad(load: () => void): void {
    this.bulk = true;
    try {
      load();
    } finally {
      this.bulk = false;
      for (const s of this.stores.values()) {
        s.keys.sort(compareKeys);
        s.floorRv = this.rv;
      }
    }
  }

  /** Runs `write` and returns every event it caused, of every resource, in order. */
  collect(write: () => void): StoreEvent[] {
    const events: StoreEvent[] = (this.collected = []);
    try {
      write();
    } finally {
      this.collected = undefined;
    }
    return events;
  }

  get(resource: ResourceName, key: string): StoredObject | undefined {
    return this.resource(resource).objects.get(key);
  }

  values(resource: ResourceName): StoredObject[] {
    const s = this.resource(resource);
    return s.keys.map((k) => s.objects.get(k) as StoredObject);
  }

  count(resource: ResourceName): number {
    return this.resource(resource).objects.size;
  }

  /** Sorted keys (do not modify). */
  keys(resource: ResourceName): readonly string[] {
    return this.resource(resource).keys;
  }

  create(resource: ResourceName, obj: K8sObject): StoredObject {
    const s = this.resource(resource);
    const key = objectKey(obj);
    if (s.objects.has(key)) throw new Error(`${s.type.singularName} ${key} already exists`);
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const stored = this.insert(s, resource, key, obj, rv);
    const m = this.mirrors.get(resource);
    if (m) this.mirrored(() => this.insert(this.resource(m.to), m.to, key, m.convert(obj), rv));
    return stored;
  }

  private insert(s: ResourceStore, resource: ResourceName, key: string, obj: K8sObject, rv: number): StoredObject {
    const stored = new StoredObject(key, obj, rv);
    s.objects.set(key, stored);
    if (this.bulk) s.keys.push(key);
    else s.keys.splice(lowerBound(s.keys, key), 0, key);
    this.record(s, { type: 'ADDED', rv, resource, object: stored });
    return stored;
  }

  /**
   * Copies the current version, lets `mutate` change the copy, and stores it as the next version. With
   * `scope: 'status'` only `status` is deep-copied (the rest is shared with the previous version), for mutations
   * that change nothing but the status.
   */
  update(resource: ResourceName, key: string, mutate: (obj: K8sObject) => void, scope: 'object' | 'status' = 'object'): StoredObject {
    const s = this.resource(resource);
    const prev = s.objects.get(key);
    if (!prev) throw new Error(`${s.type.singularName} ${key} not found`);
    // A JSON round trip is a faster deep copy than structuredClone for these plain objects. While bulk loading,
    // nothing has seen the previous version yet, so it is changed in place.
    const obj: K8sObject = this.bulk ? prev.obj
      : scope === 'status' ? { ...prev.obj, metadata: { ...prev.obj.metadata }, status: JSON.parse(JSON.stringify(prev.obj.status ?? {})) }
        : JSON.parse(JSON.stringify(prev.obj));
    mutate(obj);
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const stored = this.replace(s, resource, key, obj, rv, prev);
    const m = this.mirrors.get(resource);
    if (m) {
      const ms = this.resource(m.to);
      this.mirrored(() => this.replace(ms, m.to, key, m.convert(obj), rv, ms.objects.get(key) as StoredObject));
    }
    return stored;
  }

  private replace(s: ResourceStore, resource: ResourceName, key: string, obj: K8sObject, rv: number, prev: StoredObject): StoredObject {
    const stored = new StoredObject(key, obj, rv);
    s.objects.set(key, stored);
    this.record(s, { type: 'MODIFIED', rv, resource, object: stored, prev });
    return stored;
  }

  delete(resource: ResourceName, key: string): StoredObject {
    const s = this.resource(resource);
    if (!s.objects.has(key)) throw new Error(`${s.type.singularName} ${key} not found`);
    const rv = ++this.rv;
    const stored = this.remove(s, resource, key, rv);
    const m = this.mirrors.get(resource);
    if (m) this.mirrored(() => this.remove(this.resource(m.to), m.to, key, rv));
    return stored;
  }

  /** A mirror's write is the same write as its source's: watches of the mirror see it, collect() does not again. */
  private mirrored(write: () => void): void {
    const collected = this.collected;
    this.collected = undefined;
    try {
      write();
    } finally {
      this.collected = collected;
    }
  }

  private remove(s: ResourceStore, resource: ResourceName, key: string, rv: number): StoredObject {
    const prev = s.objects.get(key) as StoredObject;
    // The deleted version differs only in its resourceVersion; everything else is shared with the last version.
    const obj: K8sObject = { ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(rv) } };
    const stored = new StoredObject(key, obj, rv);
    s.objects.delete(key);
    // While bulk loading, keys are not sorted yet.
    const i = this.bulk ? s.keys.indexOf(key) : lowerBound(s.keys, key);
    if (s.keys[i] === key) s.keys.splice(i, 1);
    this.record(s, { type: 'DELETED', rv, resource, object: stored, prev });
    return stored;
  }

  /** Drops all history: any resourceVersion older than now becomes too old for watch and continue. */
  compact(): void {
    for (const s of this.stores.values()) {
      s.history.clear();
      s.floorRv = this.rv;
    }
  }

  floorRv(resource: ResourceName): number {
    return this.resource(resource).floorRv;
  }

  /** Events of `resource` with rv > `sinceRv`, oldest first; throws ExpiredError when history no longer reaches back. */
  eventsSince(resource: ResourceName, sinceRv: number): StoreEvent[] {
    const s = this.resource(resource);
    if (sinceRv < s.floorRv) throw new ExpiredError(`too old resource version: ${sinceRv} (${s.floorRv + 1})`);
    const out: StoreEvent[] = [];
    for (let i = s.history.lowerBound((e) => e.rv > sinceRv); i < s.history.length; i++) out.push(s.history.at(i));
    return out;
  }

  subscribe(resource: ResourceName, listener: (e: StoreEvent) => void): () => void {
    const s = this.resource(resource);
    s.listeners.add(listener);
    return () => s.listeners.delete(listener);
  }

  /**
   * One page of the list as it was at `req.rv`: current keys merged with an overlay that undoes
   * every event newer than the snapshot, so pages of one list stay consistent under concurrent change.
   */
  page(resource: ResourceName, req: PageRequest): Page {
    const s = this.resource(resource);
    const overlay = req.rv === this.rv ? undefined : this.overlayAt(s, req.rv);
    const prefix = req.namespace !== undefined && s.type.namespaced ? `${req.namespace}/` : '';
    const from = req.after !== undefined && req.after >= prefix ? req.after : undefined;
    const inRange = (k: string) => k.startsWith(prefix) && (from === undefined || k > from);

    const overlayKeys = overlay ? [...overlay.keys()].filter(inRange).sort(compareKeys) : [];
    const keys = s.keys;
    let i = from === undefined ? lowerBound(keys, prefix) : upperBound(keys, from);
    let j = 0;
    const limit = req.limit && req.limit > 0 ? req.limit : Infinity;
    const items: StoredObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    for (;;) {
      const ck = i < keys.length && keys[i].startsWith(prefix) ? keys[i] : undefined;
      const ok = j < overlayKeys.length ? overlayKeys[j] : undefined;
      if (ck === undefined && ok === undefined) break;
      let key: string;
      if (ok === undefined || (ck !== undefined && ck < ok)) { key = ck as string; i++; }
      else { key = ok; j++; if (ck === ok) i++; }
      const item = overlay?.has(key) ? overlay.get(key) : s.objects.get(key);
      if (!item) continue;
      if (items.length >= limit) { more = true; break; }
      if (req.match && !req.match(item.obj)) continue;
      items.push(item);
      lastKey = key;
    }
    if (!more || lastKey === undefined) return { items };
    const page: Page = { items, continueAfter: lastKey };
    if (!req.match) page.remainingItemCount = this.countAfter(s, prefix, lastKey, overlay);
    return page;
  }

  private countAfter(s: ResourceStore, prefix: string, after: string, overlay?: Map<string, StoredObject | null>): number {
    const end = prefix ? lowerBound(s.keys, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)) : s.keys.length;
    let n = end - upperBound(s.keys, after);
    if (overlay) {
      for (const [k, v] of overlay) {
        if (!k.startsWith(prefix) || k <= after) continue;
        n += (v ? 1 : 0) - (s.objects.has(k) ? 1 : 0);
      }
    }
    return n;
  }

  private overlayAt(s: ResourceStore, rv: number): Map<string, StoredObject | null> {
    if (rv < s.floorRv) throw new ExpiredError(`too old resource version: ${rv} (${s.floorRv + 1})`);
    const overlay = new Map<string, StoredObject | null>();
    for (let i = s.history.length - 1; i >= 0; i--) {
      const e = s.history.at(i);
      if (e.rv <= rv) break;
      overlay.set(e.object.key, e.prev ?? null);
    }
    return overlay;
  }

  private record(s: ResourceStore, e: StoreEvent): void {
    if (this.bulk) return;
    const evicted = s.history.push(e);
    if (evicted) s.floorRv = evicted.rv;
    this.collected?.push(e);
    for (const l of s.listeners) l(e);
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(keys: readonly string[], key: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
