import type { ChangeEvent, ChangeType } from '../events/change-event.js';
import { withoutUrlCredentials } from '../common/formats.js';
import type { ClusterEntity } from '../db/entities/cluster.entity.js';

/**
 * The change event for a registration, an update or a removal. It carries the row's identifying columns, so
 * that a subscriber can still show a cluster whose row is gone (DELETED), and never its kubeconfig.
 */
export function clusterChangeEvent(cluster: ClusterEntity, type: ChangeType, changedFields: string[]): ChangeEvent {
  return {
    organizationId: cluster.organizationId,
    clusterId: cluster.id,
    kind: 'Cluster',
    type,
    namespace: null,
    name: cluster.name,
    uid: cluster.id,
    changedFields,
    state: {
      id: cluster.id,
      name: cluster.name,
      provider: cluster.provider,
      apiServerUrl: cluster.apiServerUrl === null ? null : withoutUrlCredentials(cluster.apiServerUrl),
      kubernetesVersion: cluster.kubernetesVersion,
      contextName: cluster.contextName,
      status: cluster.status,
      statusMessage: cluster.statusMessage,
      labels: cluster.labels,
    },
    committedAt: new Date(),
  };
}
