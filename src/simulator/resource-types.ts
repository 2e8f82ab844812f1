import type { K8sObject } from './k8s-object.js';

/** API verbs as discovery announces them; an HTTP method maps to one (DELETE → delete, PATCH → patch, PUT → update). */
export type Verb = 'get' | 'list' | 'watch' | 'delete' | 'patch' | 'update';

/** A subresource as discovery announces it under its resource (`pods/log`, `deployments/scale`). */
export interface Subresource {
  /** The path after the object's name. */
  name: string;
  kind: string;
  /** Group and version of `kind` where they differ from the resource's (Scale is autoscaling/v1). */
  group?: string;
  version?: string;
  verbs: readonly Verb[];
}

/** One served resource: what discovery announces and how list/watch/field selectors treat it. */
export interface ResourceType {
  /** Plural resource name as it appears in URLs, unless `plural` is set; the store's name for the resource. */
  name: ResourceName;
  /** The URL's plural where it differs from `name` (events.k8s.io's events, stored beside core events). */
  plural?: string;
  singularName: string;
  kind: string;
  listKind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories?: readonly string[];
  /**
   * What discovery announces; the writes among them (and those of `subresources`) are exactly what
   * http/write-handler.ts serves, which its types check against this table.
   */
  verbs: readonly Verb[];
  subresources?: readonly Subresource[];
  /** Field selectors supported beyond metadata.name / metadata.namespace. */
  fields: Record<string, (obj: K8sObject) => string | undefined>;
}

export type ResourceName =
  | 'namespaces' | 'nodes' | 'pods' | 'secrets' | 'resourcequotas' | 'limitranges' | 'persistentvolumeclaims'
  | 'deployments' | 'replicasets' | 'statefulsets' | 'daemonsets' | 'jobs' | 'cronjobs' | 'events' | 'events.k8s.io/events';

const READ = ['get', 'list', 'watch'] as const;

const DECLARED = [
  { name: 'namespaces', singularName: 'namespace', kind: 'Namespace', listKind: 'NamespaceList', group: '', version: 'v1', namespaced: false, shortNames: ['ns'], verbs: ['delete', ...READ], fields: { 'status.phase': (o) => o.status?.phase } },
  {
    name: 'nodes', singularName: 'node', kind: 'Node', listKind: 'NodeList', group: '', version: 'v1', namespaced: false, shortNames: ['no'], verbs: READ,
    subresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: ['get'] }],
    fields: { 'spec.unschedulable': (o) => String(Boolean(o.spec?.unschedulable)) },
  },
  {
    name: 'pods', singularName: 'pod', kind: 'Pod', listKind: 'PodList', group: '', version: 'v1', namespaced: true, shortNames: ['po'], categories: ['all'], verbs: ['delete', ...READ],
    subresources: [{ name: 'log', kind: 'Pod', verbs: ['get'] }],
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
  { name: 'secrets', singularName: 'secret', kind: 'Secret', listKind: 'SecretList', group: '', version: 'v1', namespaced: true, shortNames: [], verbs: READ, fields: { type: (o) => o.type } },
  { name: 'resourcequotas', singularName: 'resourcequota', kind: 'ResourceQuota', listKind: 'ResourceQuotaList', group: '', version: 'v1', namespaced: true, shortNames: ['quota'], verbs: READ, fields: {} },
  { name: 'limitranges', singularName: 'limitrange', kind: 'LimitRange', listKind: 'LimitRangeList', group: '', version: 'v1', namespaced: true, shortNames: ['limits'], verbs: READ, fields: {} },
  { name: 'persistentvolumeclaims', singularName: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', listKind: 'PersistentVolumeClaimList', group: '', version: 'v1', namespaced: true, shortNames: ['pvc'], verbs: READ, fields: {} },
  {
    name: 'deployments', singularName: 'deployment', kind: 'Deployment', listKind: 'DeploymentList', group: 'apps', version: 'v1', namespaced: true, shortNames: ['deploy'], categories: ['all'], verbs: ['delete', ...READ, 'patch'],
    subresources: [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }],
    fields: {},
  },
  { name: 'replicasets', singularName: 'replicaset', kind: 'ReplicaSet', listKind: 'ReplicaSetList', group: 'apps', version: 'v1', namespaced: true, shortNames: ['rs'], categories: ['all'], verbs: READ, fields: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) } },
  { name: 'statefulsets', singularName: 'statefulset', kind: 'StatefulSet', listKind: 'StatefulSetList', group: 'apps', version: 'v1', namespaced: true, shortNames: ['sts'], categories: ['all'], verbs: READ, fields: {} },
  { name: 'daemonsets', singularName: 'daemonset', kind: 'DaemonSet', listKind: 'DaemonSetList', group: 'apps', version: 'v1', namespaced: true, shortNames: ['ds'], categories: ['all'], verbs: READ, fields: {} },
  { name: 'jobs', singularName: 'job', kind: 'Job', listKind: 'JobList', group: 'batch', version: 'v1', namespaced: true, shortNames: [], categories: ['all'], verbs: READ, fields: { 'status.successful': (o) => String(o.status?.succeeded ?? 0) } },
  { name: 'cronjobs', singularName: 'cronjob', kind: 'CronJob', listKind: 'CronJobList', group: 'batch', version: 'v1', namespaced: true, shortNames: ['cj'], categories: ['all'], verbs: READ, fields: {} },
  {
    name: 'events', singularName: 'event', kind: 'Event', listKind: 'EventList', group: '', version: 'v1', namespaced: true, shortNames: ['ev'], verbs: READ,
    fields: {
      'involvedObject.kind': (o) => o.involvedObject?.kind ?? '', 'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
      'involvedObject.name': (o) => o.involvedObject?.name ?? '', 'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
      'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion ?? '', 'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion ?? '',
      'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath ?? '', reason: (o) => o.reason ?? '', reportingComponent: (o) => o.reportingComponent ?? '',
      source: (o) => o.source?.component ?? '', type: (o) => o.type ?? '',
    },
  },
  {
    name: 'events.k8s.io/events', plural: 'events', singularName: 'event', kind: 'Event', listKind: 'EventList', group: 'events.k8s.io', version: 'v1', namespaced: true, shortNames: ['ev'], verbs: READ,
    fields: {
      'regarding.kind': (o) => o.regarding?.kind ?? '', 'regarding.namespace': (o) => o.regarding?.namespace ?? '', 'regarding.name': (o) => o.regarding?.name ?? '',
      'regarding.uid': (o) => o.regarding?.uid ?? '', reason: (o) => o.reason ?? '', reportingController: (o) => o.reportingController ?? '', type: (o) => o.type ?? '',
    },
  },
] as const satisfies readonly ResourceType[];

export const RESOURCE_TYPES: readonly ResourceType[] = DECLARED;

type Declared = (typeof DECLARED)[number];
type DeclaredSubresource = Declared extends infer T
  ? T extends { name: infer R extends string; subresources: readonly (infer S extends Subresource)[] } ? S & { path: `${R}/${S['name']}` } : never
  : never;

/** The verbs of each resource (`pods`) and subresource (`deployments/scale`) in the table above, as literal types. */
export type DeclaredVerbs =
  & { [T in Declared as T['name']]: T['verbs'][number] }
  & { [S in DeclaredSubresource as S['path']]: S['verbs'][number] };

/** The resource's name in URLs, discovery and error messages. */
export function pluralOf(t: ResourceType): string {
  return t.plural ?? t.name;
}

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}
