import DataLoader from 'dataloader';
import type { LoaderKit } from '../graphql/connection-loader.js';
import type { RowSource } from '../graphql/row-source.js';
import { SqlParams } from '../graphql/sql-params.js';
import type { ClusterHealth } from './cluster-health.type.js';
import { CLUSTER_COLUMNS, toCluster, toClusterHealth } from './cluster.rows.js';
import type { Cluster } from './cluster.type.js';

export const clusterSource: RowSource<Cluster> = { table: 'k8s_clusters', alias: 'c', key: ['id'], select: CLUSTER_COLUMNS, map: toCluster };

declare module '../graphql/context.js' {
  interface Loaders {
    cluster: DataLoader<string, Cluster | null>;
    clusterHealth: DataLoader<string, ClusterHealth | null>;
  }
}

export function clusterLoaders(kit: LoaderKit) {
  const clusterHealth = new DataLoader<string, ClusterHealth | null>(
    async (ids) => {
      const params = new SqlParams();
      const rows = await kit.sql(
        `SELECT h.* FROM v_k8s_cluster_health h
         WHERE h.organization_id = ${params.add(kit.organizationId())}::uuid AND h.cluster_id = ANY(${params.add(ids)}::uuid[])`,
        params.values,
      );
      const byId = new Map(rows.map((r) => [r.cluster_id as string, toClusterHealth(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    },
    { batch: kit.batch },
  );
  return { cluster: kit.byId(clusterSource), clusterHealth };
}
