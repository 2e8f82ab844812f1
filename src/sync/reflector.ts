import type { Logger } from '../common/logger.js';
import { Backoff, sleep } from './backoff.js';
import type { ListGate } from './list-gate.js';
import type { RowDigest } from './row-digest.js';
import type { ReflectorMetrics } from './sync-metrics.js';

/** The part of KubeClient the reflector needs (src/cluster/kube-client.ts). */
export interface ListWatchClient {
  getJson<T>(path: string, opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<T>;
  watch<T>(path: string, opts?: { signal?: AbortSignal; timeoutMs?: number }): AsyncIterable<{ type: string; object: T }>;
}

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  [k: string]: unknown;
}

export interface KubeObjectLike {
  metadata?: ObjectMetaLike;
  [k: string]: unknown;
}

interface ListResponse {
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items?: KubeObjectLike[];
}

/**
 * What a reflector feeds. `upsert` returns the digest to remember for the object; the reflector keeps nothing else.
 */
export interface ReflectorHandler {
  upsert(obj: KubeObjectLike, previous: RowDigest | undefined): RowDigest;
  /** The object is gone: `obj` is its final state from a DELETED event, undefined when a relist found it missing. */
  remove(uid: string, previous: RowDigest | undefined, obj: KubeObjectLike | undefined): void;
  /**
   * A complete list finished; `present` holds every uid it returned (anything else stored for this kind is gone).
   * `first`: the reflector's first list, read in one pass (not started over), so nothing it handed over is missing from it.
   */
  listed(present: ReadonlySet<string>, first: boolean): void | Promise<void>;
}

export interface ReflectorOptions {
  /** e.g. `/api/v1/pods` or `/apis/apps/v1/deployments`. */
  path: string;
  /** Read instead, from then on, when the first list of `path` answers 404 (an API group this server does not serve). */
  fallbackPath?: string;
  /** Resource name for logs and health messages (`pods`). */
  resource: string;
  client: ListWatchClient;
  handler: ReflectorHandler;
  log: Logger;
  fieldSelector?: string;
  labelSelector?: string;
  pageSize?: number;
  /** Server-side watch timeout; each watch asks for a random value between this and twice this. */
  watchTimeoutSeconds?: number;
  /** No event and no bookmark for this long: the stream is presumed dead (half-open) and reopened. */
  inactivityMs?: number;
  requestTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onProgress?: (listed: number, total: number | undefined) => void;
  /**
   * Awaited after each list page and each watch event: lets a slower consumer (the database) hold the loop back, so
   * that unwritten changes do not pile up in memory. A watch that is not read is held back by TCP.
   */
  backpressure?: () => Promise<void> | undefined;
  /** Taken for the duration of each full list (see ListGate). */
  listGate?: ListGate;
  /** Place in the list gate's queue: higher goes first (default 0). */
  listPriority?: number;
  /** Where watch restarts and relists are counted. */
  metrics?: ReflectorMetrics;
}

export type ReflectorPhase = 'idle' | 'listing' | 'watching' | 'backoff' | 'stopped';

export interface ReflectorStatus {
  resource: string;
  phase: ReflectorPhase;
  /** The latest error while it has not been followed by a success. */
  lastError: string | undefined;
  /** When the current run of failures began (ms epoch), undefined while healthy. */
  failingSince: number | undefined;
  synced: boolean;
  objects: number;
  lists: number;
  watches: number;
}

interface StoreEntry {
  rv: string;
  digest: RowDigest;
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class WatchExpired extends Error {}

/**
 * One list+watch loop for one cluster and one kind. Owned here rather than taken from client-node's informer,
 * which never asks for bookmarks and stops for good on most errors: this loop retries everything with backoff and
 * ends only on stop().
 */
export class Reflector {
  private readonly store = new Map<string, StoreEntry>();
  private readonly backoff: Backoff;
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private resourceVersion: string | undefined;
  private currentPhase: ReflectorPhase = 'idle';
  private lastError: string | undefined;
  private failingSince: number | undefined;
  private listCount = 0;
  private listAttempts = 0;
  private watchCount = 0;
  private relistRequested = false;
  private streamController: AbortController | undefined;
  /** Until this resolves, the first list's pages wait to be handed over (start()). */
  private applyAfter: Promise<void> | undefined;
  private syncedResolve!: () => void;
  private syncedFlag = false;
  /** Resolves once the first complete list has been handed to the handler. */
  readonly synced: Promise<void>;
  /** A watch has been opened since the last list: the next one is a restart. */
  private watchedSinceList = false;
  private readonly o: Required<Omit<ReflectorOptions, 'fieldSelector' | 'labelSelector' | 'onProgress' | 'backpressure' | 'listGate' | 'listPriority' | 'metrics' | 'fallbackPath'>> &
    Pick<ReflectorOptions, 'fieldSelector' | 'labelSelector' | 'onProgress' | 'backpressure' | 'listGate' | 'listPriority' | 'metrics' | 'fallbackPath'>;
  /** The collection read: `path`, or `fallbackPath` once `path` was not found. */
  private path: string;

  constructor(opts: ReflectorOptions) {
    this.o = {
      pageSize: 500,
      watchTimeoutSeconds: 300,
      inactivityMs: 120_000,
      requestTimeoutMs: 60_000,
      backoffInitialMs: 250,
      backoffMaxMs: 30_000,
      ...opts,
    };
    this.path = this.o.path;
    this.backoff = new Backoff(this.o.backoffInitialMs, this.o.backoffMaxMs);
    this.synced = new Promise((resolve) => (this.syncedResolve = resolve));
  }

  /**
   * Starts listing now; with `applyAfter`, the first list's pages are fetched meanwhile but handed to the handler only
   * once it resolves (what they refer to is then written), so the list's first round trips are not on that wait.
   */
  start(applyAfter?: Promise<void>): void {
    this.applyAfter = applyAfter;
    if (!this.running) this.running = this.run();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
    this.currentPhase = 'stopped';
    for (const w of this.relistWaiters.splice(0)) w();
  }

  private readonly relistWaiters: Array<() => void> = [];

  /** Forces a fresh list (and the deletion sweep it implies); resolves once that list has been handed over. */
  relist(): Promise<void> {
    return new Promise((resolve) => {
      this.relistWaiters.push(resolve);
      this.relistRequested = true;
      this.streamController?.abort();
    });
  }

  status(): ReflectorStatus {
    return {
      resource: this.o.resource,
      phase: this.currentPhase,
      lastError: this.lastError,
      failingSince: this.failingSince,
      synced: this.syncedFlag,
      objects: this.store.size,
      lists: this.listCount,
      watches: this.watchCount,
    };
  }

  /** `wait`, cut short by stop(). */
  private async untilStopped(wait: Promise<void> | undefined): Promise<void> {
    if (!wait) return;
    const signal = this.controller.signal;
    if (signal.aborted) return;
    let onAbort!: () => void;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([wait, aborted]);
    signal.removeEventListener('abort', onAbort);
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList || this.relistRequested) {
          this.relistRequested = false;
          await this.list();
          needList = false;
          this.succeeded();
        }
        await this.watch();
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof WatchExpired || statusOf(err) === 410) {
          // History compacted past our resourceVersion: only a fresh list can tell what changed meanwhile.
          this.o.log.info({ resource: this.o.resource }, 'resourceVersion expired; relisting');
          needList = true;
          continue;
        }
        this.failed(err);
        this.currentPhase = 'backoff';
        await sleep(this.backoff.next(), this.controller.signal);
      }
    }
    this.currentPhase = 'stopped';
  }

  private succeeded(): void {
    if (this.failingSince !== undefined) this.o.log.info({ resource: this.o.resource }, 'recovered');
    this.failingSince = undefined;
    this.lastError = undefined;
    this.backoff.reset();
  }

  private failed(err: unknown): void {
    this.lastError = describe(err);
    this.failingSince ??= Date.now();
    this.o.log.warn({ resource: this.o.resource, err: this.lastError, attempt: this.backoff.attempts + 1 }, 'list/watch failed; retrying');
  }

  private query(extra: Record<string, string | undefined>): string {
    const params = new URLSearchParams();
    if (this.o.fieldSelector) params.set('fieldSelector', this.o.fieldSelector);
    if (this.o.labelSelector) params.set('labelSelector', this.o.labelSelector);
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) params.set(k, v);
    return `${this.path}?${params.toString()}`;
  }

  private async list(): Promise<void> {
    this.currentPhase = 'listing';
    const release = await (this.o.listGate?.acquire(this.controller.signal, this.o.listPriority) ?? (() => undefined));
    try {
      await this.listPages(release);
    } finally {
      release();
    }
  }

  private fetchPage(continueToken: string | undefined): Promise<ListResponse> {
    return this.o.client.getJson<ListResponse>(this.query({ limit: String(this.o.pageSize), continue: continueToken }), {
      signal: this.controller.signal,
      timeoutMs: this.o.requestTimeoutMs,
    });
  }

  /** `releaseSlot` is called once the last page is handed over: waiting for the writer then holds no parsed page. */
  private async listPages(releaseSlot: () => void): Promise<void> {
    const present = new Set<string>();
    // A list that failed part way, or started over, may have handed over objects the final pass did not return.
    let onePass = ++this.listAttempts === 1;
    let continueToken: string | undefined;
    let listRv: string | undefined;
    // The next page is asked for as soon as a page arrives, so that the server prepares it while this one is applied.
    let next: Promise<ListResponse> | undefined;
    while (!this.stopped) {
      let page: ListResponse;
      try {
        page = await (next ?? this.fetchPage(continueToken));
      } catch (err) {
        if (continueToken !== undefined && statusOf(err) === 410) {
          // The continue token outlived the server's history: start the list over (items already seen are
          // compared by resourceVersion, so re-reading them writes nothing).
          this.o.log.info({ resource: this.o.resource }, 'continue token expired; restarting list');
          present.clear();
          onePass = false;
          continueToken = undefined;
          listRv = undefined;
          next = undefined;
          continue;
        }
        if (continueToken === undefined && statusOf(err) === 404 && this.o.fallbackPath && this.path !== this.o.fallbackPath) {
          this.o.log.info({ resource: this.o.resource, path: this.path, fallback: this.o.fallbackPath }, 'collection not served; reading the fallback');
          this.path = this.o.fallbackPath;
          next = undefined;
          continue;
        }
        throw err;
      }
      if (continueToken === undefined) listRv = page.metadata?.resourceVersion;
      continueToken = page.metadata?.continue || undefined;
      next = continueToken === undefined ? undefined : this.fetchPage(continueToken);
      // Handled where it is awaited; until then a failure must not count as unhandled.
      next?.catch(() => undefined);
      if (this.applyAfter) {
        await this.untilStopped(this.applyAfter);
        this.applyAfter = undefined;
        if (this.stopped) return;
      }
      for (const item of page.items ?? []) {
        const uid = item.metadata?.uid;
        if (!uid) continue;
        present.add(uid);
        this.apply(uid, item);
      }
      if (continueToken === undefined) releaseSlot();
      await this.untilStopped(this.o.backpressure?.());
      const remaining = page.metadata?.remainingItemCount;
      this.o.onProgress?.(present.size, remaining === undefined ? (continueToken ? undefined : present.size) : present.size + remaining);
      if (continueToken === undefined) break;
    }
    if (this.stopped) return;

    for (const [uid, entry] of this.store) {
      if (!present.has(uid)) {
        this.store.delete(uid);
        this.o.handler.remove(uid, entry.digest, undefined);
      }
    }
    await this.o.handler.listed(present, onePass);
    this.resourceVersion = listRv;
    if (this.listCount > 0) this.o.metrics?.relisted();
    this.listCount++;
    this.watchedSinceList = false;
    for (const w of this.relistWaiters.splice(0)) w();
    if (!this.syncedFlag) {
      this.syncedFlag = true;
      this.syncedResolve();
    }
  }

  private apply(uid: string, obj: KubeObjectLike): void {
    const rv = obj.metadata?.resourceVersion ?? '';
    const previous = this.store.get(uid);
    // resourceVersions are opaque: equality is the only comparison allowed.
    if (previous && previous.rv === rv && rv !== '') return;
    const digest = this.o.handler.upsert(obj, previous?.digest);
    if (previous) {
      previous.rv = rv;
      previous.digest = digest;
    } else {
      this.store.set(uid, { rv, digest });
    }
  }

  private async watch(): Promise<void> {
    // stop() may have come while the list was being handed over; an abort listener added now would never fire.
    if (this.stopped) return;
    this.currentPhase = 'watching';
    const stream = new AbortController();
    this.streamController = stream;
    const onStop = () => stream.abort();
    this.controller.signal.addEventListener('abort', onStop, { once: true });
    let stalled = false;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        stream.abort();
      }, this.o.inactivityMs);
    };
    const timeout = Math.round(this.o.watchTimeoutSeconds * (1 + Math.random()));
    const path = this.query({
      watch: '1',
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeout),
    });
    this.watchCount++;
    if (this.watchedSinceList) this.o.metrics?.watchRestarted();
    this.watchedSinceList = true;
    const openedAt = Date.now();
    let events = 0;
    arm();
    try {
      for await (const event of this.o.client.watch<KubeObjectLike>(path, {
        signal: stream.signal,
        timeoutMs: this.o.requestTimeoutMs,
      })) {
        arm();
        events++;
        this.handleEvent(event.type, event.object);
        if (events === 1) this.succeeded();
        const wait = this.o.backpressure?.();
        if (wait) {
          // Waiting on the database is not silence on the stream.
          if (watchdog) clearTimeout(watchdog);
          await this.untilStopped(wait);
          arm();
        }
      }
    } catch (err) {
      if (stalled) {
        this.lastError = `watch silent for ${this.o.inactivityMs} ms`;
        this.failingSince ??= Date.now();
        this.o.log.warn({ resource: this.o.resource, inactivityMs: this.o.inactivityMs }, 'watch silent; reopening');
        return;
      }
      if (stream.signal.aborted) return;
      throw err;
    } finally {
      if (watchdog) clearTimeout(watchdog);
      this.controller.signal.removeEventListener('abort', onStop);
      this.streamController = undefined;
    }
    // A server that ends every watch at once would otherwise be hammered in a tight loop.
    if (events === 0 && Date.now() - openedAt < 1000 && !this.stopped && !this.relistRequested) {
      await sleep(this.backoff.next(), this.controller.signal);
    }
  }

  private handleEvent(type: string, obj: KubeObjectLike): void {
    const rv = obj?.metadata?.resourceVersion;
    switch (type) {
      case 'ADDED':
      case 'MODIFIED': {
        const uid = obj.metadata?.uid;
        if (uid) this.apply(uid, obj);
        break;
      }
      case 'DELETED': {
        const uid = obj.metadata?.uid;
        if (uid) {
          const previous = this.store.get(uid);
          this.store.delete(uid);
          this.o.handler.remove(uid, previous?.digest, obj);
        }
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const status = obj as { code?: number; reason?: string; message?: string };
        if (status.code === 410) throw new WatchExpired(status.message ?? 'Expired');
        throw Object.assign(new Error(`watch error ${status.code ?? '?'} ${status.reason ?? ''}: ${status.message ?? ''}`.trim()), {
          status: status.code,
        });
      }
      default:
        throw new Error(`unexpected watch event type ${JSON.stringify(type)}`);
    }
    if (rv) this.resourceVersion = rv;
  }
}
