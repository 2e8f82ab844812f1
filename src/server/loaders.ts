/**
 * Per-request DataLoaders: every relation and aggregate the schema navigates is loaded in one statement
 * per level for all parents, always within the caller's organisation. `batch: false` (used only by the
 * benchmark's baseline) sends each load to the database by itself. Each domain builds its own; this joins them.
 */
import type { DataSource } from 'typeorm';
import { clusterLoaders } from '../cluster/cluster.loaders.js';
import { costLoaders } from '../cost/cost.loaders.js';
import type { AuthContext } from '../graphql/access.js';
import { LoaderKit } from '../graphql/connection-loader.js';
import type { Loaders } from '../graphql/context.js';
import { unauthenticated } from '../graphql/errors.js';
import type { SqlRunner } from '../graphql/row-source.js';
import { inventoryLoaders } from '../inventory/inventory.loaders.js';
import { kubernetesEventLoaders } from '../kubernetes-events/kubernetes-event.loaders.js';

export interface LoaderOptions {
  /** Batch loads into one statement per level (default). Off only to measure what batching saves. */
  batch?: boolean;
}

export function createLoaders(dataSource: DataSource, auth: AuthContext | null, options: LoaderOptions = {}): Loaders {
  const sql: SqlRunner = (text, params) => dataSource.query(text, params);
  const organizationId = () => {
    if (!auth) throw unauthenticated('An API token is required: send "Authorization: Bearer <token>"');
    return auth.organizationId;
  };
  const kit = new LoaderKit(sql, organizationId, options.batch ?? true);
  return { organizationId, sql, ...clusterLoaders(kit), ...inventoryLoaders(kit), ...costLoaders(kit), ...kubernetesEventLoaders(kit) };
}
