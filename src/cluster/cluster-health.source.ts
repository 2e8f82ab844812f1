/** The cluster health view as a list source: confined to the organisation and sorted by cluster name. */
import { idsCondition } from '../graphql/filter-sql.js';
import type { Ordering } from '../graphql/page-query.js';
import type { RowSource } from '../graphql/row-source.js';
import type { SqlParams } from '../graphql/sql-params.js';
import type { ClusterHealth } from './cluster-health.type.js';
import { toClusterHealth } from './cluster.rows.js';

/** The view carries cluster_id, so it is scoped through the cluster join like the tables. */
export const clusterHealthSource: RowSource<ClusterHealth> = { table: 'v_k8s_cluster_health', alias: 'h', select: 'h.*', map: toClusterHealth };

export const CLUSTER_HEALTH_ORDERING: Ordering = {
  keys: [
    { expr: 'h.cluster_name', type: 'text' },
    { expr: 'h.cluster_id', type: 'uuid' },
  ],
  descending: false,
  tag: 'health:NAME:ASC',
};

export function clusterHealthConditions(clusterIds: readonly string[] | null | undefined, params: SqlParams): string[] {
  return clusterIds ? [idsCondition('h.cluster_id', clusterIds, 'Cluster', 'clusterIds', params)] : [];
}
