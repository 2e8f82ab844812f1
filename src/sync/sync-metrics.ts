import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Change } from './change-queue.js';

/** What a reflector reports: a watch opened again without a list, and a list after its first. */
export interface ReflectorMetrics {
  watchRestarted(): void;
  relisted(): void;
}

type KindLabels = 'cluster' | 'kind';

/**
 * The syncs' families on /metrics, per cluster (its id, so bounded by the clusters this replica syncs; the name is
 * on kubegraph_sync_cluster_info) and Kubernetes kind. Series of a cluster go when this replica stops syncing it.
 */
export class SyncMetrics {
  readonly watchRestarts: Counter<KindLabels>;
  readonly relists: Counter<KindLabels>;
  readonly applied: Counter<KindLabels>;
  readonly lag: Histogram<KindLabels>;
  readonly batchSize: Histogram<'cluster'>;
  readonly commitDuration: Histogram<'cluster'>;
  readonly info: Gauge<'cluster' | 'name'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.info = new Gauge({
      name: 'kubegraph_sync_cluster_info',
      help: 'A cluster this replica syncs (1), by id (the cluster label of the other sync metrics) and name.',
      labelNames: ['cluster', 'name'],
      registers,
    });
    this.watchRestarts = new Counter({
      name: 'kubegraph_sync_watch_restarts_total',
      help: 'Watches opened again without a list (the server ended the watch, it went silent, or it failed), by cluster and kind.',
      labelNames: ['cluster', 'kind'],
      registers,
    });
    this.relists = new Counter({
      name: 'kubegraph_sync_relists_total',
      help: 'Complete lists after the first (the watch history expired, or a resync was asked for), by cluster and kind.',
      labelNames: ['cluster', 'kind'],
      registers,
    });
    this.applied = new Counter({
      name: 'kubegraph_sync_events_applied_total',
      help: 'Objects written or marked deleted, as committed to the database, by cluster and kind.',
      labelNames: ['cluster', 'kind'],
      registers,
    });
    this.lag = new Histogram({
      name: 'kubegraph_sync_lag_seconds',
      help: 'Time from a change reaching kubegraph (a watch event, or a relist finding it) to its commit, once the initial lists are written, by cluster and kind.',
      labelNames: ['cluster', 'kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'kubegraph_sync_batch_changes',
      help: 'Changes (and deletion sweeps) written per transaction, by cluster.',
      labelNames: ['cluster'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers,
    });
    this.commitDuration = new Histogram({
      name: 'kubegraph_sync_commit_duration_seconds',
      help: 'Time to write and commit one transaction of changes, by cluster.',
      labelNames: ['cluster'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** The metrics of one cluster's syncs, until remove(). */
  forCluster(cluster: { id: string; name: string }): ClusterSyncMetrics {
    return new ClusterSyncMetrics(this, cluster);
  }
}

interface KindSeries {
  applied: Counter.Internal;
  lag: Histogram.Internal<KindLabels>;
}

/** One cluster's series, with the labelled children made once per kind, so that recording allocates nothing. */
export class ClusterSyncMetrics {
  private readonly kinds = new Map<string, KindSeries>();
  private readonly reflectorKinds = new Set<string>();
  private readonly batchSize: Histogram.Internal<'cluster'>;
  private readonly commitDuration: Histogram.Internal<'cluster'>;

  constructor(
    private readonly families: SyncMetrics,
    private readonly cluster: { id: string; name: string },
  ) {
    families.info.set({ cluster: cluster.id, name: cluster.name }, 1);
    this.batchSize = families.batchSize.labels({ cluster: cluster.id });
    this.commitDuration = families.commitDuration.labels({ cluster: cluster.id });
  }

  reflector(kind: string): ReflectorMetrics {
    this.reflectorKinds.add(kind);
    const labels = { cluster: this.cluster.id, kind };
    const restarts = this.families.watchRestarts.labels(labels);
    const relists = this.families.relists.labels(labels);
    // Present from the start at 0, so that a rate over them needs no first increment.
    restarts.inc(0);
    relists.inc(0);
    return { watchRestarted: () => restarts.inc(), relisted: () => relists.inc() };
  }

  /** A transaction committed: its changes by kind, the lag of those stamped with when they were seen, its size and time. */
  committed(changes: readonly Change[], sweeps: number, seconds: number): void {
    const now = performance.now();
    this.batchSize.observe(changes.length + sweeps);
    this.commitDuration.observe(seconds);
    // Counted per run of one kind rather than per change: a batch mostly holds one kind.
    let series: KindSeries | undefined;
    let kind: string | undefined;
    let run = 0;
    for (const change of changes) {
      // A refresh of columns that other objects determine (quotas on a namespace) is counted with those objects.
      if (change.op === 'extras') continue;
      if (change.spec.kind !== kind) {
        if (run > 0) series!.applied.inc(run);
        kind = change.spec.kind;
        series = this.series(kind);
        run = 0;
      }
      run++;
      if (change.seenAt !== undefined) series!.lag.observe((now - change.seenAt) / 1000);
    }
    if (run > 0) series!.applied.inc(run);
  }

  /** This replica no longer syncs the cluster: its series go. */
  remove(): void {
    const cluster = this.cluster.id;
    for (const kind of this.kinds.keys()) {
      this.families.applied.remove({ cluster, kind });
      this.families.lag.remove({ cluster, kind });
    }
    for (const kind of this.reflectorKinds) {
      this.families.watchRestarts.remove({ cluster, kind });
      this.families.relists.remove({ cluster, kind });
    }
    this.families.batchSize.remove({ cluster });
    this.families.commitDuration.remove({ cluster });
    this.families.info.remove({ cluster, name: this.cluster.name });
  }

  private series(kind: string): KindSeries {
    let s = this.kinds.get(kind);
    if (!s) {
      const labels = { cluster: this.cluster.id, kind };
      s = { applied: this.families.applied.labels(labels), lag: this.families.lag.labels(labels) };
      this.kinds.set(kind, s);
    }
    return s;
  }
}
