import type { DataSource } from 'typeorm';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../common/logger.js';
import { CLUSTER_API_PATHS } from './cluster-api-paths.js';
import { holdsLease, type LeaseGrant } from './ownership.js';
import type { ListWatchClient, ReflectorStatus } from './reflector.js';
import type { Writer } from './writer.js';

export type ClusterHealthStatus = 'pending' | 'healthy' | 'degraded' | 'unreachable';

export interface ClusterHealthOptions {
  dataSource: DataSource;
  eventBus: EventBus;
  cluster: { id: string; organizationId: string; name: string };
  client: ListWatchClient;
  writer: Writer;
  reflectors: () => ReflectorStatus[];
  synced: () => boolean;
  log: Logger;
  intervalMs?: number;
  /** The API may be down this long before the cluster is called unreachable (a restart of the API server is normal). */
  unreachableAfterMs?: number;
  probeTimeoutMs?: number;
  /** As WriterOptions.lease: the cluster row is updated only under this lease. */
  lease?: LeaseGrant;
}

export interface HealthAssessment {
  status: ClusterHealthStatus;
  message: string | null;
}

interface Counts {
  node_count: number;
  ready_node_count: number;
}

/**
 * Keeps the cluster row's status, status_message, last_seen_at, last_sync_at, api_latency_ms, counts and capacity
 * totals current: a probe of the API every interval, the reflectors' and writer's state, and counts from the rows.
 */
export class ClusterHealthTracker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private apiFailingSince: number | undefined;
  private apiError: string | undefined;
  private lastSeenAt: Date | undefined;
  private latencyMs: number | undefined;
  private lastSyncAt: Date | undefined;
  private previous: HealthAssessment | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly unreachableAfterMs: number;
  private readonly probeTimeoutMs: number;

  constructor(private readonly o: ClusterHealthOptions) {
    this.intervalMs = o.intervalMs ?? 10_000;
    this.unreachableAfterMs = o.unreachableAfterMs ?? 60_000;
    this.probeTimeoutMs = o.probeTimeoutMs ?? 5_000;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.tick();
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One probe and one row update; exposed so that callers (and tests) can refresh on demand. */
  async tick(): Promise<HealthAssessment | undefined> {
    await this.probe();
    try {
      const counts = await this.counts();
      const assessment = this.assess(counts);
      await this.write(assessment);
      return assessment;
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'cluster health not recorded');
      return undefined;
    }
  }

  private async probe(): Promise<void> {
    const started = performance.now();
    try {
      await this.o.client.getJson(CLUSTER_API_PATHS.version(), { timeoutMs: this.probeTimeoutMs });
      this.latencyMs = Math.round(performance.now() - started);
      this.lastSeenAt = new Date();
      this.apiFailingSince = undefined;
      this.apiError = undefined;
    } catch (err) {
      this.apiFailingSince ??= Date.now();
      this.apiError = (err as Error).message;
    }
  }

  private async counts(): Promise<Counts> {
    const [row] = await this.o.dataSource.query(
      `SELECT count(*)::int AS node_count, count(*) FILTER (WHERE ready)::int AS ready_node_count
       FROM k8s_nodes WHERE cluster_id = $1 AND deleted_at IS NULL`,
      [this.o.cluster.id],
    );
    return row as Counts;
  }

  assess(counts: Counts): HealthAssessment {
    const now = Date.now();
    if (this.apiFailingSince !== undefined && now - this.apiFailingSince >= this.unreachableAfterMs) {
      const since = new Date(this.apiFailingSince).toISOString();
      return { status: 'unreachable', message: `API server unreachable since ${since}: ${this.apiError}` };
    }
    const reflectors = this.o.reflectors();
    const issues: string[] = [];
    if (this.apiFailingSince !== undefined) issues.push(`API server not answering: ${this.apiError}`);
    for (const r of reflectors) if (r.failingSince !== undefined) issues.push(`watch of ${r.resource} failing: ${r.lastError}`);
    const dbFailure = this.o.writer.failure();
    if (dbFailure) issues.push(`database writes failing: ${dbFailure.message}`);
    if (!this.o.synced()) return { status: 'pending', message: issues.length > 0 ? issues.join('; ') : 'initial sync in progress' };
    const notReady = counts.node_count - counts.ready_node_count;
    if (notReady > 0) issues.push(`${notReady} of ${counts.node_count} nodes NotReady`);
    if (issues.length > 0) return { status: 'degraded', message: issues.join('; ') };
    // Every watch is open and current: the inventory is in sync as of now.
    this.lastSyncAt = new Date();
    return { status: 'healthy', message: null };
  }

  private async write(a: HealthAssessment): Promise<void> {
    const writerCommit = this.o.writer.stats().lastCommitAt;
    const lastSync = [this.lastSyncAt, writerCommit].filter((d): d is Date => d !== undefined).sort((x, y) => y.getTime() - x.getTime())[0];
    const cid = this.o.cluster.id;
    const lease = this.o.lease;
    const row = await this.o.dataSource.transaction(async (m) => {
      if (lease) {
        // The row is updated below: locked for that before the lease check's weaker lock, so that no lock is upgraded
        // while a removal of the cluster waits for it.
        await m.query(`SELECT 1 FROM k8s_clusters WHERE id = $1 FOR NO KEY UPDATE`, [cid]);
        if (!(await holdsLease((sql, params) => m.query(sql, params), cid, lease))) return undefined;
      }
      const [updated] = await m.query(
        `WITH n AS (
           SELECT count(*) AS nodes, count(*) FILTER (WHERE ready) AS ready,
                  coalesce(sum(cpu_capacity_millicores), 0) AS cpu_cap, coalesce(sum(memory_capacity_bytes), 0) AS mem_cap,
                  coalesce(sum(cpu_allocatable_millicores), 0) AS cpu_alloc, coalesce(sum(memory_allocatable_bytes), 0) AS mem_alloc
           FROM k8s_nodes WHERE cluster_id = $1 AND deleted_at IS NULL),
         p AS (SELECT count(*) AS pods, count(*) FILTER (WHERE phase = 'Running') AS running FROM k8s_pods WHERE cluster_id = $1 AND deleted_at IS NULL),
         ns AS (SELECT count(*) AS namespaces FROM k8s_namespaces WHERE cluster_id = $1 AND deleted_at IS NULL),
         d AS (SELECT count(*) AS deployments FROM k8s_deployments WHERE cluster_id = $1 AND deleted_at IS NULL)
         UPDATE k8s_clusters c SET
           status = $2, status_message = $3,
           last_seen_at = coalesce($4, c.last_seen_at), last_sync_at = coalesce($5, c.last_sync_at),
           api_latency_ms = coalesce($6, c.api_latency_ms),
           node_count = n.nodes, ready_node_count = n.ready, pod_count = p.pods, running_pod_count = p.running,
           namespace_count = ns.namespaces, deployment_count = d.deployments,
           cpu_capacity_millicores = n.cpu_cap, memory_capacity_bytes = n.mem_cap,
           cpu_allocatable_millicores = n.cpu_alloc, memory_allocatable_bytes = n.mem_alloc,
           updated_at = now()
         FROM n, p, ns, d
         WHERE c.id = $1
         RETURNING c.*`,
        [cid, a.status, a.message, this.lastSeenAt ?? null, lastSync ?? null, this.latencyMs ?? null],
      );
      await m.query(
        `UPDATE k8s_namespaces ns SET pod_count = c.pods
         FROM (
           SELECT n.id, (SELECT count(*) FROM k8s_pods p WHERE p.cluster_id = $1 AND p.namespace = n.name AND p.deleted_at IS NULL)::int AS pods
           FROM k8s_namespaces n WHERE n.cluster_id = $1 AND n.deleted_at IS NULL
         ) c
         WHERE ns.id = c.id AND ns.pod_count <> c.pods`,
        [cid],
      );
      return updated as Record<string, unknown> | undefined;
    });
    // Another replica took the cluster over (row undefined): its own tracker reports from now on.
    const changed = !this.previous || this.previous.status !== a.status || this.previous.message !== a.message;
    if (changed && row) {
      if (this.previous?.status !== a.status) {
        this.o.log.info({ cluster: this.o.cluster.name, status: a.status, message: a.message }, 'cluster status changed');
      }
      const changedFields = !this.previous ? [] : this.previous.status !== a.status ? ['status', 'statusMessage'] : ['statusMessage'];
      this.previous = a;
      await this.o.eventBus.publish([
        {
          organizationId: this.o.cluster.organizationId,
          clusterId: cid,
          kind: 'Cluster',
          type: 'MODIFIED',
          namespace: null,
          name: this.o.cluster.name,
          uid: cid,
          changedFields,
          state: { id: cid, name: this.o.cluster.name, status: a.status, statusMessage: a.message, lastSeenAt: this.lastSeenAt ?? null },
          committedAt: new Date(),
        },
      ]);
    }
  }
}
