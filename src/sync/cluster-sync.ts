import type { DataSource } from 'typeorm';
import type { Config } from '../common/config.js';
import type { EventBus } from '../events/event-bus.js';
import { logger } from '../common/logger.js';
import { ClaimMounts } from './claim-mounts.js';
import { FALLBACK_COLLECTIONS, WATCHED_COLLECTIONS, type WatchedResource } from './cluster-api-paths.js';
import { ClusterHealthTracker } from './cluster-health.tracker.js';
import { mapDeployment } from './deployment.mapper.js';
import { HelmReleases } from './helm-releases.js';
import {
  CRON_JOBS, DAEMON_SETS, DEPLOYMENTS, JOBS, K8S_EVENTS, NAMESPACES, NODES, PERSISTENT_VOLUME_CLAIMS, PODS, REPLICA_SETS, STATEFUL_SETS, TABLES, type TableSpec,
} from './inventory-tables.js';
import { mapKubernetesEvent } from './kubernetes-event.mapper.js';
import type { Obj } from './k8s-fields.js';
import { MetricsCollector } from './metrics-collector.js';
import { mapNamespace } from './namespace.mapper.js';
import { NamespacePolicies } from './namespace-policies.js';
import type { LeaseGrant } from './ownership.js';
import { mapNode } from './node.mapper.js';
import { mapPersistentVolumeClaim } from './persistent-volume-claim.mapper.js';
import { mapPod } from './pod.mapper.js';
import { type ListWatchClient, Reflector, type ReflectorHandler, type ReflectorStatus } from './reflector.js';
import { mapReplicaSet } from './replica-set.mapper.js';
import { RowHandler } from './row-handler.js';
import type { Row } from './row-digest.js';
import { processListGate } from './list-gate.js';
import type { ClusterSyncMetrics } from './sync-metrics.js';
import { SyncProgress } from './sync-progress.js';
import { mapCronJob, mapDaemonSet, mapJob, mapStatefulSet } from './workload.mapper.js';
import { Writer, type WriterStats } from './writer.js';

/** Knobs with production defaults; tests and benchmarks shorten them. */
export interface SyncTuning {
  pageSize: number;
  watchTimeoutSeconds: number;
  /** No event or bookmark on a watch for this long: reopen it. */
  inactivityMs: number;
  requestTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  maxBatch: number;
  /** Batch size once the initial lists are committed: watch bursts commit in slices rather than one long transaction. */
  steadyMaxBatch: number;
  lingerMs: number;
  healthIntervalMs: number;
  unreachableAfterMs: number;
  /** 0 disables periodic usage polling (pollMetrics() still works). */
  metricsIntervalMs: number;
}

export interface ClusterSyncOptions {
  dataSource: DataSource;
  eventBus: EventBus;
  config: Config;
  cluster: { id: string; organizationId: string; name: string };
  client: ListWatchClient;
  tuning?: Partial<SyncTuning>;
  /** The lease the sync runs under: it writes only while that is still the cluster's lease (WriterOptions.lease). */
  lease?: LeaseGrant;
  /** Where the reflectors and the writer report on /metrics. */
  metrics?: ClusterSyncMetrics;
}

const DEFAULT_TUNING: Omit<SyncTuning, 'metricsIntervalMs'> = {
  pageSize: 500,
  watchTimeoutSeconds: 300,
  inactivityMs: 120_000,
  requestTimeoutMs: 60_000,
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  maxBatch: 1000,
  steadyMaxBatch: 250,
  lingerMs: 20,
  healthIntervalMs: 10_000,
  unreachableAfterMs: 60_000,
};

/** Every k8s_pods column but the container documents (containers, container_statuses). */
const ANALYZED_POD_COLUMNS = [
  'id', 'cluster_id', 'namespace_id', 'deployment_id', 'synced_at',
  ...PODS.columns.map((c) => c.column).filter((c) => c !== 'containers' && c !== 'container_statuses'),
].join(', ');

interface KindOptions {
  /** The Kubernetes kind listed, for /metrics. */
  kind: string;
  handler: ReflectorHandler;
  fieldSelector?: string;
  labelSelector?: string;
  /**
   * Listed once these kinds are listed, and applied once their rows are committed, so that pods find their namespace
   * and ReplicaSet rows already written.
   */
  after?: WatchedResource[];
  /** Place in the process's list queue (ListGate): higher goes first. */
  listPriority?: number;
}

interface KindDef extends KindOptions {
  resource: WatchedResource;
  path: string;
}

/**
 * Keeps PostgreSQL equal to one cluster: a reflector per kind feeding one writer, plus usage metrics and health.
 * Nothing in it gives up: API errors and database outages are retried until stop().
 */
export class ClusterSync {
  private readonly writer: Writer;
  private readonly reflectors = new Map<string, Reflector>();
  private readonly kinds: KindDef[];
  private readonly health: ClusterHealthTracker;
  private readonly metrics: MetricsCollector;
  private readonly progress: SyncProgress;
  private readonly tuning: SyncTuning;
  private readonly log;
  private syncedPromise: Promise<void> | undefined;
  private syncedFlag = false;
  private started = false;
  private statistics: Promise<void> | undefined;
  /** Nothing of this cluster was stored when the sync started: a first list has nothing to sweep. */
  private emptyAtStart = false;

  constructor(private readonly o: ClusterSyncOptions) {
    this.tuning = { ...DEFAULT_TUNING, metricsIntervalMs: o.config.metricsIntervalMs, ...o.tuning };
    this.log = logger.child({ component: 'sync', cluster: o.cluster.name, clusterId: o.cluster.id });
    const policies: { current?: NamespacePolicies } = {};
    const mounts: { current?: ClaimMounts } = {};
    this.writer = new Writer({
      dataSource: o.dataSource,
      eventBus: o.eventBus,
      clusterId: o.cluster.id,
      organizationId: o.cluster.organizationId,
      log: this.log.child({ part: 'writer' }),
      maxBatch: this.tuning.maxBatch,
      steadyMaxBatch: this.tuning.steadyMaxBatch,
      lingerMs: this.tuning.lingerMs,
      lease: o.lease,
      metrics: o.metrics,
      extras: (spec: TableSpec, row: Row): Row => {
        if (spec === NAMESPACES) return policies.current!.columnsFor(String(row.name));
        if (spec === PERSISTENT_VOLUME_CLAIMS) return { mountedByPods: mounts.current!.podsFor(String(row.namespace), String(row.name)) };
        return {};
      },
    });
    policies.current = new NamespacePolicies(this.writer, this.log);
    mounts.current = new ClaimMounts(this.writer);
    const rows = (spec: TableSpec, map: (obj: Obj) => Row, observe?: (obj: Obj, row: Row | undefined, removed: boolean) => void) =>
      new RowHandler({ spec, map, writer: this.writer, log: this.log, observe, storedNothingBefore: () => this.emptyAtStart });
    const labelKeys = { teamLabelKeys: o.config.teamLabelKeys, costCenterLabelKeys: o.config.costCenterLabelKeys };
    // Pods' parents first in the list queue and so in the writer's: the pod list waits for their rows, not for nodes'.
    // Mapped rows go to the writer as the mappers made them (row types are type aliases, so they are Rows): V8 makes
    // spread copies slow to extend, and the writer adds the stored ids to each row (60 ms more per 10,000 pods).
    // Every watched collection has its entry (the type requires it), in the order their lists start.
    const kinds: { [R in WatchedResource]: KindOptions } = {
      namespaces: { kind: 'Namespace', handler: rows(NAMESPACES, (obj) => mapNamespace(obj, labelKeys)) },
      deployments: { kind: 'Deployment', handler: rows(DEPLOYMENTS, mapDeployment) },
      replicasets: { kind: 'ReplicaSet', handler: rows(REPLICA_SETS, mapReplicaSet) },
      statefulsets: { kind: 'StatefulSet', handler: rows(STATEFUL_SETS, mapStatefulSet), after: ['namespaces'] },
      daemonsets: { kind: 'DaemonSet', handler: rows(DAEMON_SETS, mapDaemonSet), after: ['namespaces'] },
      cronjobs: { kind: 'CronJob', handler: rows(CRON_JOBS, mapCronJob), after: ['namespaces'] },
      jobs: { kind: 'Job', handler: rows(JOBS, mapJob), after: ['namespaces'] },
      nodes: { kind: 'Node', handler: rows(NODES, mapNode) },
      pods: {
        kind: 'Pod',
        handler: rows(PODS, mapPod, (obj, _row, removed) => mounts.current!.observePod(obj, removed)),
        after: ['namespaces', 'deployments', 'replicasets'],
        listPriority: 1,
      },
      persistentvolumeclaims: { kind: 'PersistentVolumeClaim', handler: rows(PERSISTENT_VOLUME_CLAIMS, mapPersistentVolumeClaim), after: ['namespaces'] },
      secrets: {
        kind: 'Secret',
        fieldSelector: 'type=helm.sh/release.v1',
        labelSelector: 'owner=helm',
        handler: new HelmReleases(this.writer, o.client, this.log, () => this.emptyAtStart),
        after: ['namespaces'],
      },
      resourcequotas: { kind: 'ResourceQuota', handler: policies.current.quotaHandler },
      limitranges: { kind: 'LimitRange', handler: policies.current.limitRangeHandler },
      // Last in the list queue: the inventory matters more at start than the cluster's recent Events.
      events: { kind: 'Event', handler: rows(K8S_EVENTS, mapKubernetesEvent), after: ['namespaces'], listPriority: -1 },
    };
    this.kinds = (Object.keys(kinds) as WatchedResource[])
      // Without Helm releases no Secret is read, so the cluster's credentials need not allow it.
      .filter((resource) => resource !== 'secrets' || o.config.helmReleases)
      .map((resource) => ({ resource, path: WATCHED_COLLECTIONS[resource], ...kinds[resource] }));
    this.progress = new SyncProgress(o.cluster.name, this.log);
    for (const kind of this.kinds) {
      this.reflectors.set(
        kind.resource,
        new Reflector({
          path: kind.path,
          fallbackPath: FALLBACK_COLLECTIONS[kind.resource],
          resource: kind.resource,
          client: o.client,
          handler: kind.handler,
          log: this.log,
          fieldSelector: kind.fieldSelector,
          labelSelector: kind.labelSelector,
          pageSize: this.tuning.pageSize,
          watchTimeoutSeconds: this.tuning.watchTimeoutSeconds,
          inactivityMs: this.tuning.inactivityMs,
          requestTimeoutMs: this.tuning.requestTimeoutMs,
          backoffInitialMs: this.tuning.backoffInitialMs,
          backoffMaxMs: this.tuning.backoffMaxMs,
          backpressure: () => this.writer.whenRoom(),
          listGate: processListGate,
          listPriority: kind.listPriority,
          metrics: o.metrics?.reflector(kind.kind),
          onProgress: (listed, total) => {
            if (!this.syncedFlag) this.progress.update(kind.resource, listed, total);
          },
        }),
      );
    }
    this.health = new ClusterHealthTracker({
      dataSource: o.dataSource,
      eventBus: o.eventBus,
      cluster: o.cluster,
      client: o.client,
      writer: this.writer,
      reflectors: () => this.status(),
      synced: () => this.syncedFlag,
      log: this.log,
      intervalMs: this.tuning.healthIntervalMs,
      unreachableAfterMs: this.tuning.unreachableAfterMs,
      lease: o.lease,
    });
    this.metrics = new MetricsCollector({
      dataSource: o.dataSource,
      client: o.client,
      cluster: o.cluster,
      intervalMs: this.tuning.metricsIntervalMs,
      log: this.log,
      lease: o.lease,
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const startedAt = Date.now();
    // Nothing is written before this is known: lists start meanwhile, but hand over their first page only after it.
    const checked = this.checkEmpty();
    void this.writer.warm();
    const synced = new Map<string, Promise<void>>();
    for (const kind of this.kinds) {
      const reflector = this.reflectors.get(kind.resource)!;
      const prerequisites = (kind.after ?? []).map((r) => this.reflectors.get(r)!.synced);
      synced.set(
        kind.resource,
        (async () => {
          await Promise.all(prerequisites);
          // Rows the prerequisites listed must be committed before children join against them; the child's list
          // fetches its first pages meanwhile (holding a list slot only while the writer, which needs none, works).
          reflector.start(prerequisites.length > 0 ? Promise.all([checked, this.writer.flush()]).then(() => undefined) : checked);
          await reflector.synced;
          this.progress.kindDone(kind.resource);
        })(),
      );
    }
    this.syncedPromise = (async () => {
      await Promise.all(synced.values());
      await this.writer.flush();
      this.syncedFlag = true;
      this.writer.steady();
      this.progress.finish(Date.now() - startedAt);
      await this.health.tick();
      // For the plans of the writer's statements to come, not part of the sync: stop() waits for it.
      this.statistics = this.refreshStatistics();
    })();
    this.health.start();
    if (this.tuning.metricsIntervalMs > 0) this.metrics.start(this.syncedPromise);
  }

  /** Whether the database holds no live row of this cluster (a cluster synced for the first time). */
  private async checkEmpty(): Promise<void> {
    try {
      const [row] = await this.o.dataSource.query(
        `SELECT NOT (${TABLES.map((t) => `EXISTS (SELECT 1 FROM ${t} WHERE cluster_id = $1 AND deleted_at IS NULL)`).join(' OR ')}) AS empty`,
        [this.o.cluster.id],
      );
      this.emptyAtStart = row?.empty === true;
    } catch (err) {
      // Unknown: the first lists sweep as any other list does.
      this.log.warn({ err: (err as Error).message }, 'checking for stored rows failed');
    }
  }

  /**
   * A bulk load leaves the planner's statistics describing nearly empty tables until autovacuum gets to them, and the
   * writer's statements then get plans that scan whole tables. Refreshing them once after the initial sync is cheap
   * with a small sample (3,000 rows a table: sizes and the common values are what those plans need; autovacuum
   * refines them as the tables change), and without the pods' container documents, which no query filters on.
   * Measured on 10,000 pods: 420 ms for the full ANALYZE, 145 ms without the documents, 53 ms with the small sample too.
   */
  private async refreshStatistics(): Promise<void> {
    try {
      await this.o.dataSource.transaction(async (m) => {
        await m.query('SET LOCAL default_statistics_target = 10');
        await m.query(
          `ANALYZE k8s_namespaces, k8s_nodes, k8s_deployments, k8s_replica_sets, k8s_workloads, k8s_pods (${ANALYZED_POD_COLUMNS}), k8s_persistent_volume_claims, k8s_helm_releases, k8s_events`,
        );
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'refreshing planner statistics failed');
    }
  }

  /** Resolves once the initial list of every kind is committed. */
  whenSynced(): Promise<void> {
    if (!this.syncedPromise) return Promise.reject(new Error('ClusterSync.whenSynced() called before start()'));
    return this.syncedPromise;
  }

  /** Lists every kind again (deleting what disappeared) and resolves once that is committed. */
  async resync(): Promise<void> {
    await this.whenSynced();
    await Promise.all([...this.reflectors.values()].map((r) => r.relist()));
    await this.writer.flush();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.reflectors.values()].map((r) => r.stop()));
    await this.metrics.stop();
    await this.health.stop();
    await this.writer.stop();
    await this.statistics;
  }

  status(): ReflectorStatus[] {
    return [...this.reflectors.values()].map((r) => r.status());
  }

  writerStats(): WriterStats {
    return this.writer.stats();
  }

  /** Waits until every change handed to the writer so far is committed. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** One health probe and cluster-row update now, instead of at the next interval. */
  refreshHealth() {
    return this.health.tick();
  }

  /** One metrics poll now, whether or not polling runs on its own. */
  pollMetrics() {
    return this.metrics.poll();
  }
}
