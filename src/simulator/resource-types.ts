import type { K8sObject } from './k8s-object.js';

/** One served resource: what discovery announces and how list/watch/field selectors treat it. */
export interface ResourceType {
  /** Plural resource name as it appears in URLs. */
  name: ResourceName;
  singularName: string;
  kind: string;
  listKind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  categories?: string[];
  /** Field selectors supported beyond metadata.name / metadata.namespace. */
  fields: Record<string, (obj: K8sObject) => string | undefined>;
}

export type ResourceName =
  | 'namespaces' | 'nodes' | 'pods' | 'secrets' | 'resourcequotas' | 'limitranges' | 'persistentvolumeclaims'
  | 'deployments' | 'replicasets';

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { name: 'namespaces', singularName: 'namespace', kind: 'Namespace', listKind: 'NamespaceList', group: '', version: 'v1', namespaced: false, shortNames: ['ns'], fields: { 'status.phase': (o) => o.status?.phase } },
  { name: 'nodes', singularName: 'node', kind: 'Node', listKind: 'NodeList', group: '', version: 'v1', namespaced: false, shortNames: ['no'], fields: { 'spec.unschedulable': (o) => String(Boolean(o.spec?.unschedulable)) } },
  {
    name: 'pods', singularName: 'pod', kind: 'Pod', listKind: 'PodList', group: '', version: 'v1', namespaced: true, shortNames: ['po'], categories: ['all'],
    fields: {
      'spec.nodeName': (o) => o.spec?.nodeName ?? '',
      'status.phase': (o) => o.status?.phase,
      'spec.restartPolicy': (o) => o.spec?.restartPolicy,
      'spec.schedulerName': (o) => o.spec?.schedulerName,
      'spec.serviceAccountName': (o) => o.spec?.serviceAccountName,
      'status.podIP': (o) => o.status?.podIP ?? '',
      'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
    },
  },
  { name: 'secrets', singularName: 'secret', kind: 'Secret', listKind: 'SecretList', group: '', version: 'v1', namespaced: true, shortNames: [], fields: { type: (o) => o.type } },
  { name: 'resourcequotas', singularName: 'resourcequota', kind: 'ResourceQuota', listKind: 'ResourceQuotaList', group: '', version: 'v1', namespaced: true, shortNames: ['quota'], fields: {} },
  { name: 'limitranges', singularName: 'limitrange', kind: 'LimitRange', listKind: 'LimitRangeList', group: '', version: 'v1', namespaced: true, shortNames: ['limits'], fields: {} },
  { name: 'persistentvolumeclaims', singularName: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', listKind: 'PersistentVolumeClaimList', group: '', version: 'v1', namespaced: true, shortNames: ['pvc'], fields: {} },
  { name: 'deployments', singularName: 'deployment', kind: 'Deployment', listKind: 'DeploymentList', group: 'apps', version: 'v1', namespaced: true, shortNames: ['deploy'], categories: ['all'], fields: {} },
  { name: 'replicasets', singularName: 'replicaset', kind: 'ReplicaSet', listKind: 'ReplicaSetList', group: 'apps', version: 'v1', namespaced: true, shortNames: ['rs'], categories: ['all'], fields: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) } },
];

/** Reads; a few deletes and scale are added in discovery (see http/write-handler.ts). */
export const RESOURCE_VERBS = ['get', 'list', 'watch'];

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}
