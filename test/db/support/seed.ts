import type { DataSource } from 'typeorm';

/** An organisation and a cluster to hang rows on; returns their ids. */
export async function seedCluster(ds: DataSource, name = 'c1'): Promise<{ organizationId: string; clusterId: string }> {
  const [{ id: organizationId }] = await ds.query(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, [`org-${name}-${Math.random()}`]);
  const [{ id: clusterId }] = await ds.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, $2) RETURNING id`, [organizationId, name]);
  return { organizationId, clusterId };
}

export async function insertPod(
  ds: DataSource,
  clusterId: string,
  pod: { uid: string; createdAt: Date; deletedAt?: Date | null; phase?: string; namespace?: string },
): Promise<string> {
  const [{ id }] = await ds.query(
    `INSERT INTO k8s_pods (cluster_id, namespace, uid, name, phase, created_at, deleted_at) VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id`,
    [clusterId, pod.namespace ?? 'default', pod.uid, pod.phase ?? 'Running', pod.createdAt, pod.deletedAt ?? null],
  );
  return id;
}

export async function insertMetric(ds: DataSource, clusterId: string, collectedAt: Date, cpu = 1): Promise<string> {
  const [{ id }] = await ds.query(
    `INSERT INTO k8s_resource_metrics (cluster_id, level, target_id, target_name, cpu_usage_millicores, collected_at)
     VALUES ($1, 'cluster', $1, 'c', $2, $3) RETURNING id`,
    [clusterId, cpu, collectedAt],
  );
  return id;
}

/** partition name → rows in it, for one partitioned table. */
export async function rowsByPartition(ds: DataSource, table: string): Promise<Record<string, number>> {
  const rows: Array<{ part: string; n: number }> = await ds.query(
    `SELECT c.relname AS part, 0 AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass AND c.relkind = 'r'`,
    [table],
  );
  const out: Record<string, number> = {};
  for (const r of rows) {
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM "${r.part}"`);
    out[r.part] = n;
  }
  return out;
}

export async function insertKubernetesEvent(ds: DataSource, clusterId: string, e: { uid: string; createdAt: Date; deletedAt?: Date | null }): Promise<string> {
  const [{ id }] = await ds.query(
    `INSERT INTO k8s_events (cluster_id, namespace, uid, name, reason, first_timestamp, last_timestamp, created_at, deleted_at)
     VALUES ($1, 'default', $2, $2, 'BackOff', $3, $3, $3, $4) RETURNING id`,
    [clusterId, e.uid, e.createdAt, e.deletedAt ?? null],
  );
  return id;
}
