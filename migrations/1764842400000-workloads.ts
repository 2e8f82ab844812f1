import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * StatefulSets, DaemonSets, Jobs and CronJobs in one table, told apart by `kind`: "all workloads of a namespace" is
 * one query and one GraphQL connection, and the kinds share most columns. Status that only some kinds have is in a
 * few typed columns (replica counts, a Job's succeeded/failed/active, a CronJob's schedule); the rest stays in
 * `status` (jsonb). Rows are kept with deleted_at, as in the other inventory tables.
 *
 * Pods are not given a column of their own: a pod's controller is already on it (owner_kind, owner_uid), and
 * (cluster_id, uid) finds the workload row by index, as (cluster_id, owner_uid) finds the pods of a workload.
 */
export class Workloads1764842400000 implements MigrationInterface {
  name = 'Workloads1764842400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE k8s_workloads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        namespace_id uuid REFERENCES k8s_namespaces (id) ON DELETE SET NULL,
        kind text NOT NULL,
        namespace text NOT NULL,
        uid text NOT NULL,
        name text NOT NULL,
        resource_version text,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        annotations jsonb NOT NULL DEFAULT '{}'::jsonb,
        selector jsonb NOT NULL DEFAULT '{}'::jsonb,
        desired_replicas integer,
        ready_replicas integer,
        current_replicas integer,
        available_replicas integer,
        updated_replicas integer,
        succeeded integer,
        failed integer,
        active integer,
        completions integer,
        start_time timestamptz,
        completion_time timestamptz,
        schedule text,
        suspend boolean,
        last_schedule_time timestamptz,
        last_successful_time timestamptz,
        owner_kind text,
        owner_name text,
        owner_uid text,
        containers jsonb NOT NULL DEFAULT '[]'::jsonb,
        conditions jsonb NOT NULL DEFAULT '[]'::jsonb,
        status jsonb NOT NULL DEFAULT '{}'::jsonb,
        health text NOT NULL,
        created_at timestamptz NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT uq_k8s_workloads_cluster_uid UNIQUE (cluster_id, uid),
        CONSTRAINT ck_k8s_workloads_kind CHECK (kind IN ('StatefulSet', 'DaemonSet', 'Job', 'CronJob')),
        CONSTRAINT ck_k8s_workloads_health CHECK (health IN ('healthy', 'progressing', 'degraded', 'failed', 'scaled_to_zero', 'succeeded', 'suspended'))
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_k8s_workloads_cluster_kind_namespace_name_live ON k8s_workloads (cluster_id, kind, namespace, name) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_workloads_namespace_id ON k8s_workloads (namespace_id, kind)`);
    await q.query(`CREATE INDEX ix_k8s_workloads_cluster_owner ON k8s_workloads (cluster_id, owner_uid) WHERE owner_uid IS NOT NULL`);
    await q.query(`CREATE INDEX ix_k8s_workloads_cluster_health ON k8s_workloads (cluster_id, health) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_workloads_labels ON k8s_workloads USING gin (labels jsonb_path_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE k8s_workloads`);
  }
}
