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

/**
 * One acquisition of a cluster's lease: who took it and when (the row's acquired_at, as PostgreSQL's text of it). A
 * sync writes only under the acquisition it started with, so a sync of an earlier acquisition by the same replica,
 * still draining after the replica lost and retook the lease, is fenced too.
 */
export interface LeaseGrant {
  holder: string;
  acquiredAt: string;
}

/**
 * Inside a transaction: whether `lease` is still the cluster's unexpired lease. The lease row then stays share-locked
 * until the transaction ends, so a takeover (which updates that row) waits for it: what a stalled former holder
 * writes can never land after the new holder has started.
 *
 * The cluster row is locked first (as the transaction's rows referencing it would lock it anyway): removing the
 * cluster locks it, then deletes the lease by cascade, so taking them in the other order could deadlock.
 */
export async function holdsLease(query: (sql: string, params: unknown[]) => Promise<unknown[]>, clusterId: string, lease: LeaseGrant): Promise<boolean> {
  if ((await query(`SELECT 1 FROM k8s_clusters WHERE id = $1 FOR KEY SHARE`, [clusterId])).length === 0) return false;
  const rows = await query(
    `SELECT 1 FROM k8s_cluster_leases
      WHERE cluster_id = $1 AND holder = $2 AND acquired_at = $3::timestamptz AND expires_at > clock_timestamp() FOR SHARE`,
    [clusterId, lease.holder, lease.acquiredAt],
  );
  return rows.length > 0;
}

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
    /** Ids of the encryption keys this replica can decrypt kubeconfigs with: it takes only clusters under them. */
    private readonly keyIds: readonly string[],
  ) {}

  /** Announces this replica as alive, with the keys it holds; returns how many replicas are alive, itself included. */
  async heartbeat(): Promise<number> {
    const [row]: Array<{ alive: number }> = await this.dataSource.query(
      `WITH beat AS (
         INSERT INTO sync_replicas (replica_id, hostname, pid, heartbeat_at, expires_at, key_ids)
         VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond', $5::text[])
         ON CONFLICT (replica_id) DO UPDATE SET heartbeat_at = clock_timestamp(), expires_at = EXCLUDED.expires_at, key_ids = EXCLUDED.key_ids
         RETURNING replica_id
       ), forget AS (
         DELETE FROM sync_replicas WHERE expires_at < clock_timestamp() - interval '1 hour'
       )
       SELECT (SELECT count(*) FROM sync_replicas WHERE expires_at > clock_timestamp() AND replica_id <> $1)::int + 1 AS alive`,
      [this.replicaId, os.hostname(), process.pid, this.timings.ttlMs, this.keyIds],
    );
    return row!.alive;
  }

  /**
   * Extends every lease this replica holds and returns the clusters it still owns, each with the key its
   * kubeconfig is under. A lease whose cluster was deleted is gone (cascade); one whose cluster lost its
   * kubeconfig, or was re-encrypted under a key this replica does not hold, is dropped here.
   *
   * An UPDATE computes its new values before it waits for a row lock, so a renewal held up past expiry can
   * write an expiry that has already passed. RETURNING runs after the write: only leases that are still valid
   * for more than one renewal interval then count as held; the rest are free for others (and for us to retake).
   */
  async renew(): Promise<Map<string, string>> {
    await this.dataSource.query(
      `DELETE FROM k8s_cluster_leases l USING k8s_clusters c
        WHERE l.cluster_id = c.id AND l.holder = $1
          AND (c.kubeconfig_encrypted IS NULL OR NOT (c.encryption_key_id = ANY($2::text[])))`,
      [this.replicaId, this.keyIds],
    );
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING as [rows, count].
    const rows: Array<{ cluster_id: string; key_id: string }> = await this.dataSource.query(
      `WITH renewed AS (
         UPDATE k8s_cluster_leases SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + $2 * interval '1 millisecond'
          WHERE holder = $1 AND expires_at > clock_timestamp()
          RETURNING cluster_id, expires_at
       ) SELECT r.cluster_id, c.encryption_key_id AS key_id
           FROM renewed r JOIN k8s_clusters c ON c.id = r.cluster_id
          WHERE r.expires_at > clock_timestamp() + $3 * interval '1 millisecond'
          ORDER BY r.cluster_id`,
      [this.replicaId, this.timings.ttlMs, this.timings.renewIntervalMs],
    );
    return new Map(rows.map((r) => [r.cluster_id, r.key_id]));
  }

  /**
   * This replica's fair share of clusters under each key it holds: ceil(clusters under the key / live replicas
   * holding the key). Counting per key means that the clusters only some replicas can decrypt are spread over
   * those replicas alone, and none is left without a holder while one of them lives.
   */
  async shares(): Promise<Map<string, number>> {
    const rows: Array<{ key_id: string; clusters: number; replicas: number }> = await this.dataSource.query(
      `SELECT k.key_id,
              (SELECT count(*) FROM k8s_clusters c
                WHERE c.kubeconfig_encrypted IS NOT NULL AND c.encryption_key_id = k.key_id)::int AS clusters,
              (SELECT count(*) FROM sync_replicas r
                WHERE r.expires_at > clock_timestamp() AND r.replica_id <> $1 AND k.key_id = ANY(r.key_ids))::int + 1 AS replicas
         FROM unnest($2::text[]) AS k(key_id)`,
      [this.replicaId, this.keyIds],
    );
    return new Map(rows.map((r) => [r.key_id, Math.ceil(r.clusters / r.replicas)]));
  }

  /**
   * Takes up to `max` clusters under `keyId` that nobody holds or whose holder let the lease expire. The conflict branch
   * computes the expiry after it has locked the row, so waiting on another replica cannot leave it stale. The clusters
   * are picked at random but inserted, and so locked, in id order: two replicas taking overlapping sets at once wait for
   * each other rather than deadlock (in random order each could hold a row the other waits for).
   */
  async acquire(max: number, keyId: string): Promise<string[]> {
    if (max <= 0) return [];
    const rows: Array<{ cluster_id: string }> = await this.dataSource.query(
      `INSERT INTO k8s_cluster_leases AS l (cluster_id, holder, acquired_at, renewed_at, expires_at)
       SELECT pick.id, $1, clock_timestamp(), clock_timestamp(), clock_timestamp() + $2 * interval '1 millisecond'
         FROM (
           SELECT c.id
             FROM k8s_clusters c
             LEFT JOIN k8s_cluster_leases held ON held.cluster_id = c.id
            WHERE c.kubeconfig_encrypted IS NOT NULL AND c.encryption_key_id = $4
              AND (held.cluster_id IS NULL OR held.expires_at <= clock_timestamp())
            ORDER BY random()
            LIMIT $3
         ) pick
        ORDER BY pick.id
       ON CONFLICT (cluster_id) DO UPDATE
         SET holder = EXCLUDED.holder, acquired_at = clock_timestamp(), renewed_at = clock_timestamp(),
             expires_at = clock_timestamp() + $2 * interval '1 millisecond'
         WHERE l.expires_at <= clock_timestamp()
       RETURNING l.cluster_id`,
      [this.replicaId, this.timings.ttlMs, max, keyId],
    );
    return rows.map((r) => r.cluster_id);
  }

  /** The acquisition of the cluster's lease this replica holds now, if it holds it. */
  async grant(clusterId: string): Promise<LeaseGrant | undefined> {
    const [row]: Array<{ acquired_at: string }> = await this.dataSource.query(
      `SELECT acquired_at::text AS acquired_at FROM k8s_cluster_leases WHERE cluster_id = $1 AND holder = $2 AND expires_at > clock_timestamp()`,
      [clusterId, this.replicaId],
    );
    return row ? { holder: this.replicaId, acquiredAt: row.acquired_at } : undefined;
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
