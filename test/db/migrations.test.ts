import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDataSource } from '../../src/db/data-source.js';
import { closeDataSource } from '../../src/db/pool-connections.js';
import { appliedMigrations, applyMigrations, pendingMigrations, revertLastMigration } from '../../src/db/migration-runner.js';
import { migrations } from '../../src/db/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { catalogObjects, schemaDefinition } from './support/catalog.js';

const CORE_TABLES = [
  'k8s_clusters',
  'k8s_namespaces',
  'k8s_nodes',
  'k8s_deployments',
  'k8s_pods',
  'k8s_resource_metrics',
  'k8s_helm_releases',
  'k8s_cost_attribution',
];
const SUPPORT_TABLES = ['organizations', 'api_tokens', 'k8s_replica_sets', 'k8s_persistent_volume_claims', 'k8s_events'];

/** Secondary indexes the first migration creates (unique constraints and explicit indexes; primary keys apart). */
const INITIAL_INDEXES = [
  'uq_organizations_name',
  'uq_api_tokens_token_hash',
  'ix_api_tokens_organization',
  'uq_k8s_clusters_organization_name',
  'ix_k8s_clusters_organization_status',
  'ix_k8s_clusters_status',
  'ix_k8s_clusters_encryption_key',
  'ix_k8s_clusters_labels',
  'uq_k8s_namespaces_cluster_uid',
  'uq_k8s_namespaces_cluster_name_live',
  'ix_k8s_namespaces_team',
  'ix_k8s_namespaces_cost_center',
  'ix_k8s_namespaces_cluster_name',
  'ix_k8s_namespaces_labels',
  'uq_k8s_nodes_cluster_uid',
  'uq_k8s_nodes_cluster_name_live',
  'ix_k8s_nodes_cluster_ready',
  'ix_k8s_nodes_cluster_zone',
  'ix_k8s_nodes_instance_type',
  'uq_k8s_deployments_cluster_uid',
  'uq_k8s_deployments_cluster_namespace_name_live',
  'ix_k8s_deployments_cluster_health',
  'ix_k8s_deployments_namespace_id',
  'ix_k8s_deployments_labels',
  'uq_k8s_replica_sets_cluster_uid',
  'ix_k8s_replica_sets_cluster_deployment_uid',
  'ix_k8s_replica_sets_deployment_id',
  'uq_k8s_pods_cluster_uid_created',
  'ix_k8s_pods_cluster_namespace_phase',
  'ix_k8s_pods_cluster_phase',
  'ix_k8s_pods_deployment',
  'ix_k8s_pods_namespace_id',
  'ix_k8s_pods_cluster_node',
  'ix_k8s_pods_cluster_owner',
  'ix_k8s_pods_cluster_created',
  'ix_k8s_pods_cluster_deleted',
  'ix_k8s_pods_labels',
  'ix_k8s_resource_metrics_target_time',
  'ix_k8s_resource_metrics_level_time',
  'ix_k8s_resource_metrics_namespace_time',
  'ix_k8s_resource_metrics_collected_brin',
  'uq_k8s_helm_releases_cluster_namespace_name',
  'ix_k8s_helm_releases_cluster_status',
  'ix_k8s_helm_releases_chart',
  'ix_k8s_helm_releases_namespace_id',
  'uq_k8s_persistent_volume_claims_cluster_uid',
  'ix_k8s_persistent_volume_claims_cluster_namespace',
  'uq_k8s_cost_attribution_period',
  'ix_k8s_cost_attribution_period',
  'ix_k8s_cost_attribution_cluster_namespace_period',
  'ix_k8s_cost_attribution_team_period',
  'ix_k8s_cost_attribution_cost_center_period',
];

describe('migrations on an empty database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('up, down to nothing, and up again rebuild the identical schema', async () => {
    const ds = db.dataSource;
    expect(await catalogObjects(ds)).toEqual([]);
    expect(await pendingMigrations(ds)).toHaveLength(migrations.length);

    expect(await applyMigrations(ds)).toHaveLength(migrations.length);
    expect(await pendingMigrations(ds)).toEqual([]);
    const objects = await catalogObjects(ds);
    const definition = await schemaDefinition(ds);
    expect(objects.length).toBeGreaterThan(80);

    for (let left = migrations.length; left > 0; left--) {
      expect(await revertLastMigration(ds)).not.toBeNull();
      expect(await appliedMigrations(ds)).toHaveLength(left - 1);
    }
    expect(await revertLastMigration(ds)).toBeNull();
    // Nothing left behind: no table, view, index, sequence or type of ours, not even the bookkeeping table.
    expect(await catalogObjects(ds)).toEqual([]);
    const [{ n: types }] = await ds.query(`SELECT count(*)::int AS n FROM pg_type WHERE typnamespace = 'public'::regnamespace`);
    expect(types).toBe(0);

    expect(await applyMigrations(ds)).toHaveLength(migrations.length);
    expect(await catalogObjects(ds)).toEqual(objects);
    expect(await schemaDefinition(ds)).toEqual(definition);
  });
});

describe('migrations applied by replicas starting together', () => {
  let db: TestDatabase;
  let other: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    other = createDataSource(db.url, { poolSize: 2 });
    await other.initialize();
  });
  afterAll(async () => {
    await closeDataSource(other, { timeoutMs: 5000 });
    await db?.drop();
  });

  test('take turns on an empty database: one applies every migration, the other finds none pending, neither fails', async () => {
    // Without the lock, both create the first tables at once and one fails (a duplicate key in pg_type).
    const applied = await Promise.all([applyMigrations(db.dataSource), applyMigrations(other)]);
    expect(applied.map((names) => names.length).sort((a, b) => a - b)).toEqual([0, migrations.length]);
    expect(await pendingMigrations(other)).toEqual([]);
    // The lock went with the work, though both connections went back to their pools.
    const [{ n }] = await other.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    expect(n).toBe(0);
  });
});

describe('data migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('server URLs stored with credentials keep only scheme, host, port and path', async () => {
    const ds = db.dataSource;
    // Back to before that migration, whatever came after it.
    const reverted: string[] = [];
    while (reverted.at(-1) !== 'ApiServerUrlWithoutCredentials1764662400000') {
      const name = await revertLastMigration(ds);
      if (!name) throw new Error(`ApiServerUrlWithoutCredentials1764662400000 was never reverted (reverted ${reverted.join(', ')})`);
      reverted.push(name);
    }
    const [{ id: org }] = await ds.query(`INSERT INTO organizations (name) VALUES ('o') RETURNING id`);
    const urls = [
      'https://admin:s3cret@10.0.0.1:6443',
      'https://token-only@api.example.com/k8s/clusters/c-1',
      'https://10.0.0.2:6443',
      'https://rancher.example.com/k8s/clusters/c-2?x=a@b',
      null,
    ];
    for (const [i, url] of urls.entries()) {
      await ds.query(`INSERT INTO k8s_clusters (organization_id, name, api_server_url) VALUES ($1, $2, $3)`, [org, `c${i}`, url]);
    }
    await applyMigrations(ds);
    const rows = await ds.query(`SELECT api_server_url AS url FROM k8s_clusters ORDER BY name`);
    expect(rows.map((r: { url: string | null }) => r.url)).toEqual([
      'https://10.0.0.1:6443',
      'https://api.example.com/k8s/clusters/c-1',
      'https://10.0.0.2:6443',
      'https://rancher.example.com/k8s/clusters/c-2?x=a@b',
      null,
    ]);
  });
});

describe('catalog after migration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('the eight core tables and the supporting ones exist; three are partitioned', async () => {
    const rows: Array<{ relname: string; relkind: string }> = await db.dataSource.query(
      `SELECT relname, relkind::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition`,
    );
    const kinds = new Map(rows.map((r) => [r.relname, r.relkind]));
    for (const t of [...CORE_TABLES, ...SUPPORT_TABLES]) expect(kinds.has(t), t).toBe(true);
    expect(kinds.get('k8s_pods')).toBe('p');
    expect(kinds.get('k8s_resource_metrics')).toBe('p');
    expect(rows.filter((r) => r.relkind === 'p').map((r) => r.relname).sort()).toEqual(['k8s_events', 'k8s_pods', 'k8s_resource_metrics']);
  });

  test('partition keys are created_at (pods, Kubernetes Events) and collected_at (metrics), by range, each with a DEFAULT partition', async () => {
    const keys: Array<{ table: string; key: string }> = await db.dataSource.query(
      `SELECT c.relname AS table, pg_get_partkeydef(c.oid) AS key FROM pg_class c WHERE c.relkind = 'p' AND c.relnamespace = 'public'::regnamespace ORDER BY 1`,
    );
    expect(keys).toEqual([
      { table: 'k8s_events', key: 'RANGE (created_at)' },
      { table: 'k8s_pods', key: 'RANGE (created_at)' },
      { table: 'k8s_resource_metrics', key: 'RANGE (collected_at)' },
    ]);
    const parts: Array<{ parent: string; part: string; bound: string }> = await db.dataSource.query(
      `SELECT p.relname AS parent, c.relname AS part, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE c.relkind IN ('r', 'p') ORDER BY 1`,
    );
    expect(parts).toEqual([
      { parent: 'k8s_events', part: 'k8s_events_default', bound: 'DEFAULT' },
      { parent: 'k8s_pods', part: 'k8s_pods_default', bound: 'DEFAULT' },
      { parent: 'k8s_resource_metrics', part: 'k8s_resource_metrics_default', bound: 'DEFAULT' },
    ]);
  });

  test('primary and unique keys of the partitioned tables include the partition key', async () => {
    const rows: Array<{ name: string; def: string }> = await db.dataSource.query(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid IN ('k8s_pods'::regclass, 'k8s_resource_metrics'::regclass, 'k8s_events'::regclass) AND contype IN ('p', 'u') ORDER BY 1`,
    );
    expect(rows).toEqual([
      { name: 'pk_k8s_events', def: 'PRIMARY KEY (id, created_at)' },
      { name: 'pk_k8s_pods', def: 'PRIMARY KEY (id, created_at)' },
      { name: 'pk_k8s_resource_metrics', def: 'PRIMARY KEY (id, collected_at)' },
      { name: 'uq_k8s_events_cluster_uid_created', def: 'UNIQUE (cluster_id, uid, created_at)' },
      { name: 'uq_k8s_pods_cluster_uid_created', def: 'UNIQUE (cluster_id, uid, created_at)' },
    ]);
  });

  test('both views exist and can be queried', async () => {
    const views: Array<{ relname: string }> = await db.dataSource.query(
      `SELECT relname FROM pg_class WHERE relkind = 'v' AND relnamespace = 'public'::regnamespace ORDER BY 1`,
    );
    expect(views.map((v) => v.relname)).toEqual(['v_k8s_cluster_health', 'v_k8s_namespace_costs']);
    expect(await db.dataSource.query('SELECT * FROM v_k8s_cluster_health')).toEqual([]);
    expect(await db.dataSource.query('SELECT * FROM v_k8s_namespace_costs')).toEqual([]);
  });

  test('at least 30 secondary indexes serve the queries, each one named here', async () => {
    const rows: Array<{ name: string }> = await db.dataSource.query(
      `SELECT ic.relname AS name FROM pg_index x
         JOIN pg_class ic ON ic.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relnamespace = 'public'::regnamespace AND NOT t.relispartition AND NOT x.indisprimary`,
    );
    const names = new Set(rows.map((r) => r.name));
    for (const idx of INITIAL_INDEXES) expect(names.has(idx), idx).toBe(true);
    expect(INITIAL_INDEXES.length).toBe(52);
    expect(names.size).toBeGreaterThanOrEqual(30);
  });

  test('deleting a cluster removes what was synced from it; an organisation with clusters cannot be deleted', async () => {
    const ds = db.dataSource;
    const [{ id: org }] = await ds.query(`INSERT INTO organizations (name) VALUES ('cascade') RETURNING id`);
    const [{ id: cluster }] = await ds.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, 'c') RETURNING id`, [org]);
    await ds.query(`INSERT INTO k8s_namespaces (cluster_id, uid, name, created_at) VALUES ($1, 'u1', 'default', now())`, [cluster]);
    await ds.query(`INSERT INTO k8s_pods (cluster_id, namespace, uid, name, created_at) VALUES ($1, 'default', 'p1', 'pod', now())`, [cluster]);
    await ds.query(
      `INSERT INTO k8s_resource_metrics (cluster_id, level, target_id, target_name, collected_at) VALUES ($1, 'cluster', $1, 'c', now())`,
      [cluster],
    );
    await expect(ds.query(`DELETE FROM organizations WHERE id = $1`, [org])).rejects.toThrow(/foreign key/);
    await ds.query(`DELETE FROM k8s_clusters WHERE id = $1`, [cluster]);
    const [counts] = await ds.query(
      `SELECT (SELECT count(*) FROM k8s_namespaces)::int AS ns, (SELECT count(*) FROM k8s_pods)::int AS pods, (SELECT count(*) FROM k8s_resource_metrics)::int AS metrics`,
    );
    expect(counts).toEqual({ ns: 0, pods: 0, metrics: 0 });
    await ds.query(`DELETE FROM organizations WHERE id = $1`, [org]);
  });

  test('a name is unique among live objects only, so Kubernetes can reuse it after a delete', async () => {
    const ds = db.dataSource;
    const [{ id: org }] = await ds.query(`INSERT INTO organizations (name) VALUES ('names') RETURNING id`);
    const [{ id: cluster }] = await ds.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, 'c') RETURNING id`, [org]);
    await ds.query(`INSERT INTO k8s_namespaces (cluster_id, uid, name, created_at, deleted_at) VALUES ($1, 'old', 'team-a', now(), now())`, [cluster]);
    await ds.query(`INSERT INTO k8s_namespaces (cluster_id, uid, name, created_at) VALUES ($1, 'new', 'team-a', now())`, [cluster]);
    await expect(ds.query(`INSERT INTO k8s_namespaces (cluster_id, uid, name, created_at) VALUES ($1, 'third', 'team-a', now())`, [cluster])).rejects.toThrow(
      /uq_k8s_namespaces_cluster_name_live/,
    );
    await expect(ds.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, 'c')`, [org])).rejects.toThrow(/uq_k8s_clusters_organization_name/);
  });

  test('cost rows are unique per (cluster, namespace, workload, granularity, period) with NULLs equal, so rollups upsert', async () => {
    const ds = db.dataSource;
    const [{ id: org }] = await ds.query(`INSERT INTO organizations (name) VALUES ('cost') RETURNING id`);
    const [{ id: cluster }] = await ds.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, 'c') RETURNING id`, [org]);
    const upsert = (total: number) =>
      ds.query(
        `INSERT INTO k8s_cost_attribution (cluster_id, namespace, granularity, period_start, total_cost) VALUES ($1, 'ns', 'day', '2026-01-01Z', $2)
         ON CONFLICT (cluster_id, namespace, workload_kind, workload_name, granularity, period_start) DO UPDATE SET total_cost = EXCLUDED.total_cost`,
        [cluster, total],
      );
    await upsert(1.5);
    await upsert(2.25);
    expect(await ds.query(`SELECT total_cost::float AS t FROM k8s_cost_attribution WHERE cluster_id = $1`, [cluster])).toEqual([{ t: 2.25 }]);
  });
});
