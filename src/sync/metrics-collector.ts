import type { DataSource } from 'typeorm';
import type { Logger } from '../common/logger.js';
import { sleep } from './backoff.js';
import { CLUSTER_API_PATHS } from './cluster-api-paths.js';
import type { Obj } from './k8s-fields.js';
import { holdsLease, type LeaseGrant } from './ownership.js';
import { bytes, cpuNanocores } from './quantity.js';
import type { ListWatchClient } from './reflector.js';

export interface MetricsCollectorOptions {
  dataSource: DataSource;
  client: ListWatchClient;
  cluster: { id: string; name: string };
  intervalMs: number;
  log: Logger;
  /** As WriterOptions.lease: a poll writes only under this lease. */
  lease?: LeaseGrant;
  /** Nodes whose kubelet Summary API is read at once. */
  summaryConcurrency?: number;
  requestTimeoutMs?: number;
}

interface Sample {
  cpu: number | null;
  memory: number | null;
  rx: number | null;
  tx: number | null;
  storage: number | null;
}

export interface PollResult {
  rows: number;
  metricsApi: boolean;
  summaryApi: boolean;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

function millicoresOf(q: unknown): number | null {
  if (q === undefined || q === null) return null;
  return Number(cpuNanocores(q as string)) / 1e6;
}

function bytesOf(q: unknown): number | null {
  if (q === undefined || q === null) return null;
  return Number(bytes(q as string));
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function emptySample(): Sample {
  return { cpu: null, memory: null, rx: null, tx: null, storage: null };
}

/**
 * Polls usage every interval: metrics.k8s.io for cpu and memory, the kubelet Summary API (through the API server's
 * node proxy) for network and ephemeral storage when the cluster allows it. Each poll is one transaction: one bulk
 * insert into k8s_resource_metrics at pod, deployment, namespace, node and cluster level (restarts and OOM kills come
 * from the stored container statuses), and the current-usage columns of nodes and namespaces. A cluster without
 * metrics-server simply has no usage; its inventory sync is unaffected.
 */
export class MetricsCollector {
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private metricsApiMissingLogged = false;
  private summaryDisabledUntil = 0;

  constructor(private readonly o: MetricsCollectorOptions) {}

  /** Starts polling after `ready` (the initial sync, so that rows exist to attach samples to). */
  start(ready: Promise<void>): void {
    this.running = (async () => {
      await Promise.race([ready, new Promise((r) => this.controller.signal.addEventListener('abort', r, { once: true }))]);
      while (!this.controller.signal.aborted) {
        try {
          await this.poll();
        } catch (err) {
          // A removal deletes the cluster's rows (23503: its samples lost their parent) and then stops this loop:
          // the poll it interrupts is not a failure.
          const interrupted = this.controller.signal.aborted || (err as { code?: unknown }).code === '23503';
          if (interrupted) this.o.log.debug({ err: (err as Error).message }, 'metrics poll interrupted by the cluster\'s removal');
          else this.o.log.warn({ err: (err as Error).message }, 'metrics poll failed');
        }
        await sleep(this.o.intervalMs, this.controller.signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  async poll(): Promise<PollResult> {
    const opts = { signal: this.controller.signal, timeoutMs: this.o.requestTimeoutMs ?? 30_000 };
    const pods = new Map<string, Sample>();
    const nodes = new Map<string, Sample>();
    const podSample = (key: string) => pods.get(key) ?? pods.set(key, emptySample()).get(key)!;
    const nodeSample = (key: string) => nodes.get(key) ?? nodes.set(key, emptySample()).get(key)!;

    let metricsApi = true;
    try {
      const [nodeList, podList] = await Promise.all([
        this.o.client.getJson<{ items?: Obj[] }>(CLUSTER_API_PATHS.nodeMetrics(), opts),
        this.o.client.getJson<{ items?: Obj[] }>(CLUSTER_API_PATHS.podMetrics(), opts),
      ]);
      for (const n of nodeList.items ?? []) {
        const s = nodeSample(n.metadata.name);
        s.cpu = millicoresOf(n.usage?.cpu);
        s.memory = bytesOf(n.usage?.memory);
      }
      for (const p of podList.items ?? []) {
        const s = podSample(`${p.metadata.namespace}/${p.metadata.name}`);
        let cpu = 0;
        let memory = 0;
        for (const c of (p.containers ?? []) as Obj[]) {
          cpu += millicoresOf(c.usage?.cpu) ?? 0;
          memory += bytesOf(c.usage?.memory) ?? 0;
        }
        s.cpu = cpu;
        s.memory = memory;
      }
      this.metricsApiMissingLogged = false;
    } catch (err) {
      if (this.controller.signal.aborted) return { rows: 0, metricsApi: false, summaryApi: false };
      metricsApi = false;
      if (!this.metricsApiMissingLogged) {
        this.metricsApiMissingLogged = true;
        this.o.log.info({ cluster: this.o.cluster.name, err: (err as Error).message }, 'metrics.k8s.io not available; cpu and memory usage not collected');
      }
    }

    const summaryApi = await this.readSummaries(podSample, nodeSample, opts);
    if (pods.size === 0 && nodes.size === 0) return { rows: 0, metricsApi, summaryApi };
    const rows = await this.store(pods, nodes);
    return { rows, metricsApi, summaryApi };
  }

  private async readSummaries(
    podSample: (key: string) => Sample,
    nodeSample: (key: string) => Sample,
    opts: { signal: AbortSignal; timeoutMs: number },
  ): Promise<boolean> {
    if (Date.now() < this.summaryDisabledUntil) return false;
    const names: string[] = (
      await this.o.dataSource.query(`SELECT name FROM k8s_nodes WHERE cluster_id = $1 AND deleted_at IS NULL ORDER BY name`, [this.o.cluster.id])
    ).map((r: { name: string }) => r.name);
    let ok = names.length > 0;
    let next = 0;
    const worker = async () => {
      while (next < names.length && ok) {
        const name = names[next++]!;
        try {
          const summary = await this.o.client.getJson<Obj>(CLUSTER_API_PATHS.nodeSummary(name), opts);
          const n = nodeSample(name);
          n.rx = num(summary.node?.network?.rxBytes);
          n.tx = num(summary.node?.network?.txBytes);
          n.storage = num(summary.node?.fs?.usedBytes);
          for (const p of (summary.pods ?? []) as Obj[]) {
            const s = podSample(`${p.podRef?.namespace}/${p.podRef?.name}`);
            s.rx = num(p.network?.rxBytes);
            s.tx = num(p.network?.txBytes);
            s.storage = num(p['ephemeral-storage']?.usedBytes);
          }
        } catch (err) {
          const status = statusOf(err);
          if (status === 403 || status === 404 || status === 401) {
            // Not allowed (RBAC) or not served: ask again in a while, not every poll.
            ok = false;
            this.summaryDisabledUntil = Date.now() + 10 * this.o.intervalMs;
            this.o.log.info({ cluster: this.o.cluster.name, status }, 'kubelet Summary API not available; network and storage usage not collected');
          } else if (!this.controller.signal.aborted) {
            this.o.log.debug({ node: name, err: (err as Error).message }, 'kubelet summary failed');
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.summaryConcurrency ?? 4, names.length) }, worker));
    return ok;
  }

  private async store(pods: Map<string, Sample>, nodes: Map<string, Sample>): Promise<number> {
    const podJson = JSON.stringify(
      [...pods].map(([key, s]) => {
        const slash = key.indexOf('/');
        return { namespace: key.slice(0, slash), name: key.slice(slash + 1), ...s };
      }),
    );
    const nodeJson = JSON.stringify([...nodes].map(([name, s]) => ({ name, ...s })));
    const cid = this.o.cluster.id;
    return this.o.dataSource.transaction(async (m) => {
      if (this.o.lease && !(await holdsLease((sql, params) => m.query(sql, params), cid, this.o.lease))) {
        this.o.log.warn({ lease: this.o.lease }, 'lease on the cluster lost; usage not written');
        return 0;
      }
      const collectedAt = new Date();
      const inserted: Array<{ level: string }> = await m.query(
        `WITH ps AS (
           SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(namespace text, name text, cpu double precision, memory bigint, rx bigint, tx bigint, storage bigint)
         ), nsamp AS (
           SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(name text, cpu double precision, memory bigint, rx bigint, tx bigint, storage bigint)
         ), pods AS (
           SELECT p.id, p.name, p.namespace, p.namespace_id, p.deployment_id, p.node_name, p.cpu_request_millicores, p.memory_request_bytes, p.restart_count,
             (SELECT count(*) FROM jsonb_array_elements(p.container_statuses) cs
               WHERE cs->>'lastTerminationReason' = 'OOMKilled' OR cs->>'reason' = 'OOMKilled')::int AS oom,
             ps.cpu, ps.memory, ps.rx, ps.tx, ps.storage
           FROM ps JOIN k8s_pods p ON p.cluster_id = $1 AND p.namespace = ps.namespace AND p.name = ps.name AND p.deleted_at IS NULL
         ), nodes AS (
           SELECT n.id, n.name, s.cpu, s.memory, s.rx, s.tx, s.storage
           FROM nsamp s JOIN k8s_nodes n ON n.cluster_id = $1 AND n.name = s.name AND n.deleted_at IS NULL
         )
         INSERT INTO k8s_resource_metrics (cluster_id, level, target_id, target_name, namespace, cpu_usage_millicores, memory_working_set_bytes,
           cpu_request_millicores, memory_request_bytes, network_rx_bytes, network_tx_bytes, storage_used_bytes, restarts, oom_kills, collected_at)
         SELECT $1, 'pod', id, name, namespace, cpu, memory, cpu_request_millicores, memory_request_bytes, rx, tx, storage, restart_count, oom, $4::timestamptz FROM pods
         UNION ALL
         SELECT $1, 'deployment', d.id, d.name, d.namespace, sum(p.cpu), sum(p.memory), sum(p.cpu_request_millicores), sum(p.memory_request_bytes),
           sum(p.rx), sum(p.tx), sum(p.storage), sum(p.restart_count), sum(p.oom), $4
           FROM pods p JOIN k8s_deployments d ON d.id = p.deployment_id GROUP BY d.id, d.name, d.namespace
         UNION ALL
         SELECT $1, 'namespace', n.id, n.name, n.name, sum(p.cpu), sum(p.memory), sum(p.cpu_request_millicores), sum(p.memory_request_bytes),
           sum(p.rx), sum(p.tx), sum(p.storage), sum(p.restart_count), sum(p.oom), $4
           FROM pods p JOIN k8s_namespaces n ON n.id = p.namespace_id GROUP BY n.id, n.name
         UNION ALL
         SELECT $1, 'node', n.id, n.name, NULL, n.cpu, n.memory,
           (SELECT sum(p.cpu_request_millicores) FROM pods p WHERE p.node_name = n.name),
           (SELECT sum(p.memory_request_bytes) FROM pods p WHERE p.node_name = n.name),
           n.rx, n.tx, n.storage,
           (SELECT sum(p.restart_count) FROM pods p WHERE p.node_name = n.name),
           (SELECT sum(p.oom) FROM pods p WHERE p.node_name = n.name), $4
           FROM nodes n
         UNION ALL
         SELECT $1, 'cluster', $1::uuid, $5, NULL,
           coalesce((SELECT sum(cpu) FROM nodes), (SELECT sum(cpu) FROM pods)),
           coalesce((SELECT sum(memory) FROM nodes), (SELECT sum(memory) FROM pods)),
           (SELECT sum(cpu_request_millicores) FROM pods), (SELECT sum(memory_request_bytes) FROM pods),
           coalesce((SELECT sum(rx) FROM nodes), (SELECT sum(rx) FROM pods)),
           coalesce((SELECT sum(tx) FROM nodes), (SELECT sum(tx) FROM pods)),
           coalesce((SELECT sum(storage) FROM nodes), (SELECT sum(storage) FROM pods)),
           (SELECT sum(restart_count) FROM pods), (SELECT sum(oom) FROM pods), $4
         RETURNING level`,
        [cid, podJson, nodeJson, collectedAt, this.o.cluster.name],
      );
      await m.query(
        `UPDATE k8s_nodes n SET cpu_usage_millicores = s.cpu, memory_usage_bytes = s.memory
         FROM jsonb_to_recordset($2::jsonb) AS s(name text, cpu double precision, memory bigint)
         WHERE n.cluster_id = $1 AND n.name = s.name AND n.deleted_at IS NULL AND s.cpu IS NOT NULL`,
        [cid, nodeJson],
      );
      await m.query(
        `UPDATE k8s_namespaces n SET cpu_usage_millicores = u.cpu, memory_usage_bytes = u.memory
         FROM (
           SELECT p.namespace, sum(s.cpu) AS cpu, sum(s.memory) AS memory
           FROM jsonb_to_recordset($2::jsonb) AS s(namespace text, name text, cpu double precision, memory bigint)
           JOIN k8s_pods p ON p.cluster_id = $1 AND p.namespace = s.namespace AND p.name = s.name AND p.deleted_at IS NULL
           WHERE s.cpu IS NOT NULL
           GROUP BY p.namespace
         ) u
         WHERE n.cluster_id = $1 AND n.name = u.namespace AND n.deleted_at IS NULL`,
        [cid, podJson],
      );
      return inserted.length;
    });
  }
}
