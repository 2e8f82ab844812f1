import type { ServerResponse } from 'node:http';
import type { K8sObject } from '../k8s-object.js';
import type { ObjectStore, StoredObject, StoreEvent } from '../object-store.js';
import { ExpiredError } from '../object-store.js';
import type { ResourceType } from '../resource-types.js';
import { apiVersionOf } from '../resource-types.js';
import type { Representation } from './negotiation.js';
import type { ListOptions } from './request-options.js';
import { sendStatus, statusBody } from './status.js';
import { tableColumns, tableRow } from './table.js';
import { waitForDrain } from './chunk-writer.js';
import { reachResourceVersion } from './resource-version-wait.js';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';


export interface WatchHubOptions {
  store: ObjectStore;
  now: () => number;
  bookmarkIntervalMs: number;
}

/** Every open watch of one simulated cluster, so faults can reach them all. */
export class WatchHub {
  private readonly sessions = new Set<WatchSession>();
  private pending410?: { http: boolean };

  constructor(private readonly opts: WatchHubOptions) {}

  get openWatches(): number {
    return this.sessions.size;
  }

  force410(http: boolean): void {
    this.pending410 = { http };
  }

  dropAll(clean: boolean): void {
    for (const s of [...this.sessions]) s.close(clean);
  }

  stallAll(): void {
    for (const s of this.sessions) s.stall();
  }

  async serve(res: ServerResponse, type: ResourceType, namespace: string | undefined, opts: ListOptions, rep: Representation): Promise<void> {
    const forced = this.pending410;
    this.pending410 = undefined;
    if (forced?.http) return sendStatus(res, 410, 'Expired', `too old resource version: ${opts.resourceVersion ?? 0} (${this.opts.store.resourceVersion})`);

    const store = this.opts.store;
    const from = opts.resourceVersion && opts.resourceVersion !== '0' && !opts.sendInitialEvents ? Number(opts.resourceVersion) : undefined;
    // A resourceVersion from the future (say, from before this cluster was restarted): like the API server, wait a
    // little for it, then answer 504 so that the client relists.
    if (!forced && from !== undefined && !(await reachResourceVersion(store, res, from))) return;
    let initial: StoredObject[] = [];
    let replay: StoreEvent[] = [];
    let expired: string | undefined;
    if (forced) expired = `too old resource version: ${opts.resourceVersion ?? 0} (${store.resourceVersion})`;
    else if (from === undefined) {
      initial = store.page(type.name, { rv: store.resourceVersion, namespace }).items;
    } else {
      try {
        replay = store.eventsSince(type.name, from);
      } catch (err) {
        if (!(err instanceof ExpiredError)) throw err;
        expired = err.message;
      }
    }

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.socket?.setNoDelay(true);
    res.flushHeaders();
    if (expired) {
      res.end(`{"type":"ERROR","object":${JSON.stringify(statusBody(410, 'Expired', expired))}}\n`);
      return;
    }
    const session = new WatchSession(res, type, namespace, opts, rep, this.opts, () => this.sessions.delete(session));
    this.sessions.add(session);
    session.start(initial, replay, store.resourceVersion);
  }
}

class WatchSession {
  private unsubscribe?: () => void;
  private queue: StoreEvent[] | undefined = [];
  private stalled = false;
  private closed = false;
  private timers: NodeJS.Timeout[] = [];
  private columnsSent = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly type: ResourceType,
    private readonly namespace: string | undefined,
    private readonly opts: ListOptions,
    private readonly rep: Representation,
    private readonly hub: WatchHubOptions,
    private readonly onClose: () => void,
  ) {}

  private initialRv = 0;

  start(initial: StoredObject[], replay: StoreEvent[], initialRv: number): void {
    this.initialRv = initialRv;
    this.res.on('close', () => this.cleanup());
    // Subscribe before writing anything so that no event falls between the initial state and the live stream.
    this.unsubscribe = this.hub.store.subscribe(this.type.name, (e) => {
      if (this.stalled || this.closed) return;
      if (this.queue) this.queue.push(e);
      else this.deliver(e);
    });
    const timeoutMs = this.opts.timeoutSeconds !== undefined ? this.opts.timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
    this.timers.push(setTimeout(() => { if (!this.stalled) this.close(true); }, timeoutMs));
    if (this.opts.allowWatchBookmarks) {
      this.timers.push(setInterval(() => this.bookmark(false), this.hub.bookmarkIntervalMs));
    }
    void this.writeInitial(initial, replay);
  }

  private async writeInitial(initial: StoredObject[], replay: StoreEvent[]): Promise<void> {
    try {
      for (const s of initial) {
        if (this.closed) return;
        if (this.matches(s.obj) && !this.res.write(this.line('ADDED', s))) await waitForDrain(this.res);
      }
      for (const e of replay) {
        if (this.closed) return;
        this.deliver(e);
        if (this.res.writableNeedDrain) await waitForDrain(this.res);
      }
      if (this.opts.sendInitialEvents) this.bookmark(true);
      while (this.queue && this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        for (const e of batch) this.deliver(e);
        if (this.res.writableNeedDrain) await waitForDrain(this.res);
      }
      this.queue = undefined;
    } catch {
      this.close(false);
    }
  }

  private matches(obj: K8sObject): boolean {
    if (this.namespace !== undefined && this.type.namespaced && obj.metadata.namespace !== this.namespace) return false;
    return !this.opts.match || this.opts.match(obj);
  }

  /** Translates a store event for this watch's filter: objects entering or leaving the selection become ADDED/DELETED. */
  private deliver(e: StoreEvent): void {
    if (this.closed || this.stalled) return;
    const now = this.matches(e.object.obj);
    const before = e.prev ? this.matches(e.prev.obj) : false;
    let type: EventType | undefined;
    if (e.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (e.type === 'DELETED') type = before ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (!type) return;
    if (this.rep.kind === 'table') {
      this.res.write(this.line(type, e.object));
      return;
    }
    // The same line goes to every plain-JSON watcher of this event: build it once.
    const cache = (e.lines ??= {});
    this.res.write((cache[type] ??= this.line(type, e.object)));
  }

  private line(type: EventType, s: StoredObject): string {
    if (this.rep.kind === 'table') {
      const columns = this.columnsSent ? '[]' : JSON.stringify(tableColumns(this.type.name));
      this.columnsSent = true;
      const table = `{"kind":"Table","apiVersion":"${this.rep.apiVersion}","metadata":{"resourceVersion":"${s.rv}"},"columnDefinitions":${columns},"rows":[${tableRow(this.type.name, s.obj, s.json(), this.opts.includeObject, this.rep.apiVersion, this.hub.now())}]}`;
      return `{"type":"${type}","object":${table}}\n`;
    }
    return `{"type":"${type}","object":${s.json()}}\n`;
  }

  private bookmark(initialEventsEnd: boolean): void {
    if (this.closed || this.stalled || (this.queue && !initialEventsEnd)) return;
    const metadata: Record<string, unknown> = { resourceVersion: String(initialEventsEnd ? this.initialRv : this.hub.store.resourceVersion) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    const object = { kind: this.type.kind, apiVersion: apiVersionOf(this.type), metadata };
    this.res.write(`{"type":"BOOKMARK","object":${JSON.stringify(object)}}\n`);
  }

  stall(): void {
    this.stalled = true;
  }

  close(clean: boolean): void {
    if (this.closed) return;
    if (clean) this.res.end();
    else this.res.destroy();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    this.onClose();
  }
}
