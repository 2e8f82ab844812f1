import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Phase 1 schema: organisations and API tokens, clusters, the inventory tables, the two
 * monthly-partitioned time series (pods by creation time, metrics by collection time), cost
 * attribution and the two views. Only DEFAULT partitions are created here so that no insert can
 * ever fail; monthly partitions are created and retired by src/db/partition-maintenance.ts.
 *
 * Inventory tables are keyed for the sync writer by (cluster_id, uid) and keep their rows after the
 * object disappears (deleted_at), so that cost and history survive. Names are unique only among
 * live rows, because Kubernetes lets a deleted object's name be reused at once.
 */
export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_organizations_name UNIQUE (name),
        CONSTRAINT ck_organizations_name CHECK (length(name) BETWEEN 1 AND 200)
      )`);

    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL,
        token_prefix text NOT NULL,
        role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        expires_at timestamptz,
        CONSTRAINT uq_api_tokens_token_hash UNIQUE (token_hash),
        CONSTRAINT ck_api_tokens_role CHECK (role IN ('admin', 'editor', 'viewer'))
      )`);
    await q.query(`CREATE INDEX ix_api_tokens_organization ON api_tokens (organization_id, created_at)`);

    // An organisation with clusters cannot be deleted by accident: RESTRICT. Removing a cluster
    // removes everything synced from it (CASCADE), which is what `removeCluster` without keepData means.
    await q.query(`
      CREATE TABLE k8s_clusters (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
        name text NOT NULL,
        provider text NOT NULL DEFAULT 'unknown',
        api_server_url text,
        kubernetes_version text,
        context_name text,
        kubeconfig_encrypted bytea,
        encryption_key_id text,
        status text NOT NULL DEFAULT 'pending',
        status_message text,
        last_seen_at timestamptz,
        last_sync_at timestamptz,
        api_latency_ms integer,
        node_count integer NOT NULL DEFAULT 0,
        ready_node_count integer NOT NULL DEFAULT 0,
        namespace_count integer NOT NULL DEFAULT 0,
        deployment_count integer NOT NULL DEFAULT 0,
        pod_count integer NOT NULL DEFAULT 0,
        running_pod_count integer NOT NULL DEFAULT 0,
        cpu_capacity_millicores bigint NOT NULL DEFAULT 0,
        memory_capacity_bytes bigint NOT NULL DEFAULT 0,
        cpu_allocatable_millicores bigint NOT NULL DEFAULT 0,
        memory_allocatable_bytes bigint NOT NULL DEFAULT 0,
        hourly_cost_estimate numeric(18, 6),
        pricing jsonb,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_k8s_clusters_organization_name UNIQUE (organization_id, name),
        CONSTRAINT ck_k8s_clusters_name CHECK (length(name) BETWEEN 1 AND 200),
        CONSTRAINT ck_k8s_clusters_provider CHECK (provider IN ('eks', 'gke', 'aks', 'k3s', 'kind', 'openshift', 'vanilla', 'unknown')),
        CONSTRAINT ck_k8s_clusters_status CHECK (status IN ('pending', 'healthy', 'degraded', 'unreachable', 'error')),
        CONSTRAINT ck_k8s_clusters_kubeconfig CHECK ((kubeconfig_encrypted IS NULL) = (encryption_key_id IS NULL))
      )`);
    await q.query(`CREATE INDEX ix_k8s_clusters_organization_status ON k8s_clusters (organization_id, status)`);
    await q.query(`CREATE INDEX ix_k8s_clusters_status ON k8s_clusters (status)`);
    await q.query(`CREATE INDEX ix_k8s_clusters_encryption_key ON k8s_clusters (encryption_key_id)`);
    await q.query(`CREATE INDEX ix_k8s_clusters_labels ON k8s_clusters USING gin (labels jsonb_path_ops)`);

    await q.query(`
      CREATE TABLE k8s_namespaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        uid text NOT NULL,
        name text NOT NULL,
        resource_version text,
        phase text,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        annotations jsonb NOT NULL DEFAULT '{}'::jsonb,
        team text,
        cost_center text,
        resource_quota_hard jsonb,
        resource_quota_used jsonb,
        limit_ranges jsonb,
        cpu_usage_millicores double precision,
        memory_usage_bytes bigint,
        pod_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT uq_k8s_namespaces_cluster_uid UNIQUE (cluster_id, uid)
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_k8s_namespaces_cluster_name_live ON k8s_namespaces (cluster_id, name) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_namespaces_team ON k8s_namespaces (team) WHERE team IS NOT NULL`);
    await q.query(`CREATE INDEX ix_k8s_namespaces_cost_center ON k8s_namespaces (cost_center) WHERE cost_center IS NOT NULL`);
    await q.query(`CREATE INDEX ix_k8s_namespaces_cluster_name ON k8s_namespaces (cluster_id, name, deleted_at)`);
    await q.query(`CREATE INDEX ix_k8s_namespaces_labels ON k8s_namespaces USING gin (labels jsonb_path_ops)`);

    await q.query(`
      CREATE TABLE k8s_nodes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        uid text NOT NULL,
        name text NOT NULL,
        resource_version text,
        provider_id text,
        instance_type text,
        region text,
        zone text,
        cpu_capacity_millicores bigint NOT NULL DEFAULT 0,
        memory_capacity_bytes bigint NOT NULL DEFAULT 0,
        pods_capacity integer NOT NULL DEFAULT 0,
        ephemeral_storage_capacity_bytes bigint NOT NULL DEFAULT 0,
        cpu_allocatable_millicores bigint NOT NULL DEFAULT 0,
        memory_allocatable_bytes bigint NOT NULL DEFAULT 0,
        pods_allocatable integer NOT NULL DEFAULT 0,
        ephemeral_storage_allocatable_bytes bigint NOT NULL DEFAULT 0,
        cpu_usage_millicores double precision,
        memory_usage_bytes bigint,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        taints jsonb NOT NULL DEFAULT '[]'::jsonb,
        conditions jsonb NOT NULL DEFAULT '[]'::jsonb,
        ready boolean NOT NULL DEFAULT false,
        unschedulable boolean NOT NULL DEFAULT false,
        kubelet_version text,
        container_runtime_version text,
        os_image text,
        operating_system text,
        architecture text,
        created_at timestamptz NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT uq_k8s_nodes_cluster_uid UNIQUE (cluster_id, uid)
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_k8s_nodes_cluster_name_live ON k8s_nodes (cluster_id, name) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_nodes_cluster_ready ON k8s_nodes (cluster_id, ready) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_nodes_cluster_zone ON k8s_nodes (cluster_id, zone)`);
    await q.query(`CREATE INDEX ix_k8s_nodes_instance_type ON k8s_nodes (instance_type)`);

    await q.query(`
      CREATE TABLE k8s_deployments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        namespace_id uuid REFERENCES k8s_namespaces (id) ON DELETE SET NULL,
        namespace text NOT NULL,
        uid text NOT NULL,
        name text NOT NULL,
        resource_version text,
        desired_replicas integer NOT NULL DEFAULT 0,
        ready_replicas integer NOT NULL DEFAULT 0,
        available_replicas integer NOT NULL DEFAULT 0,
        updated_replicas integer NOT NULL DEFAULT 0,
        unavailable_replicas integer NOT NULL DEFAULT 0,
        strategy text,
        max_surge text,
        max_unavailable text,
        containers jsonb NOT NULL DEFAULT '[]'::jsonb,
        selector jsonb NOT NULL DEFAULT '{}'::jsonb,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        annotations jsonb NOT NULL DEFAULT '{}'::jsonb,
        health text NOT NULL DEFAULT 'progressing',
        generation bigint,
        observed_generation bigint,
        conditions jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT uq_k8s_deployments_cluster_uid UNIQUE (cluster_id, uid),
        CONSTRAINT ck_k8s_deployments_health CHECK (health IN ('healthy', 'progressing', 'degraded', 'failed', 'scaled_to_zero'))
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_k8s_deployments_cluster_namespace_name_live ON k8s_deployments (cluster_id, namespace, name) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_deployments_cluster_health ON k8s_deployments (cluster_id, health) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_deployments_namespace_id ON k8s_deployments (namespace_id)`);
    await q.query(`CREATE INDEX ix_k8s_deployments_labels ON k8s_deployments USING gin (labels jsonb_path_ops)`);

    // The link Pod → ReplicaSet → Deployment: pods name their ReplicaSet in ownerReferences.
    await q.query(`
      CREATE TABLE k8s_replica_sets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        namespace_id uuid REFERENCES k8s_namespaces (id) ON DELETE SET NULL,
        namespace text NOT NULL,
        uid text NOT NULL,
        name text NOT NULL,
        resource_version text,
        owner_kind text,
        owner_name text,
        owner_uid text,
        deployment_uid text,
        deployment_id uuid REFERENCES k8s_deployments (id) ON DELETE SET NULL,
        revision text,
        desired_replicas integer NOT NULL DEFAULT 0,
        ready_replicas integer NOT NULL DEFAULT 0,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT uq_k8s_replica_sets_cluster_uid UNIQUE (cluster_id, uid)
      )`);
    await q.query(`CREATE INDEX ix_k8s_replica_sets_cluster_deployment_uid ON k8s_replica_sets (cluster_id, deployment_uid)`);
    await q.query(`CREATE INDEX ix_k8s_replica_sets_deployment_id ON k8s_replica_sets (deployment_id)`);

    await q.query(`
      CREATE TABLE k8s_pods (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        namespace_id uuid REFERENCES k8s_namespaces (id) ON DELETE SET NULL,
        namespace text NOT NULL,
        deployment_id uuid REFERENCES k8s_deployments (id) ON DELETE SET NULL,
        owner_kind text,
        owner_name text,
        owner_uid text,
        node_name text,
        uid text NOT NULL,
        name text NOT NULL,
        resource_version text,
        phase text NOT NULL DEFAULT 'Pending',
        reason text,
        qos_class text,
        ready boolean NOT NULL DEFAULT false,
        restart_count integer NOT NULL DEFAULT 0,
        container_statuses jsonb NOT NULL DEFAULT '[]'::jsonb,
        containers jsonb NOT NULL DEFAULT '[]'::jsonb,
        cpu_request_millicores bigint NOT NULL DEFAULT 0,
        cpu_limit_millicores bigint,
        memory_request_bytes bigint NOT NULL DEFAULT 0,
        memory_limit_bytes bigint,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        pod_ip text,
        started_at timestamptz,
        created_at timestamptz NOT NULL,
        deleted_at timestamptz,
        synced_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_k8s_pods PRIMARY KEY (id, created_at),
        CONSTRAINT uq_k8s_pods_cluster_uid_created UNIQUE (cluster_id, uid, created_at),
        CONSTRAINT ck_k8s_pods_phase CHECK (phase IN ('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'))
      ) PARTITION BY RANGE (created_at)`);
    await q.query(`CREATE TABLE k8s_pods_default PARTITION OF k8s_pods DEFAULT`);
    await q.query(`CREATE INDEX ix_k8s_pods_cluster_namespace_phase ON k8s_pods (cluster_id, namespace, phase) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_pods_cluster_phase ON k8s_pods (cluster_id, phase) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_pods_deployment ON k8s_pods (deployment_id, created_at)`);
    await q.query(`CREATE INDEX ix_k8s_pods_namespace_id ON k8s_pods (namespace_id)`);
    await q.query(`CREATE INDEX ix_k8s_pods_cluster_node ON k8s_pods (cluster_id, node_name) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_pods_cluster_owner ON k8s_pods (cluster_id, owner_uid)`);
    await q.query(`CREATE INDEX ix_k8s_pods_cluster_created ON k8s_pods (cluster_id, created_at)`);
    await q.query(`CREATE INDEX ix_k8s_pods_cluster_deleted ON k8s_pods (cluster_id, deleted_at) WHERE deleted_at IS NOT NULL`);
    await q.query(`CREATE INDEX ix_k8s_pods_labels ON k8s_pods USING gin (labels jsonb_path_ops)`);

    await q.query(`
      CREATE TABLE k8s_resource_metrics (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        level text NOT NULL,
        target_id uuid NOT NULL,
        target_name text NOT NULL,
        namespace text,
        cpu_usage_millicores double precision,
        memory_working_set_bytes bigint,
        cpu_request_millicores bigint,
        memory_request_bytes bigint,
        network_rx_bytes bigint,
        network_tx_bytes bigint,
        storage_used_bytes bigint,
        restarts integer,
        oom_kills integer,
        collected_at timestamptz NOT NULL,
        CONSTRAINT pk_k8s_resource_metrics PRIMARY KEY (id, collected_at),
        CONSTRAINT ck_k8s_resource_metrics_level CHECK (level IN ('cluster', 'namespace', 'deployment', 'pod', 'node'))
      ) PARTITION BY RANGE (collected_at)`);
    await q.query(`CREATE TABLE k8s_resource_metrics_default PARTITION OF k8s_resource_metrics DEFAULT`);
    await q.query(`CREATE INDEX ix_k8s_resource_metrics_target_time ON k8s_resource_metrics (cluster_id, level, target_id, collected_at)`);
    await q.query(`CREATE INDEX ix_k8s_resource_metrics_level_time ON k8s_resource_metrics (cluster_id, level, collected_at)`);
    await q.query(`CREATE INDEX ix_k8s_resource_metrics_namespace_time ON k8s_resource_metrics (cluster_id, namespace, collected_at) WHERE namespace IS NOT NULL`);
    await q.query(`CREATE INDEX ix_k8s_resource_metrics_collected_brin ON k8s_resource_metrics USING brin (collected_at)`);

    // Helm keeps one secret per revision; the table keeps the latest revision of each release.
    await q.query(`
      CREATE TABLE k8s_helm_releases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        namespace_id uuid REFERENCES k8s_namespaces (id) ON DELETE SET NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        uid text,
        resource_version text,
        revision integer NOT NULL,
        status text NOT NULL,
        chart_name text NOT NULL,
        chart_version text,
        app_version text,
        values jsonb NOT NULL DEFAULT '{}'::jsonb,
        first_deployed_at timestamptz,
        last_deployed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        synced_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT uq_k8s_helm_releases_cluster_namespace_name UNIQUE (cluster_id, namespace, name)
      )`);
    await q.query(`CREATE INDEX ix_k8s_helm_releases_cluster_status ON k8s_helm_releases (cluster_id, status) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX ix_k8s_helm_releases_chart ON k8s_helm_releases (chart_name, chart_version)`);
    await q.query(`CREATE INDEX ix_k8s_helm_releases_namespace_id ON k8s_helm_releases (namespace_id)`);

    await q.query(`
      CREATE TABLE k8s_persistent_volume_claims (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        namespace_id uuid REFERENCES k8s_namespaces (id) ON DELETE SET NULL,
        namespace text NOT NULL,
        uid text NOT NULL,
        name text NOT NULL,
        resource_version text,
        storage_class text,
        phase text,
        volume_name text,
        access_modes jsonb NOT NULL DEFAULT '[]'::jsonb,
        capacity_bytes bigint,
        requested_bytes bigint,
        mounted_by_pods jsonb NOT NULL DEFAULT '[]'::jsonb,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT uq_k8s_persistent_volume_claims_cluster_uid UNIQUE (cluster_id, uid)
      )`);
    await q.query(`CREATE INDEX ix_k8s_persistent_volume_claims_cluster_namespace ON k8s_persistent_volume_claims (cluster_id, namespace) WHERE deleted_at IS NULL`);

    // NULLS NOT DISTINCT (PostgreSQL 15+) so that namespace- and cluster-level rows, whose workload
    // columns are NULL, are still unique and can be upserted.
    await q.query(`
      CREATE TABLE k8s_cost_attribution (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cluster_id uuid NOT NULL REFERENCES k8s_clusters (id) ON DELETE CASCADE,
        namespace text,
        team text,
        cost_center text,
        workload_kind text,
        workload_name text,
        granularity text NOT NULL,
        period_start timestamptz NOT NULL,
        cpu_core_hours numeric(20, 6) NOT NULL DEFAULT 0,
        cpu_request_core_hours numeric(20, 6) NOT NULL DEFAULT 0,
        cpu_usage_core_hours numeric(20, 6) NOT NULL DEFAULT 0,
        ram_gib_hours numeric(20, 6) NOT NULL DEFAULT 0,
        ram_request_gib_hours numeric(20, 6) NOT NULL DEFAULT 0,
        ram_usage_gib_hours numeric(20, 6) NOT NULL DEFAULT 0,
        storage_gib_hours numeric(20, 6) NOT NULL DEFAULT 0,
        network_gib numeric(20, 6) NOT NULL DEFAULT 0,
        cpu_cost numeric(20, 6) NOT NULL DEFAULT 0,
        memory_cost numeric(20, 6) NOT NULL DEFAULT 0,
        storage_cost numeric(20, 6) NOT NULL DEFAULT 0,
        network_cost numeric(20, 6) NOT NULL DEFAULT 0,
        idle_cost numeric(20, 6) NOT NULL DEFAULT 0,
        total_cost numeric(20, 6) NOT NULL DEFAULT 0,
        currency char(3) NOT NULL DEFAULT 'USD',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_k8s_cost_attribution_period UNIQUE NULLS NOT DISTINCT (cluster_id, namespace, workload_kind, workload_name, granularity, period_start),
        CONSTRAINT ck_k8s_cost_attribution_granularity CHECK (granularity IN ('hour', 'day')),
        CONSTRAINT ck_k8s_cost_attribution_workload CHECK ((workload_kind IS NULL) = (workload_name IS NULL))
      )`);
    await q.query(`CREATE INDEX ix_k8s_cost_attribution_period ON k8s_cost_attribution (granularity, period_start)`);
    await q.query(`CREATE INDEX ix_k8s_cost_attribution_cluster_namespace_period ON k8s_cost_attribution (cluster_id, namespace, granularity, period_start)`);
    await q.query(`CREATE INDEX ix_k8s_cost_attribution_team_period ON k8s_cost_attribution (team, granularity, period_start) WHERE team IS NOT NULL`);
    await q.query(`CREATE INDEX ix_k8s_cost_attribution_cost_center_period ON k8s_cost_attribution (cost_center, granularity, period_start) WHERE cost_center IS NOT NULL`);

    // Live objects only (deleted_at IS NULL); usage is the latest value the metrics collector wrote.
    await q.query(`
      CREATE VIEW v_k8s_cluster_health AS
      SELECT
        c.id AS cluster_id,
        c.organization_id,
        c.name AS cluster_name,
        c.status,
        c.status_message,
        c.last_seen_at,
        c.last_sync_at,
        coalesce(n.node_count, 0)::integer AS node_count,
        coalesce(n.ready_node_count, 0)::integer AS ready_node_count,
        coalesce(d.deployment_count, 0)::integer AS deployment_count,
        coalesce(d.healthy_deployment_count, 0)::integer AS healthy_deployment_count,
        coalesce(p.pod_count, 0)::integer AS pod_count,
        coalesce(p.running_pod_count, 0)::integer AS running_pod_count,
        coalesce(p.pending_pod_count, 0)::integer AS pending_pod_count,
        coalesce(p.failed_pod_count, 0)::integer AS failed_pod_count,
        coalesce(n.cpu_capacity_millicores, 0)::bigint AS cpu_capacity_millicores,
        coalesce(n.cpu_allocatable_millicores, 0)::bigint AS cpu_allocatable_millicores,
        coalesce(p.cpu_request_millicores, 0)::bigint AS cpu_request_millicores,
        coalesce(n.cpu_usage_millicores, 0)::double precision AS cpu_usage_millicores,
        coalesce(n.memory_capacity_bytes, 0)::bigint AS memory_capacity_bytes,
        coalesce(n.memory_allocatable_bytes, 0)::bigint AS memory_allocatable_bytes,
        coalesce(p.memory_request_bytes, 0)::bigint AS memory_request_bytes,
        coalesce(n.memory_usage_bytes, 0)::bigint AS memory_usage_bytes,
        c.hourly_cost_estimate
      FROM k8s_clusters c
      LEFT JOIN LATERAL (
        SELECT
          count(*) AS node_count,
          count(*) FILTER (WHERE nd.ready) AS ready_node_count,
          sum(nd.cpu_capacity_millicores) AS cpu_capacity_millicores,
          sum(nd.cpu_allocatable_millicores) AS cpu_allocatable_millicores,
          sum(nd.cpu_usage_millicores) AS cpu_usage_millicores,
          sum(nd.memory_capacity_bytes) AS memory_capacity_bytes,
          sum(nd.memory_allocatable_bytes) AS memory_allocatable_bytes,
          sum(nd.memory_usage_bytes) AS memory_usage_bytes
        FROM k8s_nodes nd
        WHERE nd.cluster_id = c.id AND nd.deleted_at IS NULL
      ) n ON true
      LEFT JOIN LATERAL (
        SELECT
          count(*) AS deployment_count,
          count(*) FILTER (WHERE dp.health = 'healthy') AS healthy_deployment_count
        FROM k8s_deployments dp
        WHERE dp.cluster_id = c.id AND dp.deleted_at IS NULL
      ) d ON true
      LEFT JOIN LATERAL (
        SELECT
          count(*) AS pod_count,
          count(*) FILTER (WHERE pd.phase = 'Running') AS running_pod_count,
          count(*) FILTER (WHERE pd.phase = 'Pending') AS pending_pod_count,
          count(*) FILTER (WHERE pd.phase = 'Failed') AS failed_pod_count,
          sum(pd.cpu_request_millicores) FILTER (WHERE pd.phase IN ('Pending', 'Running')) AS cpu_request_millicores,
          sum(pd.memory_request_bytes) FILTER (WHERE pd.phase IN ('Pending', 'Running')) AS memory_request_bytes
        FROM k8s_pods pd
        WHERE pd.cluster_id = c.id AND pd.deleted_at IS NULL
      ) p ON true`);

    // Daily rows of the last 30 UTC days (today included) per namespace; a namespace deleted in that
    // window still shows its cost, and a name reused after deletion is counted once (latest row).
    // The average divides by the days that have cost rows, so a young namespace is not under-stated.
    await q.query(`
      CREATE VIEW v_k8s_namespace_costs AS
      SELECT
        ns.id AS namespace_id,
        ns.cluster_id,
        c.organization_id,
        c.name AS cluster_name,
        ns.name AS namespace,
        ns.team,
        ns.cost_center,
        coalesce(a.days_with_cost, 0)::integer AS days_with_cost,
        coalesce(a.total_cost, 0)::numeric(20, 6) AS cost_30d,
        coalesce(a.total_cost / nullif(a.days_with_cost, 0), 0)::numeric(20, 6) AS avg_daily_cost,
        coalesce(a.cpu_cost, 0)::numeric(20, 6) AS cpu_cost_30d,
        coalesce(a.memory_cost, 0)::numeric(20, 6) AS memory_cost_30d,
        coalesce(a.storage_cost, 0)::numeric(20, 6) AS storage_cost_30d,
        coalesce(a.network_cost, 0)::numeric(20, 6) AS network_cost_30d,
        coalesce(a.idle_cost, 0)::numeric(20, 6) AS idle_cost_30d,
        coalesce(a.cpu_core_hours, 0)::numeric(20, 6) AS cpu_core_hours_30d,
        coalesce(a.ram_gib_hours, 0)::numeric(20, 6) AS ram_gib_hours_30d,
        coalesce(a.storage_gib_hours, 0)::numeric(20, 6) AS storage_gib_hours_30d,
        coalesce(a.network_gib, 0)::numeric(20, 6) AS network_gib_30d,
        coalesce(a.currency, 'USD')::char(3) AS currency
      FROM k8s_namespaces ns
      JOIN k8s_clusters c ON c.id = ns.cluster_id
      LEFT JOIN LATERAL (
        SELECT
          count(DISTINCT ca.period_start) AS days_with_cost,
          sum(ca.total_cost) AS total_cost,
          sum(ca.cpu_cost) AS cpu_cost,
          sum(ca.memory_cost) AS memory_cost,
          sum(ca.storage_cost) AS storage_cost,
          sum(ca.network_cost) AS network_cost,
          sum(ca.idle_cost) AS idle_cost,
          sum(ca.cpu_core_hours) AS cpu_core_hours,
          sum(ca.ram_gib_hours) AS ram_gib_hours,
          sum(ca.storage_gib_hours) AS storage_gib_hours,
          sum(ca.network_gib) AS network_gib,
          min(ca.currency) AS currency
        FROM k8s_cost_attribution ca
        WHERE ca.cluster_id = ns.cluster_id
          AND ca.namespace = ns.name
          AND ca.granularity = 'day'
          AND ca.period_start >= (date_trunc('day', now() AT TIME ZONE 'UTC') - interval '29 days') AT TIME ZONE 'UTC'
      ) a ON true
      WHERE (ns.deleted_at IS NULL OR ns.deleted_at >= now() - interval '30 days')
        AND NOT EXISTS (
          SELECT 1 FROM k8s_namespaces newer
          WHERE newer.cluster_id = ns.cluster_id
            AND newer.name = ns.name
            AND newer.id <> ns.id
            AND ns.deleted_at IS NOT NULL
            AND (newer.deleted_at IS NULL OR newer.deleted_at > ns.deleted_at)
        )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW v_k8s_namespace_costs`);
    await q.query(`DROP VIEW v_k8s_cluster_health`);
    await q.query(`DROP TABLE k8s_cost_attribution`);
    await q.query(`DROP TABLE k8s_persistent_volume_claims`);
    await q.query(`DROP TABLE k8s_helm_releases`);
    // Dropping a partitioned table drops every partition, including those made by maintenance.
    await q.query(`DROP TABLE k8s_resource_metrics`);
    await q.query(`DROP TABLE k8s_pods`);
    await q.query(`DROP TABLE k8s_replica_sets`);
    await q.query(`DROP TABLE k8s_deployments`);
    await q.query(`DROP TABLE k8s_nodes`);
    await q.query(`DROP TABLE k8s_namespaces`);
    await q.query(`DROP TABLE k8s_clusters`);
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE organizations`);
  }
}
