import { snakeCase } from '../common/formats.js';
import type { ChangeKind } from '../events/change-event.js';

/** How a mapped row (camelCase properties) lands in its table (snake_case columns), for the bulk writer. */
export interface ColumnDef {
  prop: string;
  column: string;
  /** PostgreSQL type used to read the column out of the JSON batch (jsonb_to_recordset). */
  type: 'text' | 'jsonb' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'double precision';
}

export interface TableSpec {
  /** The Kubernetes kind stored; for logs, /metrics and, when it is a ChangeKind, the change events of its rows. */
  kind: ChangeKind | 'Event';
  table: string;
  columns: readonly ColumnDef[];
  /** Columns of the unique constraint the upsert targets (a partitioned table's includes its partition key). */
  conflict: readonly string[];
  /** SQL (over the table's columns) and JS (over a row) for the key a change is identified by. */
  keySql: string;
  keyOf(row: Record<string, unknown>): string;
  namespaced: boolean;
  /** Live rows are unique by these columns: a new uid under a live name means the old object is gone. */
  liveNameColumns: readonly string[] | null;
  /** How deployment_id is resolved: pods through their owning ReplicaSet, ReplicaSets directly. */
  deploymentVia: 'replica-set' | 'deployment-uid' | null;
  /** Columns kept current from other objects (quotas on namespaces, mounting pods on claims), not the object itself. */
  extraColumns: readonly ColumnDef[];
  /** For kinds sharing a table: the condition (over the table's columns) that selects this kind's rows, so a sweep after its list touches only them. */
  scopeSql?: string;
}

function cols(spec: Record<string, ColumnDef['type']>): ColumnDef[] {
  return Object.entries(spec).map(([prop, type]) => ({ prop, column: snakeCase(prop), type }));
}

const byUid = { keySql: 'uid', keyOf: (row: Record<string, unknown>) => String(row.uid) };

export const NAMESPACES: TableSpec = {
  kind: 'Namespace',
  table: 'k8s_namespaces',
  columns: cols({
    uid: 'text', name: 'text', resourceVersion: 'text', phase: 'text', labels: 'jsonb', annotations: 'jsonb',
    team: 'text', costCenter: 'text', createdAt: 'timestamptz', deletedAt: 'timestamptz',
  }),
  conflict: ['cluster_id', 'uid'],
  ...byUid,
  namespaced: false,
  liveNameColumns: ['name'],
  deploymentVia: null,
  extraColumns: cols({ resourceQuotaHard: 'jsonb', resourceQuotaUsed: 'jsonb', limitRanges: 'jsonb' }),
};

export const NODES: TableSpec = {
  kind: 'Node',
  table: 'k8s_nodes',
  columns: cols({
    uid: 'text', name: 'text', resourceVersion: 'text', providerId: 'text', instanceType: 'text', region: 'text', zone: 'text',
    cpuCapacityMillicores: 'bigint', memoryCapacityBytes: 'bigint', podsCapacity: 'integer', ephemeralStorageCapacityBytes: 'bigint',
    cpuAllocatableMillicores: 'bigint', memoryAllocatableBytes: 'bigint', podsAllocatable: 'integer', ephemeralStorageAllocatableBytes: 'bigint',
    labels: 'jsonb', taints: 'jsonb', conditions: 'jsonb', ready: 'boolean', unschedulable: 'boolean', kubeletVersion: 'text',
    containerRuntimeVersion: 'text', osImage: 'text', operatingSystem: 'text', architecture: 'text', createdAt: 'timestamptz',
    deletedAt: 'timestamptz',
  }),
  conflict: ['cluster_id', 'uid'],
  ...byUid,
  namespaced: false,
  liveNameColumns: ['name'],
  deploymentVia: null,
  extraColumns: [],
};

export const DEPLOYMENTS: TableSpec = {
  kind: 'Deployment',
  table: 'k8s_deployments',
  columns: cols({
    uid: 'text', namespace: 'text', name: 'text', resourceVersion: 'text', desiredReplicas: 'integer', readyReplicas: 'integer',
    availableReplicas: 'integer', updatedReplicas: 'integer', unavailableReplicas: 'integer', strategy: 'text', maxSurge: 'text',
    maxUnavailable: 'text', containers: 'jsonb', selector: 'jsonb', labels: 'jsonb', annotations: 'jsonb', health: 'text',
    generation: 'bigint', observedGeneration: 'bigint', conditions: 'jsonb', createdAt: 'timestamptz', deletedAt: 'timestamptz',
  }),
  conflict: ['cluster_id', 'uid'],
  ...byUid,
  namespaced: true,
  liveNameColumns: ['namespace', 'name'],
  deploymentVia: null,
  extraColumns: [],
};

export const REPLICA_SETS: TableSpec = {
  kind: 'ReplicaSet',
  table: 'k8s_replica_sets',
  columns: cols({
    uid: 'text', namespace: 'text', name: 'text', resourceVersion: 'text', ownerKind: 'text', ownerName: 'text', ownerUid: 'text',
    deploymentUid: 'text', revision: 'text', desiredReplicas: 'integer', readyReplicas: 'integer', labels: 'jsonb',
    createdAt: 'timestamptz', deletedAt: 'timestamptz',
  }),
  conflict: ['cluster_id', 'uid'],
  ...byUid,
  namespaced: true,
  liveNameColumns: null,
  deploymentVia: 'deployment-uid',
  extraColumns: [],
};

export const PODS: TableSpec = {
  kind: 'Pod',
  table: 'k8s_pods',
  columns: cols({
    uid: 'text', namespace: 'text', name: 'text', resourceVersion: 'text', ownerKind: 'text', ownerName: 'text', ownerUid: 'text',
    nodeName: 'text', phase: 'text', reason: 'text', message: 'text', qosClass: 'text', ready: 'boolean', restartCount: 'integer',
    containerStatuses: 'jsonb', containers: 'jsonb', cpuRequestMillicores: 'bigint', cpuLimitMillicores: 'bigint',
    memoryRequestBytes: 'bigint', memoryLimitBytes: 'bigint', labels: 'jsonb', podIp: 'text', startedAt: 'timestamptz',
    createdAt: 'timestamptz', deletedAt: 'timestamptz',
  }),
  // Partitioned by created_at: the unique key must include it.
  conflict: ['cluster_id', 'uid', 'created_at'],
  ...byUid,
  namespaced: true,
  liveNameColumns: null,
  deploymentVia: 'replica-set',
  extraColumns: [],
};

export const PERSISTENT_VOLUME_CLAIMS: TableSpec = {
  kind: 'PersistentVolumeClaim',
  table: 'k8s_persistent_volume_claims',
  columns: cols({
    uid: 'text', namespace: 'text', name: 'text', resourceVersion: 'text', storageClass: 'text', phase: 'text', volumeName: 'text',
    accessModes: 'jsonb', capacityBytes: 'bigint', requestedBytes: 'bigint', labels: 'jsonb', createdAt: 'timestamptz',
    deletedAt: 'timestamptz',
  }),
  conflict: ['cluster_id', 'uid'],
  ...byUid,
  namespaced: true,
  liveNameColumns: null,
  deploymentVia: null,
  extraColumns: cols({ mountedByPods: 'jsonb' }),
};

/** One row per release (its latest revision), keyed by namespace and release name rather than by secret uid. */
export const HELM_RELEASES: TableSpec = {
  kind: 'HelmRelease',
  table: 'k8s_helm_releases',
  columns: cols({
    namespace: 'text', name: 'text', uid: 'text', resourceVersion: 'text', revision: 'integer', status: 'text', chartName: 'text',
    chartVersion: 'text', appVersion: 'text', values: 'jsonb', firstDeployedAt: 'timestamptz', lastDeployedAt: 'timestamptz',
    deletedAt: 'timestamptz',
  }),
  conflict: ['cluster_id', 'namespace', 'name'],
  keySql: `namespace || '/' || name`,
  keyOf: (row) => `${row.namespace}/${row.name}`,
  namespaced: true,
  liveNameColumns: null,
  deploymentVia: null,
  extraColumns: [],
};

/**
 * Kubernetes Events, one row per Event uid (updated as its count and last time move). Partitioned by created_at (the
 * Event's creationTimestamp, fixed for a uid), so the unique key includes it and an update never moves a row. Their
 * changes are not change events: Events are the cluster's own high-volume log, read by query, not by subscription.
 */
export const K8S_EVENTS: TableSpec = {
  kind: 'Event',
  table: 'k8s_events',
  columns: cols({
    uid: 'text', namespace: 'text', name: 'text', resourceVersion: 'text', reason: 'text', type: 'text', note: 'text', count: 'integer',
    firstTimestamp: 'timestamptz', lastTimestamp: 'timestamptz', involvedKind: 'text', involvedName: 'text', involvedNamespace: 'text',
    involvedUid: 'text', reportingController: 'text', reportingInstance: 'text', action: 'text', createdAt: 'timestamptz',
    deletedAt: 'timestamptz',
  }),
  conflict: ['cluster_id', 'uid', 'created_at'],
  ...byUid,
  namespaced: true,
  liveNameColumns: null,
  deploymentVia: null,
  extraColumns: [],
};

const WORKLOAD_COLUMNS = cols({
  uid: 'text', kind: 'text', namespace: 'text', name: 'text', resourceVersion: 'text', labels: 'jsonb', annotations: 'jsonb', selector: 'jsonb',
  desiredReplicas: 'integer', readyReplicas: 'integer', currentReplicas: 'integer', availableReplicas: 'integer', updatedReplicas: 'integer',
  succeeded: 'integer', failed: 'integer', active: 'integer', completions: 'integer', startTime: 'timestamptz', completionTime: 'timestamptz',
  schedule: 'text', suspend: 'boolean', lastScheduleTime: 'timestamptz', lastSuccessfulTime: 'timestamptz', ownerKind: 'text', ownerName: 'text',
  ownerUid: 'text', containers: 'jsonb', conditions: 'jsonb', status: 'jsonb', health: 'text', createdAt: 'timestamptz', deletedAt: 'timestamptz',
});

/** StatefulSets, DaemonSets, Jobs and CronJobs share k8s_workloads; each kind is its own spec (own reflector, sweep and events). */
function workloadSpec(kind: 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob'): TableSpec {
  return {
    kind,
    table: 'k8s_workloads',
    columns: WORKLOAD_COLUMNS,
    conflict: ['cluster_id', 'uid'],
    ...byUid,
    namespaced: true,
    liveNameColumns: ['kind', 'namespace', 'name'],
    deploymentVia: null,
    extraColumns: [],
    scopeSql: `kind = '${kind}'`,
  };
}

export const STATEFUL_SETS = workloadSpec('StatefulSet');
export const DAEMON_SETS = workloadSpec('DaemonSet');
export const CRON_JOBS = workloadSpec('CronJob');
export const JOBS = workloadSpec('Job');

/**
 * Write order inside a batch: parents before children so joins find them. Workloads come before pods, CronJobs before
 * their Jobs, although pods and Jobs find their controller by uid when read, not by a link written here.
 */
export const TABLE_ORDER: readonly TableSpec[] = [
  NAMESPACES, NODES, DEPLOYMENTS, REPLICA_SETS, STATEFUL_SETS, DAEMON_SETS, CRON_JOBS, JOBS, PODS, PERSISTENT_VOLUME_CLAIMS, HELM_RELEASES, K8S_EVENTS,
];

/** Each table once, in write order (kinds can share a table). */
export const TABLES: readonly string[] = [...new Set(TABLE_ORDER.map((t) => t.table))];

/** Columns the digest covers: everything the object determines except its resourceVersion (which changes always). */
export function digestColumns(spec: TableSpec): string[] {
  return spec.columns.filter((c) => c.prop !== 'resourceVersion').map((c) => c.prop);
}
