import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Kubernetes Events (`events.k8s.io/v1`, or core `v1` Events), one row per Event uid, updated in place as its count and
 * last time move, and kept after the API server deletes it (its TTL, one hour by default) with `deleted_at` set, until
 * KUBEGRAPH_RETENTION_EVENTS_DAYS. Partitioned by month of `created_at` (the Event's creationTimestamp), which never
 * changes for a uid, so an update never moves a row between partitions. Monthly like `k8s_pods` rather than daily: two
 * weeks of Events span at most two months, and lookups by involved object carry no time bound that could prune
 * dozens of daily partitions; retention deletes the expired days of the oldest month and drops whole months.
 */
export class KubernetesEvents1764838800000 implements MigrationInterface {
  name = 'KubernetesEvents1764838800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE k8s_events (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        namespace_id uuid REFERENCES k8s_namespaces (id) ON DELETE SET NULL,
        namespace text NOT NULL,
        uid text NOT NULL,
        name text NOT NULL,
        resource_version text,
        reason text,
        type text,
        note text,
        count integer NOT NULL DEFAULT 1,
        first_timestamp timestamptz NOT NULL,
        last_timestamp timestamptz NOT NULL,
        involved_kind text,
        involved_name text,
        involved_namespace text,
        involved_uid text,
        reporting_controller text,
        reporting_instance text,
        action text,
        created_at timestamptz NOT NULL,
        deleted_at timestamptz,
        synced_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_k8s_events PRIMARY KEY (id, created_at),
        CONSTRAINT uq_k8s_events_cluster_uid_created UNIQUE (cluster_id, uid, created_at)
      ) PARTITION BY RANGE (created_at)`);
    await q.query(`CREATE TABLE k8s_events_default PARTITION OF k8s_events DEFAULT`);
    // Newest first: per involved object (by uid; by kind and name for nodes, whose kubelet Events name the node as
    // their uid), per namespace, by reason or type, per cluster. Ties on time are broken by id, as the API pages them.
    await q.query(`CREATE INDEX ix_k8s_events_involved_uid ON k8s_events (cluster_id, involved_uid, last_timestamp DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_k8s_events_involved_name ON k8s_events (cluster_id, involved_kind, involved_name, last_timestamp DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_k8s_events_namespace ON k8s_events (cluster_id, namespace, last_timestamp DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_k8s_events_namespace_id ON k8s_events (namespace_id, last_timestamp DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_k8s_events_reason ON k8s_events (cluster_id, reason, last_timestamp DESC)`);
    await q.query(`CREATE INDEX ix_k8s_events_type ON k8s_events (cluster_id, type, last_timestamp DESC)`);
    await q.query(`CREATE INDEX ix_k8s_events_cluster_time ON k8s_events (cluster_id, last_timestamp DESC, id DESC)`);
    // The sync's deletion sweep reads the live rows of a cluster.
    await q.query(`CREATE INDEX ix_k8s_events_live ON k8s_events (cluster_id, uid) WHERE deleted_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE k8s_events`);
  }
}
