import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { ClusterController, SimulationError } from './cluster-controller.js';
import { randomChange } from './churn.js';
import { AdminError, ApiServer } from './http/api-server.js';
import { WatchHub } from './http/watch-hub.js';
import type { K8sObject } from './k8s-object.js';
import { renderKubeconfig } from './kubeconfig.js';
import { UsageModel } from './metrics/usage-model.js';
import { ObjectStore, type StoreEvent } from './object-store.js';
import { PROVIDER_PROFILES, PROVIDERS, type Provider, type ProviderProfile } from './provider-profiles.js';
import { Random } from './random.js';
import { generateScenario } from './scenario.js';
import { type AppliedChange, type ObjectWrite, type SimChange, type SimFault, unhandled } from './sim-change.js';
import { servingCertificate } from './tls.js';
import { validateChange, validateFault } from './change-validation.js';
import { DEFAULT_EVENT_TTL_MS } from './event-recorder.js';
import { WorkloadControllers } from './workload-controllers.js';

export type { K8sObject } from './k8s-object.js';
export type { AppliedChange, ObjectWrite, SimChange, SimFault } from './sim-change.js';
export type { Provider } from './provider-profiles.js';
export { SimulationError } from './cluster-controller.js';

export interface SimulatorOptions {
  nodes?: number;
  pods?: number;
  /** Application namespaces (labelled `team` / `cost-center`); default, kube-system, kube-public and kube-node-lease come on top. */
  namespaces?: number;
  seed?: number | string;
  /** Random changes per second applied by the automatic ticker (0 = no automatic ticks). */
  churn?: number;
  /** Milliseconds between automatic ticks (default 1000). */
  tickIntervalMs?: number;
  /** Default true: HTTPS with a generated CA; false: plain HTTP. */
  tls?: boolean;
  /** 0 = random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  provider?: Provider;
  helmReleases?: number;
  /** Events kept per resource for watch resumption and consistent paging (default 10000). */
  historyLimit?: number;
  /** How long an Event lives after its last update (default 1 h, the API server's `--event-ttl`). */
  eventTtlMs?: number;
  /** Default true; false: events.k8s.io/v1 is not served (404, absent from discovery), as before Kubernetes 1.19. */
  eventsApi?: boolean;
  /** Lifetime of a list continue token (default 5 minutes); older tokens get 410 Expired. */
  continueTokenTtlMs?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 60 s). */
  bookmarkIntervalMs?: number;
  /** Cluster/context name used in the kubeconfig and in generated node names. */
  name?: string;
  /** Bearer token; random when unset. */
  token?: string;
  /** Reference time for the initial objects' timestamps (default: now). Fix it to get byte-identical scenarios. */
  startTime?: number;
  /** Time source for timestamps and metrics (default Date.now). */
  clock?: () => number;
}

export interface ClusterState {
  namespaces: K8sObject[];
  nodes: K8sObject[];
  deployments: K8sObject[];
  replicasets: K8sObject[];
  pods: K8sObject[];
  secrets: K8sObject[];
  resourcequotas: K8sObject[];
  limitranges: K8sObject[];
  persistentvolumeclaims: K8sObject[];
  statefulsets: K8sObject[];
  daemonsets: K8sObject[];
  jobs: K8sObject[];
  cronjobs: K8sObject[];
  /** Core v1 Events (the same objects events.k8s.io/v1 serves in its shape). */
  events: K8sObject[];
}

/** A Kubernetes-API-compatible simulated cluster served over HTTP(S) on loopback. */
export interface KubeconfigOptions {
  contextName?: string;
  userName?: string;
  unprivileged?: boolean;
}

export class SimulatedCluster {
  private adminToken: string;
  /** A ServiceAccount's token bound to no role: it authenticates, and every request but discovery gets 403. */
  readonly unprivilegedToken: string;
  readonly name: string;
  readonly options: Readonly<Required<Pick<SimulatorOptions, 'nodes' | 'pods' | 'namespaces' | 'churn' | 'tls' | 'host' | 'provider' | 'helmReleases' | 'historyLimit' | 'continueTokenTtlMs' | 'bookmarkIntervalMs' | 'tickIntervalMs' | 'eventTtlMs'>> & { seed: string }>;

  private readonly store: ObjectStore;
  private readonly controller: ClusterController;
  private readonly workloads: WorkloadControllers;
  private readonly changeRng: Random;
  private readonly watches: WatchHub;
  private readonly clock: () => number;
  private readonly eventsApi: boolean;
  private server?: ApiServer;
  private caCert?: string;
  private port = 0;
  private ticker?: NodeJS.Timeout;
  private tickCarry = 0;
  private tickWaiters: (() => void)[] = [];
  private errorUntil = 0;
  private errorStatus: 429 | 500 | 503 = 500;
  private stopped = false;

  private constructor(opts: SimulatorOptions) {
    const pods = opts.pods ?? 60;
    const namespaces = opts.namespaces ?? 4;
    const provider = opts.provider ?? 'eks';
    if (!PROVIDERS.includes(provider)) throw new SimulationError(`unknown provider "${provider}": expected one of ${PROVIDERS.join(', ')}`);
    const nodes = opts.nodes ?? defaultNodeCount(pods, PROVIDER_PROFILES[provider]);
    for (const [k, v] of Object.entries({ nodes, pods, namespaces, churn: opts.churn ?? 0 })) {
      if (!Number.isFinite(v) || v < 0 || (k !== 'churn' && !Number.isInteger(v))) throw new SimulationError(`${k} must be a non-negative ${k === 'churn' ? 'number' : 'integer'}, got ${v}`);
    }
    if (nodes < 1 && pods > 0) throw new SimulationError('a cluster with pods needs at least one node');
    const seed = String(opts.seed ?? 'kubegraph');
    this.options = {
      nodes, pods, namespaces, seed, provider,
      churn: opts.churn ?? 0,
      tickIntervalMs: opts.tickIntervalMs ?? 1000,
      tls: opts.tls ?? true,
      host: opts.host ?? '127.0.0.1',
      helmReleases: opts.helmReleases ?? namespaces,
      historyLimit: opts.historyLimit ?? 10_000,
      continueTokenTtlMs: opts.continueTokenTtlMs ?? 300_000,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      eventTtlMs: opts.eventTtlMs ?? DEFAULT_EVENT_TTL_MS,
    };
    if (!(this.options.eventTtlMs > 0)) throw new SimulationError(`eventTtlMs must be a positive number, got ${this.options.eventTtlMs}`);
    this.name = (opts.name ?? 'kubegraph-sim').toLowerCase().replace(/[^a-z0-9-]/g, '-');
    this.adminToken = opts.token ?? randomBytes(24).toString('base64url');
    this.unprivilegedToken = randomBytes(24).toString('base64url');
    this.clock = opts.clock ?? Date.now;
    this.eventsApi = opts.eventsApi ?? true;
    const startTime = opts.startTime ?? this.clock();
    // resourceVersions start at the start time in ms, so a restarted simulator never reissues an earlier run's
    // versions (a client resuming from one gets 410 or 504 and relists); a fixed startTime keeps them reproducible.
    this.store = new ObjectStore(this.options.historyLimit, Math.floor(startTime));
    this.controller = new ClusterController(this.store, PROVIDER_PROFILES[provider], this.clock);
    this.workloads = new WorkloadControllers(this.controller, new Random(seed, 'events'), this.options.eventTtlMs);
    const scenarioRng = new Random(seed, 'scenario');
    this.changeRng = new Random(seed, 'changes');
    this.store.bulkLoad(() => generateScenario(scenarioRng, this.controller, {
      clusterName: this.name, provider, nodes, pods, namespaces: this.options.namespaces, helmReleases: this.options.helmReleases,
      startTime,
    }, { rng: new Random(seed, 'workloads'), controllers: this.workloads }));
    this.workloads.recordPodEvents(this.store);
    this.watches = new WatchHub({ store: this.store, now: this.clock, bookmarkIntervalMs: this.options.bookmarkIntervalMs });
  }

  /** Generates the scenario and starts serving it. */
  static async start(opts: SimulatorOptions = {}): Promise<SimulatedCluster> {
    const cluster = new SimulatedCluster(opts);
    await cluster.listen(opts.port ?? 0);
    return cluster;
  }

  private async listen(port: number): Promise<void> {
    let tls: { cert: string; key: string } | undefined;
    if (this.options.tls) {
      const cert = await servingCertificate();
      this.caCert = cert.caCert;
      tls = cert;
    }
    this.server = new ApiServer({
      store: this.store, controller: this.controller, usage: new UsageModel(this.options.seed), profile: PROVIDER_PROFILES[this.options.provider],
      watches: this.watches, token: () => this.adminToken, now: this.clock,
      unprivilegedToken: this.unprivilegedToken, unprivilegedUser: `system:serviceaccount:default:${this.name}-unprivileged`, continueTokenTtlMs: this.options.continueTokenTtlMs,
      injectedError: () => (this.clock() < this.errorUntil ? this.errorStatus : undefined),
      admin: (action, body) => this.admin(action, body),
      apply: (change) => this.apply(change),
      eventsApi: this.eventsApi,
    }, tls);
    this.port = await this.server.listen(port, this.options.host);
    if (this.options.churn > 0) this.ticker = setInterval(() => void this.autoTick(), this.options.tickIntervalMs);
  }

  /** The admin bearer token; {@link rotateToken} replaces it. */
  get token(): string {
    return this.adminToken;
  }

  /** Replaces the admin token, as a projected service account token is replaced: the old one is refused from now on. */
  rotateToken(next: string = randomBytes(24).toString('base64url')): string {
    this.adminToken = next;
    return next;
  }

  get url(): string {
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `${this.options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** PEM of the CA that signed the serving certificate (undefined in plain-HTTP mode). */
  get certificateAuthority(): string | undefined {
    return this.caCert;
  }

  /** Current resourceVersion of the whole cluster (as the last list would report it). */
  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  get openWatches(): number {
    return this.watches.openWatches;
  }

  /** With `unprivileged`, the user is the token bound to no role ({@link unprivilegedToken}). */
  kubeconfig(opts: KubeconfigOptions = {}): string {
    return renderKubeconfig({
      server: this.url, token: opts.unprivileged ? this.unprivilegedToken : this.token, caCert: this.caCert, clusterName: this.name,
      contextName: opts.contextName ?? this.name, userName: opts.userName ?? `${this.name}-${opts.unprivileged ? 'unprivileged' : 'admin'}`,
    });
  }

  async writeKubeconfig(file: string, opts?: KubeconfigOptions): Promise<void> {
    await writeFile(file, this.kubeconfig(opts), { mode: 0o600 });
  }

  /** The exact current objects, in API list order. Treat them as read-only. */
  state(): ClusterState {
    const v = (r: Parameters<ObjectStore['values']>[0]) => this.store.values(r).map((s) => s.obj);
    return {
      namespaces: v('namespaces'), nodes: v('nodes'), deployments: v('deployments'), replicasets: v('replicasets'), pods: v('pods'),
      secrets: v('secrets'), resourcequotas: v('resourcequotas'), limitranges: v('limitranges'), persistentvolumeclaims: v('persistentvolumeclaims'),
      statefulsets: v('statefulsets'), daemonsets: v('daemonsets'), jobs: v('jobs'), cronjobs: v('cronjobs'), events: v('events'),
    };
  }

  /** uid of every pod deleted since start, in deletion order. */
  deletedPodUids(): string[] {
    return [...this.controller.deletedPodUids];
  }

  /**
   * Lets the time-driven controllers catch up with the clock (a `syncControllers` entry first when they wrote
   * anything), then applies `changes` random plausible changes (default: one tick's worth at the configured churn, at
   * least 1); each comes back with when it was applied and the object writes it made.
   */
  async tick(changes?: number): Promise<AppliedChange[]> {
    const n = changes ?? Math.max(1, Math.round((this.options.churn * this.options.tickIntervalMs) / 1000));
    const applied: AppliedChange[] = [];
    const sync: SimChange = { kind: 'syncControllers' };
    const synced = this.store.collect(() => this.controller.apply(this.changeRng, sync));
    if (synced.length) applied.push({ ...sync, appliedAt: this.clock(), writes: synced.map(objectWrite) });
    for (let i = 0; i < n; i++) {
      const change = randomChange(this.changeRng, this.controller, this.options.pods);
      if (!change) continue;
      const events = this.store.collect(() => this.controller.apply(this.changeRng, change));
      applied.push({ ...change, appliedAt: this.clock(), writes: events.map(objectWrite) });
    }
    this.notifyTick();
    return applied;
  }

  private async autoTick(): Promise<void> {
    this.tickCarry += (this.options.churn * this.options.tickIntervalMs) / 1000;
    const n = Math.floor(this.tickCarry);
    this.tickCarry -= n;
    if (n > 0) await this.tick(n);
    else this.notifyTick();
  }

  private notifyTick(): void {
    const waiters = this.tickWaiters;
    this.tickWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves after the next tick (automatic or manual). */
  nextTick(): Promise<void> {
    return new Promise((resolve) => this.tickWaiters.push(resolve));
  }

  /** Applies one change; throws SimulationError (changing nothing) when it names something that does not exist. */
  async apply(change: SimChange): Promise<void> {
    this.controller.apply(this.changeRng, validateChange(change));
  }

  /**
   * Injects a fault. It takes effect before this returns; the promise only matters for `down`/`up`
   * (resolves once the listener is closed / listening again). Invalid faults throw SimulationError.
   */
  fault(fault: SimFault): Promise<void> {
    return this.inject(validateFault(fault));
  }

  /** Injects a fault that validateFault accepted. */
  private inject(f: SimFault): Promise<void> {
    switch (f.kind) {
      case 'dropWatches': this.watches.dropAll(Boolean(f.clean)); break;
      case 'stallWatches': this.watches.stallAll(); break;
      case 'errors':
        this.errorStatus = f.status;
        this.errorUntil = this.clock() + f.forMs;
        break;
      case 'force410': this.watches.force410(Boolean(f.http)); break;
      case 'compactHistory': this.store.compact(); break;
      case 'down': return this.down();
      case 'up': return this.up();
      default: return unhandled(f);
    }
    return Promise.resolve();
  }

  /** Closes the listener and every connection (watches see their socket die). */
  async down(): Promise<void> {
    await this.server?.close();
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    if (this.stopped || !this.server || this.server.isListening) return;
    await this.server.listen(this.port, this.options.host);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.watches.dropAll(false);
    await this.server?.close();
    this.notifyTick();
  }

  private async admin(action: string, body: unknown): Promise<unknown> {
    const b = (body ?? {}) as Record<string, unknown>;
    switch (action) {
      case 'fault': {
        const fault = validateFault(body);
        // Let the reply leave before the listener goes away.
        if (fault.kind === 'down') { setTimeout(() => void this.down(), 20); return { ok: true }; }
        await this.inject(fault);
        return { ok: true };
      }
      case 'tick': {
        const n = b.changes === undefined ? undefined : Number(b.changes);
        if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new AdminError(`changes must be a non-negative integer, got ${String(b.changes)}`);
        return { applied: await this.tick(n), resourceVersion: this.resourceVersion };
      }
      case 'apply':
        await this.apply(body as SimChange);
        return { ok: true, resourceVersion: this.resourceVersion };
      case 'state': {
        const s = this.state();
        return { resourceVersion: this.resourceVersion, counts: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.length])), openWatches: this.openWatches };
      }
      default:
        throw new AdminError(`unknown admin action "${action}": expected fault, tick, apply or state`);
    }
  }
}

/** A store event as `tick` reports it. */
function objectWrite(e: StoreEvent): ObjectWrite {
  const m = e.object.obj.metadata;
  return { type: e.type, resource: e.resource, ...(m.namespace ? { namespace: m.namespace } : {}), name: m.name, uid: m.uid, resourceVersion: m.resourceVersion };
}

/**
 * Enough nodes for the pods' requests (about 0.29 cores per pod on average) to use some 65 % of the nodes' CPU,
 * within their pod limits; at least 3. Providers whose first node is a tainted control plane get one more.
 */
function defaultNodeCount(pods: number, profile: ProviderProfile): number {
  const types = profile.instanceTypes;
  const cpu = types.reduce((s, t) => s + t.cpu, 0) / types.length;
  const maxPods = types.reduce((s, t) => s + t.maxPods, 0) / types.length;
  const workers = Math.max(Math.ceil((pods * 0.29) / (cpu * 0.65)), Math.ceil(pods / (maxPods * 0.9)));
  return Math.max(3, workers + (profile.controlPlaneFirst ? 1 : 0));
}

/** Starts `n` clusters with distinct seeds (`${seed}-${i}`) and names (`${name}-${i}`); they share one CA. */
export async function startSimulators(n: number, opts: SimulatorOptions = {}): Promise<SimulatedCluster[]> {
  const seed = opts.seed ?? 'kubegraph';
  const name = opts.name ?? 'sim';
  const started = await Promise.allSettled(Array.from({ length: n }, (_, i) => SimulatedCluster.start({ ...opts, port: 0, seed: `${seed}-${i}`, name: `${name}-${i}` })));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw (failed as PromiseRejectedResult).reason;
  }
  return started.map((r) => (r as PromiseFulfilledResult<SimulatedCluster>).value);
}
