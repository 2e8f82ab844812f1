import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Multi-replica ownership: every running `kubegraph serve` announces itself in sync_replicas with a
 * heartbeat, and syncs a cluster only while it holds that cluster's row in k8s_cluster_leases. Expiry
 * times come from the database clock, so replicas with skewed clocks still agree on who holds what.
 */
export class ClusterLeases1764316800000 implements MigrationInterface {
  name = 'ClusterLeases1764316800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_replicas (
        replica_id text PRIMARY KEY,
        hostname text NOT NULL,
        pid integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_sync_replicas_expires_at ON sync_replicas (expires_at)`);
    await q.query(`
      CREATE TABLE k8s_cluster_leases (
        cluster_id uuid PRIMARY KEY REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        holder text NOT NULL,
        acquired_at timestamptz NOT NULL DEFAULT now(),
        renewed_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_k8s_cluster_leases_holder ON k8s_cluster_leases (holder)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE k8s_cluster_leases`);
    await q.query(`DROP TABLE sync_replicas`);
  }
}
