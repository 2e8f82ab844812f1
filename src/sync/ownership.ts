import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';

export interface LeaseTimings {
  /** A lease or heartbeat not renewed for this long is free for others to take. */
  ttlMs: number;
  /** How often leases and the heartbeat are renewed and free clusters looked for. */
  renewIntervalMs: number;
}

/**
 * A dead replica's clusters are taken over within ttl + one renewal interval (25 s by default), under the
 * 30 s promised; a live one renews four times per ttl, so one slow round trip never costs it a lease.
 */
export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { ttlMs: 20_000, renewIntervalMs: 5_000 };

export function newReplicaId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Who syncs which cluster, kept in PostgreSQL: one lease row per cluster (k8s_cluster_leases) and one
 * heartbeat row per replica (sync_replicas). All expiry arithmetic uses the database clock, read when each
 * row is examined (clock_timestamp(), not now(), which is frozen when a statement that then waits on a row
 * lock began: a renewal delayed past expiry must not count as in time). Taking a lease is
 * a single INSERT … ON CONFLICT that only overwrites an expired holder, so two replicas racing for the same
 * cluster cannot both win.
 */
export class ClusterOwnership {
  constructor(
    private readonly dataSource: DataSource,
    readonly replicaId: string,
    private readonly timings: LeaseTimings,
  ) {}

  /** Announces this replica as alive; returns how many replicas are alive, itself included. */
  async heartbeat(): Promise<number> {
    const [row]: Array<{ alive: number }> = await this.dataSource.query(
      `WITH beat AS (
         INSERT INTO sync_replicas (replica_id, hostname, pid, heartbeat_at, expires_at)
         VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond')
         ON CONFLICT (replica_id) DO UPDATE SET heartbeat_at = clock_timestamp(), expires_at = EXCLUDED.expires_at
         RETURNING replica_id
       ), forget AS (
         DELETE FROM sync_replicas WHERE expires_at < clock_timestamp() - interval '1 hour'
       )
       SELECT (SELECT count(*) FROM sync_replicas WHERE expires_at > clock_timestamp() AND replica_id <> $1)::int + 1 AS alive`,
      [this.replicaId, os.hostname(), process.pid, this.timings.ttlMs],
    );
    return row!.alive;
  }

  /**
   * Extends every lease this replica holds and returns the clusters it still owns. A lease whose cluster was
   * deleted is gone (cascade); one whose cluster lost its kubeconfig is dropped here.
   *
   * An UPDATE computes its new values before it waits for a row lock, so a renewal held up past expiry can
   * write an expiry that has already passed. RETURNING runs after the write: only leases that are still valid
   * for more than one renewal interval then count as held; the rest are free for others (and for us to retake).
   */
  async renew(): Promise<Set<string>> {
    await this.dataSource.query(
      `DELETE FROM k8s_cluster_leases l USING k8s_clusters c
        WHERE l.cluster_id = c.id AND l.holder = $1 AND c.kubeconfig_encrypted IS NULL`,
      [this.replicaId],
    );
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING as [rows, count].
    const rows: Array<{ cluster_id: string }> = await this.dataSource.query(
      `WITH renewed AS (
         UPDATE k8s_cluster_leases SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + $2 * interval '1 millisecond'
          WHERE holder = $1 AND expires_at > clock_timestamp()
          RETURNING cluster_id, expires_at
       ) SELECT cluster_id FROM renewed WHERE expires_at > clock_timestamp() + $3 * interval '1 millisecond'`,
      [this.replicaId, this.timings.ttlMs, this.timings.renewIntervalMs],
    );
    return new Set(rows.map((r) => r.cluster_id));
  }

  /** Clusters that can be synced (they have a kubeconfig), whoever holds them. */
  async syncableClusterCount(): Promise<number> {
    const [row]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM k8s_clusters WHERE kubeconfig_encrypted IS NOT NULL`,
    );
    return row!.n;
  }

  /**
   * Takes up to `max` clusters that nobody holds or whose holder let the lease expire. The conflict branch
   * computes the expiry after it has locked the row, so waiting on another replica cannot leave it stale.
   */
  async acquire(max: number): Promise<string[]> {
    if (max <= 0) return [];
    const rows: Array<{ cluster_id: string }> = await this.dataSource.query(
      `INSERT INTO k8s_cluster_leases AS l (cluster_id, holder, acquired_at, renewed_at, expires_at)
       SELECT c.id, $1, clock_timestamp(), clock_timestamp(), clock_timestamp() + $2 * interval '1 millisecond'
         FROM k8s_clusters c
         LEFT JOIN k8s_cluster_leases held ON held.cluster_id = c.id
        WHERE c.kubeconfig_encrypted IS NOT NULL AND (held.cluster_id IS NULL OR held.expires_at <= clock_timestamp())
        ORDER BY random()
        LIMIT $3
       ON CONFLICT (cluster_id) DO UPDATE
         SET holder = EXCLUDED.holder, acquired_at = clock_timestamp(), renewed_at = clock_timestamp(),
             expires_at = clock_timestamp() + $2 * interval '1 millisecond'
         WHERE l.expires_at <= clock_timestamp()
       RETURNING l.cluster_id, l.expires_at`,
      [this.replicaId, this.timings.ttlMs, max],
    );
    return rows.map((r) => r.cluster_id);
  }

  /** Gives leases back at once (after their syncs stopped), so another replica need not wait for expiry. */
  async release(clusterIds: readonly string[]): Promise<void> {
    if (clusterIds.length === 0) return;
    await this.dataSource.query(`DELETE FROM k8s_cluster_leases WHERE holder = $1 AND cluster_id = ANY($2::uuid[])`, [
      this.replicaId,
      clusterIds,
    ]);
  }

  /** Leaves for good: every lease released and the heartbeat removed. */
  async leave(): Promise<void> {
    await this.dataSource.query(`DELETE FROM k8s_cluster_leases WHERE holder = $1`, [this.replicaId]);
    await this.dataSource.query(`DELETE FROM sync_replicas WHERE replica_id = $1`, [this.replicaId]);
  }
}
