import { ApiTokenEntity } from '../auth/api-token.entity.js';
import { OrganizationEntity } from '../auth/organization.entity.js';
import { ClusterHealthView } from '../cluster/cluster-health.view-entity.js';
import { ClusterEntity } from '../cluster/cluster.entity.js';
import { CostAttributionEntity } from '../cost/cost-attribution.entity.js';
import { NamespaceCostView } from '../cost/namespace-cost.view-entity.js';
import { DeploymentEntity } from '../inventory/deployment.entity.js';
import { HelmReleaseEntity } from '../inventory/helm-release.entity.js';
import { NamespaceEntity } from '../inventory/namespace.entity.js';
import { NodeEntity } from '../inventory/node.entity.js';
import { PersistentVolumeClaimEntity } from '../inventory/persistent-volume-claim.entity.js';
import { PodEntity } from '../inventory/pod.entity.js';
import { ReplicaSetEntity } from '../inventory/replica-set.entity.js';
import { ResourceMetricEntity } from '../metrics/resource-metric.entity.js';

/** Every entity and view entity; the data source registers exactly these. */
export const entities = [
  OrganizationEntity,
  ApiTokenEntity,
  ClusterEntity,
  NamespaceEntity,
  NodeEntity,
  DeploymentEntity,
  ReplicaSetEntity,
  PodEntity,
  PersistentVolumeClaimEntity,
  HelmReleaseEntity,
  ResourceMetricEntity,
  CostAttributionEntity,
  ClusterHealthView,
  NamespaceCostView,
];
