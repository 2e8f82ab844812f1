import { OrganizationEntity } from './organization.entity.js';
import { ClusterHealthView } from './cluster-health.view-entity.js';
import { ClusterEntity } from './cluster.entity.js';
import { NamespaceCostView } from './namespace-cost.view-entity.js';

/**
 * The entities read and written through TypeORM repositories; the data source registers exactly these. Every other
 * table is read and written in SQL: the sync's tables are described once in src/sync/inventory-tables.ts.
 */
export const entities = [OrganizationEntity, ClusterEntity, ClusterHealthView, NamespaceCostView];
