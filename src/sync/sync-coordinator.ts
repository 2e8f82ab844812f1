import { createHash } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { CLUSTER_REGISTRY_CHANNEL } from '../cluster/cluster-registration.service.js';
import { ApiServerAddressGuard } from '../cluster/api-server-address.js';
import { KubeClient } from '../cluster/kube-client.js';
import type { KubeconfigCrypto } from '../cluster/kubeconfig-crypto.js';
import type { Config } from '../common/config.js';
import type { EventBus } from '../events/event-bus.js';
import { logger, type Logger } from '../common/logger.js';
import { Backoff, sleep } from './backoff.js';
import { ClusterSync } from './cluster-sync.js';
import { ClusterOwnership, DEFAULT_LEASE_TIMINGS, newReplicaId, type LeaseGrant, type LeaseTimings } from './ownership.js';
import type { ClusterSyncMetrics, SyncMetrics } from './sync-metrics.js';

export interface SyncCoordinatorOptions {
  dataSource: DataSource;
  eventBus: EventBus;
  config: Config;
  crypto: KubeconfigCrypto;
  /** Unique per process; defaults to host-pid-random. */
  replicaId?: string;
  leaseTimings?: LeaseTimings;
  /** Waits between restarts of a cluster whose sync failed (default 1 s growing to 60 s). */
  restartBackoff?: { initialMs: number; maxMs: number };
  log?: Logger;
  /** Where the syncs report on /metrics. */
  metrics?: SyncMetrics;
}

interface ClusterRow {
  id: string;
  organization_id: string;
  name: string;
  kubeconfig_encrypted: Buffer;
  encryption_key_id: string;
}

type Notice = { change: 'registered' | 'updated' | 'removed' | 'resync' | 'released'; clusterId?: string };

/** PostgreSQL's connection string of a TypeORM data source, for the coordinator's own LISTEN connection. */
function connectionStringOf(dataSource: DataSource): string | undefined {
  const url = (dataSource.options as { url?: string }).url;
  return typeof url === 'string' ? url : undefined;
}

/**
 * One owned cluster: decrypts its kubeconfig, builds a KubeClient and runs a ClusterSync, and restarts that
 * sync with backoff whenever it fails. Its failures are written to the cluster row and never reach the
 * coordinator, so one broken cluster cannot disturb the others.
 */
class OwnedCluster {
  readonly fingerprint: string;
  private sync: ClusterSync | undefined;
  private client: KubeClient | undefined;
  private readonly stopping = new AbortController();
  private readonly loop: Promise<void>;
  /** Kept across the sync's restarts: its counters carry on, and go when this replica lets the cluster go. */
  private readonly metrics: ClusterSyncMetrics | undefined;

  constructor(
    private readonly row: ClusterRow,
    private readonly kubeconfig: string,
    private readonly deps: {
      dataSource: DataSource;
      eventBus: EventBus;
      config: Config;
      backoff: Backoff;
      log: Logger;
      /** The acquisition of the cluster's lease the syncs of this cluster write under (a new one is a new OwnedCluster). */
      lease: LeaseGrant;
      metrics: SyncMetrics | undefined;
    },
  ) {
    this.fingerprint = fingerprintOf(kubeconfig);
    this.metrics = deps.metrics?.forCluster({ id: row.id, name: row.name });
    this.loop = this.run();
  }

  /** Resolves when the current sync has committed its first full list. */
  whenSynced(): Promise<void> {
    if (!this.sync) return Promise.reject(new Error(`cluster ${this.row.id} is not running`));
    return this.sync.whenSynced();
  }

  async resync(): Promise<void> {
    await this.sync?.resync();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.metrics?.remove();
  }

  private async run(): Promise<void> {
    const { log, backoff } = this.deps;
    while (!this.stopping.signal.aborted) {
      const failure = await this.runOnce();
      if (this.stopping.signal.aborted) break;
      const delay = backoff.next();
      log.warn({ clusterId: this.row.id, error: failure, retryInMs: delay, attempt: backoff.attempts }, 'cluster sync failed; restarting');
      await this.markFailed(failure);
      await sleep(delay, this.stopping.signal);
    }
  }

  /** Runs one sync until it fails (returning why) or the cluster is released. */
  private async runOnce(): Promise<string> {
    const { dataSource, eventBus, config, backoff, log, lease } = this.deps;
    try {
      this.client = KubeClient.fromKubeconfig(this.kubeconfig, {
        addressGuard: new ApiServerAddressGuard(config.apiServerAddresses),
        serviceAccountDir: config.serviceAccountDir,
      });
      const sync = new ClusterSync({
        dataSource,
        eventBus,
        config,
        cluster: { id: this.row.id, organizationId: this.row.organization_id, name: this.row.name },
        client: this.client,
        lease,
        metrics: this.metrics,
      });
      this.sync = sync;
      const signal = this.stopping.signal;
      const stopped = new Promise<'stopped'>((resolve) => {
        if (signal.aborted) resolve('stopped');
        else signal.addEventListener('abort', () => resolve('stopped'), { once: true });
      });
      await sync.start();
      log.info({ clusterId: this.row.id, name: this.row.name }, 'cluster sync started');
      const synced = sync.whenSynced().then(() => {
        backoff.reset();
        return 'synced' as const;
      });
      // Once released, a later rejection has nobody to report to.
      synced.catch(() => undefined);
      // The sync runs until released; a rejected whenSynced() is its only way of saying it gave up.
      if ((await Promise.race([synced, stopped])) === 'synced') await stopped;
      return 'stopped';
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      await this.teardown();
    }
  }

  private async teardown(): Promise<void> {
    const sync = this.sync;
    this.sync = undefined;
    try {
      await sync?.stop();
    } catch (err) {
      this.deps.log.error({ clusterId: this.row.id, err }, 'stopping cluster sync failed');
    }
    this.client?.close();
    this.client = undefined;
  }

  private async markFailed(message: string): Promise<void> {
    try {
      await this.deps.dataSource.query(`UPDATE k8s_clusters SET status = 'error', status_message = $2, updated_at = now() WHERE id = $1`, [
        this.row.id,
        message.slice(0, 1000),
      ]);
    } catch (err) {
      this.deps.log.error({ clusterId: this.row.id, err }, 'could not record the sync failure');
    }
  }
}

function fingerprintOf(kubeconfig: string): string {
  return createHash('sha256').update(kubeconfig).digest('hex');
}

/**
 * Runs the syncs this replica owns. Every `renewIntervalMs` (and at once when a registration, removal or
 * released lease is announced) it renews its heartbeat and leases, gives back clusters above its fair share
 * (ceil(clusters / live replicas)), takes free or expired ones up to that share, and restarts a sync whose
 * kubeconfig changed. A sync is always stopped before its lease is released, and every sync stops when the
 * leases could not be renewed for longer than they are valid, so two replicas never sync one cluster. A sync stopped
 * that way may still be retrying what it held from before (until its stop gives up); it writes under the lease
 * acquisition it started with, so once the lease is retaken, by any replica or by this one, it can write nothing.
 */
export class SyncCoordinator {
  readonly replicaId: string;
  private readonly ownership: ClusterOwnership;
  private readonly timings: LeaseTimings;
  private readonly owned = new Map<string, OwnedCluster>();
  private readonly log: Logger;
  private readonly restartBackoff: { initialMs: number; maxMs: number };
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private listener: pg.Client | undefined;
  private listenerRetry: NodeJS.Timeout | undefined;
  private listenerEverConnected = false;
  private lastRenewedAt = 0;
  private fenceTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly opts: SyncCoordinatorOptions) {
    this.replicaId = opts.replicaId ?? newReplicaId();
    this.timings = opts.leaseTimings ?? DEFAULT_LEASE_TIMINGS;
    this.restartBackoff = opts.restartBackoff ?? { initialMs: 1000, maxMs: 60_000 };
    this.ownership = new ClusterOwnership(opts.dataSource, this.replicaId, this.timings, opts.crypto.keyIds);
    this.log = (opts.log ?? logger).child({ component: 'sync-coordinator', replicaId: this.replicaId });
  }

  /** Joins the replica set and takes this replica's share of clusters; their syncs are starting on return. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Independent of the rounds: a renewal that hangs (a black-holed connection) must stop the syncs too.
    this.fenceTimer = setInterval(() => void this.fenceIfExpired(), this.timings.renewIntervalMs);
    this.fenceTimer.unref();
    await this.connectListener();
    await this.refresh();
    this.log.info({ clusters: this.owned.size }, 'sync coordinator started');
  }

  /** Stops every sync, then gives its leases back and tells the other replicas, who take over at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.fenceTimer);
    clearTimeout(this.listenerRetry);
    await this.chain;
    const ids = [...this.owned.keys()];
    await Promise.all([...this.owned.values()].map((o) => o.stop()));
    this.owned.clear();
    try {
      await this.ownership.leave();
      if (ids.length > 0) await this.notify({ change: 'released' });
    } catch (err) {
      this.log.warn({ err }, 'could not release leases; they expire on their own');
    }
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    this.log.info({ released: ids.length }, 'sync coordinator stopped');
  }

  /** Runs an ownership round now (after a registration or removal in this process). */
  refresh(): Promise<void> {
    const round = this.chain.then(() => this.round());
    this.chain = round.catch(() => undefined);
    return round;
  }

  /** Relists a cluster if this replica syncs it; false when another replica (or none) does. */
  async resync(clusterId: string): Promise<boolean> {
    const cluster = this.owned.get(clusterId);
    if (!cluster) return false;
    await cluster.resync();
    return true;
  }

  /** Clusters whose sync runs in this replica. */
  ownedClusterIds(): string[] {
    return [...this.owned.keys()].sort();
  }

  /** Resolves once the owned cluster's current sync has committed its first full list. */
  whenSynced(clusterId: string): Promise<void> {
    const cluster = this.owned.get(clusterId);
    return cluster ? cluster.whenSynced() : Promise.reject(new Error(`cluster ${clusterId} is not synced by this replica`));
  }

  private async round(): Promise<void> {
    if (!this.running) return;
    clearTimeout(this.timer);
    try {
      await this.balance();
    } catch (err) {
      this.log.error({ err }, 'ownership round failed');
    } finally {
      if (this.running) {
        this.timer = setTimeout(() => void this.refresh(), this.timings.renewIntervalMs);
        this.timer.unref();
      }
    }
  }

  private async balance(): Promise<void> {
    const alive = await this.ownership.heartbeat();
    // A lease runs from when its statement executed, which is no earlier than when it was sent: counting from
    // the sending keeps the fencing deadline ahead of every lease's real expiry.
    const renewSent = performance.now();
    const held = await this.ownership.renew();
    const renewedAny = held.size > 0;
    if (renewedAny) this.lastRenewedAt = renewSent;

    for (const [id, cluster] of this.owned) {
      if (!held.has(id)) {
        this.log.warn({ clusterId: id }, 'lease lost (cluster removed, taken over, or re-encrypted under a key this replica lacks); stopping its sync');
        this.owned.delete(id);
        await cluster.stop();
      }
    }

    const shares = await this.ownership.shares();
    const heldByKey = new Map<string, string[]>();
    for (const [id, keyId] of held) {
      const ids = heldByKey.get(keyId);
      if (ids) ids.push(id);
      else heldByKey.set(keyId, [id]);
    }
    const surplus = [...heldByKey].flatMap(([keyId, ids]) => ids.slice(shares.get(keyId) ?? 0));
    const share = [...shares.values()].reduce((a, b) => a + b, 0);
    if (surplus.length > 0) {
      for (const id of surplus) {
        const cluster = this.owned.get(id);
        this.owned.delete(id);
        held.delete(id);
        await cluster?.stop();
      }
      await this.ownership.release(surplus);
      await this.notify({ change: 'released' });
      this.log.info({ released: surplus.length, share, replicas: alive }, 'gave clusters back to balance replicas');
    }
    const acquireSent = performance.now();
    const acquired: string[] = [];
    for (const [keyId, keyShare] of shares) {
      // What is left of this key's clusters once the surplus went back.
      const wanted = keyShare - Math.min(heldByKey.get(keyId)?.length ?? 0, keyShare);
      if (wanted <= 0) continue;
      for (const id of await this.ownership.acquire(wanted, keyId)) {
        held.set(id, keyId);
        acquired.push(id);
      }
    }
    if (acquired.length > 0 && !renewedAny) this.lastRenewedAt = acquireSent;

    const rows = await this.readClusters([...held.keys()]);
    for (const id of held.keys()) {
      const row = rows.get(id);
      if (!row) continue;
      await this.ensureRunning(row);
    }
    if (acquired.length > 0) this.log.info({ acquired: acquired.length, owned: this.owned.size, share, replicas: alive }, 'took cluster leases');
  }

  /** Starts the sync of a held cluster, or restarts it when its kubeconfig changed. */
  private async ensureRunning(row: ClusterRow): Promise<void> {
    let kubeconfig: string;
    try {
      kubeconfig = this.opts.crypto.decrypt({ ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id }, row.id);
    } catch (err) {
      const message = (err as Error).message;
      const current = this.owned.get(row.id);
      if (current) {
        this.owned.delete(row.id);
        await current.stop();
      }
      this.log.error({ clusterId: row.id, error: message }, 'cannot decrypt the kubeconfig; not syncing');
      await this.opts.dataSource.query(
        `UPDATE k8s_clusters SET status = 'error', status_message = $2, updated_at = now() WHERE id = $1 AND status_message IS DISTINCT FROM $2`,
        [row.id, message],
      );
      return;
    }
    const current = this.owned.get(row.id);
    if (current && current.fingerprint === fingerprintOf(kubeconfig)) return;
    if (current) {
      this.log.info({ clusterId: row.id }, 'kubeconfig changed; restarting the sync');
      this.owned.delete(row.id);
      await current.stop();
    }
    // Lost since this round renewed or took it: the next round sorts it out.
    const lease = await this.ownership.grant(row.id);
    if (!lease) return;
    this.owned.set(
      row.id,
      new OwnedCluster(row, kubeconfig, {
        dataSource: this.opts.dataSource,
        eventBus: this.opts.eventBus,
        config: this.opts.config,
        backoff: new Backoff(this.restartBackoff.initialMs, this.restartBackoff.maxMs),
        log: this.log,
        lease,
        metrics: this.opts.metrics,
      }),
    );
  }

  private async readClusters(ids: string[]): Promise<Map<string, ClusterRow>> {
    if (ids.length === 0) return new Map();
    const rows: ClusterRow[] = await this.opts.dataSource.query(
      `SELECT id, organization_id, name, kubeconfig_encrypted, encryption_key_id
         FROM k8s_clusters WHERE id = ANY($1::uuid[]) AND kubeconfig_encrypted IS NOT NULL`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Without a renewal for longer than a lease lives, another replica may hold our clusters: stop them all. */
  private async fenceIfExpired(): Promise<void> {
    if (this.owned.size === 0) return;
    const sinceRenewal = performance.now() - this.lastRenewedAt;
    if (sinceRenewal < this.timings.ttlMs - this.timings.renewIntervalMs) return;
    this.log.error({ sinceRenewalMs: Math.round(sinceRenewal), clusters: this.owned.size }, 'leases could not be renewed in time; stopping every sync');
    const stopping = [...this.owned.values()];
    this.owned.clear();
    await Promise.all(stopping.map((o) => o.stop()));
  }

  private async notify(notice: Notice): Promise<void> {
    await this.opts.dataSource.query('SELECT pg_notify($1, $2)', [CLUSTER_REGISTRY_CHANNEL, JSON.stringify(notice)]);
  }

  /** A dedicated connection for LISTEN, so registrations anywhere take effect at once; polling covers its outages. */
  private async connectListener(): Promise<void> {
    const connectionString = connectionStringOf(this.opts.dataSource);
    if (!connectionString || !this.running) return;
    const client = new pg.Client({ connectionString, application_name: 'kubegraph-sync' });
    const retry = () => {
      if (this.listener === client) this.listener = undefined;
      else if (this.listener) return;
      client.end().catch(() => undefined);
      if (!this.running) return;
      clearTimeout(this.listenerRetry);
      this.listenerRetry = setTimeout(() => void this.connectListener(), this.timings.renewIntervalMs);
      this.listenerRetry.unref();
    };
    client.on('error', (err) => {
      this.log.warn({ err }, 'notification connection failed; reconnecting');
      retry();
    });
    client.on('end', retry);
    client.on('notification', (msg) => this.onNotice(msg.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${CLUSTER_REGISTRY_CHANNEL}`);
      const reconnected = this.listenerEverConnected;
      this.listener = client;
      this.listenerEverConnected = true;
      // Whatever was announced while the connection was down is picked up by a round now.
      if (reconnected) void this.refresh().catch(() => undefined);
    } catch (err) {
      this.log.warn({ err }, 'cannot listen for cluster changes; relying on periodic rounds');
      retry();
    }
  }

  private onNotice(payload: string | undefined): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload ?? '') as Notice;
    } catch {
      return;
    }
    if (notice.change === 'resync' && notice.clusterId) {
      const cluster = this.owned.get(notice.clusterId);
      if (cluster) {
        this.log.info({ clusterId: notice.clusterId }, 'resync requested');
        cluster.resync().catch((err: unknown) => this.log.warn({ clusterId: notice.clusterId, err }, 'resync failed'));
      }
      return;
    }
    void this.refresh().catch(() => undefined);
  }
}
