/**
 * Per-request DataLoaders: every relation and aggregate the schema navigates is loaded in one statement
 * per level for all parents, always within the caller's organisation. `batch: false` (used only by the
 * benchmark's baseline) sends each load to the database by itself.
 */
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { AuthContext } from '../graphql/access.js';
import { toClusterHealth } from '../cluster/cluster.rows.js';
import type { ClusterHealth } from '../cluster/cluster-health.type.js';
import type { Cluster } from '../cluster/cluster.type.js';
import { namespaceCostSource } from '../cost/namespace-cost.rows.js';
import type { NamespaceCost } from '../cost/namespace-cost.type.js';
import type { ClusterNode } from '../inventory/cluster-node.type.js';
import { byIdLoader, NestedConnectionLoader } from '../graphql/connection-loader.js';
import type { Deployment } from '../inventory/deployment.type.js';
import type { HelmRelease } from '../inventory/helm-release.type.js';
import type { Namespace } from '../inventory/namespace.type.js';
import type { Pod } from '../inventory/pod.type.js';
import type { RowSource, SqlRunner } from '../graphql/row-source.js';
import {
  clusterNodeSource,
  clusterSource,
  deploymentSource,
  helmReleaseSource,
  namespaceSource,
  podOnNodeSource,
  podSource,
} from '../inventory/sources.js';
import { SqlParams } from '../graphql/sql-params.js';
import { unauthenticated } from '../graphql/errors.js';

export interface LoaderOptions {
  /** Batch loads into one statement per level (default). Off only to measure what batching saves. */
  batch?: boolean;
}

export interface Loaders {
  /** The caller's organisation; throws UNAUTHENTICATED without a token. */
  organizationId(): string;
  /** Runs one statement (top-level lists and other single queries). */
  sql: SqlRunner;
  cluster: DataLoader<string, Cluster | null>;
  namespace: DataLoader<string, Namespace | null>;
  clusterNode: DataLoader<string, ClusterNode | null>;
  deployment: DataLoader<string, Deployment | null>;
  pod: DataLoader<string, Pod | null>;
  helmRelease: DataLoader<string, HelmRelease | null>;
  /** Key: `${clusterRowId}/${nodeName}`; the live node of that name, else the latest removed one. */
  nodeByName: DataLoader<string, ClusterNode | null>;
  clusterHealth: DataLoader<string, ClusterHealth | null>;
  /** Key: namespace row id. */
  namespaceCost: DataLoader<string, NamespaceCost | null>;
  namespacesOfCluster: NestedConnectionLoader<Namespace>;
  nodesOfCluster: NestedConnectionLoader<ClusterNode>;
  deploymentsOfCluster: NestedConnectionLoader<Deployment>;
  podsOfCluster: NestedConnectionLoader<Pod>;
  helmReleasesOfCluster: NestedConnectionLoader<HelmRelease>;
  deploymentsOfNamespace: NestedConnectionLoader<Deployment>;
  podsOfNamespace: NestedConnectionLoader<Pod>;
  helmReleasesOfNamespace: NestedConnectionLoader<HelmRelease>;
  podsOfDeployment: NestedConnectionLoader<Pod>;
  podsOfNode: NestedConnectionLoader<Pod>;
}

export function createLoaders(dataSource: DataSource, auth: AuthContext | null, options: LoaderOptions = {}): Loaders {
  const batch = options.batch ?? true;
  const sql: SqlRunner = (text, params) => dataSource.query(text, params);
  const organizationId = () => {
    if (!auth) throw unauthenticated('An API token is required: send "Authorization: Bearer <token>"');
    return auth.organizationId;
  };
  const nested = <T>(source: RowSource<T>, parentExpr: string) =>
    new NestedConnectionLoader<T>(sql, source, organizationId, parentExpr, batch);

  const nodeByName = new DataLoader<string, ClusterNode | null>(
    async (keys) => {
      const pairs = keys.map((k) => {
        const slash = k.indexOf('/');
        return [k.slice(0, slash), k.slice(slash + 1)] as const;
      });
      const params = new SqlParams();
      const rows = await sql(
        `SELECT DISTINCT ON (nd.cluster_id, nd.name) nd.*
         FROM k8s_nodes nd JOIN k8s_clusters c ON c.id = nd.cluster_id AND c.organization_id = ${params.add(organizationId())}::uuid
         WHERE (nd.cluster_id, nd.name) IN (SELECT * FROM unnest(${params.add(pairs.map((p) => p[0]))}::uuid[], ${params.add(pairs.map((p) => p[1]))}::text[]))
         ORDER BY nd.cluster_id, nd.name, nd.deleted_at DESC NULLS FIRST`,
        params.values,
      );
      const byKey = new Map(rows.map((r) => [`${r.cluster_id}/${r.name}`, clusterNodeSource.map(r)]));
      return keys.map((k) => byKey.get(k) ?? null);
    },
    { batch },
  );

  const clusterHealth = new DataLoader<string, ClusterHealth | null>(
    async (ids) => {
      const params = new SqlParams();
      const rows = await sql(
        `SELECT h.* FROM v_k8s_cluster_health h
         WHERE h.organization_id = ${params.add(organizationId())}::uuid AND h.cluster_id = ANY(${params.add(ids)}::uuid[])`,
        params.values,
      );
      const byId = new Map(rows.map((r) => [r.cluster_id as string, toClusterHealth(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    },
    { batch },
  );

  return {
    organizationId,
    sql,
    cluster: byIdLoader(sql, clusterSource, organizationId, batch),
    namespace: byIdLoader(sql, namespaceSource, organizationId, batch),
    clusterNode: byIdLoader(sql, clusterNodeSource, organizationId, batch),
    deployment: byIdLoader(sql, deploymentSource, organizationId, batch),
    pod: byIdLoader(sql, podSource, organizationId, batch),
    helmRelease: byIdLoader(sql, helmReleaseSource, organizationId, batch),
    nodeByName,
    clusterHealth,
    namespaceCost: byIdLoader(sql, namespaceCostSource, organizationId, batch, 'namespace_id'),
    namespacesOfCluster: nested(namespaceSource, 'n.cluster_id'),
    nodesOfCluster: nested(clusterNodeSource, 'nd.cluster_id'),
    deploymentsOfCluster: nested(deploymentSource, 'd.cluster_id'),
    podsOfCluster: nested(podSource, 'p.cluster_id'),
    helmReleasesOfCluster: nested(helmReleaseSource, 'h.cluster_id'),
    deploymentsOfNamespace: nested(deploymentSource, 'd.namespace_id'),
    podsOfNamespace: nested(podSource, 'p.namespace_id'),
    helmReleasesOfNamespace: nested(helmReleaseSource, 'h.namespace_id'),
    podsOfDeployment: nested(podSource, 'p.deployment_id'),
    podsOfNode: nested(podOnNodeSource, 'pn.id'),
  };
}
