import type { K8sObject } from '../k8s-object.js';
import type { ResourceName } from '../resource-types.js';

/** Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), the columns kubectl shows. */

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean';
  format?: string;
  description: string;
  priority?: number;
}

type Cells = (o: K8sObject, now: number) => unknown[];

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' };
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const age = (o: K8sObject, now: number) => humanDuration(now - Date.parse(o.metadata.creationTimestamp));

function podStatusReason(p: K8sObject): string {
  let reason: string = p.status?.reason ?? p.status?.phase ?? 'Unknown';
  for (const c of p.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason && p.status.phase !== 'Running') reason = c.state.terminated.reason;
  }
  if (p.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function restarts(p: K8sObject, now: number): string {
  let n = 0;
  let last = 0;
  for (const c of p.status?.containerStatuses ?? []) {
    n += c.restartCount ?? 0;
    const t = c.lastState?.terminated?.finishedAt;
    if (t) last = Math.max(last, Date.parse(t));
  }
  return last ? `${n} (${humanDuration(now - last)} ago)` : String(n);
}

function nodeStatus(n: K8sObject): string {
  const ready = n.status.conditions.find((c: any) => c.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : 'NotReady';
  if (n.spec.unschedulable) s += ',SchedulingDisabled';
  return s;
}

function nodeRoles(n: K8sObject): string {
  const roles = Object.keys(n.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length));
  return roles.length ? roles.sort().join(',') : '<none>';
}

const CONTAINERS: Column = { name: 'Containers', type: 'string', description: 'Names of each container in the template.', priority: 1 };
const IMAGES: Column = { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', priority: 1 };
const SELECTOR: Column = { name: 'Selector', type: 'string', description: 'Label selector for pods.', priority: 1 };
const containerNames = (template: any) => template.spec.containers.map((c: any) => c.name).join(',');
const containerImages = (template: any) => template.spec.containers.map((c: any) => c.image).join(',');
const selector = (s: any) => Object.entries(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';

function jobStatus(j: K8sObject): string {
  const has = (type: string) => (j.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
  if (has('Failed')) return 'Failed';
  if (has('Complete')) return 'Complete';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function jobDuration(j: K8sObject, now: number): string {
  if (!j.status?.startTime) return '';
  const end = j.status.completionTime ? Date.parse(j.status.completionTime) : now;
  return humanDuration(end - Date.parse(j.status.startTime));
}

const EVENT_COLUMNS: Column[] = [
  { name: 'Last Seen', type: 'string', description: 'Time when this Event was last seen' },
  { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future.' },
  { name: 'Reason', type: 'string', description: 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.' },
  { name: 'Object', type: 'string', description: 'The object this Event is about.' },
  { name: 'Subobject', type: 'string', description: 'The subobject this Event is about', priority: 1 },
  { name: 'Source', type: 'string', description: 'The component reporting this event. Should be a short machine understandable string.', priority: 1 },
  { name: 'Message', type: 'string', description: 'A human-readable description of the status of this operation.' },
  { name: 'First Seen', type: 'string', description: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', priority: 1 },
  { name: 'Count', type: 'integer', description: 'The number of times this event has occurred.', priority: 1 },
  { name: 'Name', type: 'string', description: 'Name must be unique within a namespace.', priority: 1 },
];

/** The API server's event printer (the same for both API groups: they share one internal type). */
function eventCells(e: { name: string; involved: any; type: string; reason: string; message: string; source: any; controller?: string; instance?: string; first?: string | null; last?: string | null; eventTime?: string | null; count?: number; series?: any }, now: number): unknown[] {
  const since = (t: string | null | undefined) => (t ? humanDuration(now - Date.parse(t)) : '<unknown>');
  const first = since(e.first || e.eventTime);
  let last = e.last ? since(e.last) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime);
    count = e.series.count;
  }
  const source = e.source?.component ? `${e.source.component}${e.source.host ? `, ${e.source.host}` : ''}` : [e.controller, e.instance].filter(Boolean).join(', ');
  return [last, e.type, e.reason, `${String(e.involved.kind ?? '').toLowerCase()}/${e.involved.name}`, e.involved.fieldPath ?? '', source, (e.message ?? '').trim(), first, Math.max(count, 1), e.name];
}

const TABLES: Record<ResourceName, { columns: Column[]; cells: Cells }> = {
  statefulsets: {
    columns: [NAME, { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' }, AGE, CONTAINERS, IMAGES],
    cells: (s, now) => [s.metadata.name, `${s.status?.readyReplicas ?? 0}/${s.spec.replicas}`, age(s, now), containerNames(s.spec.template), containerImages(s.spec.template)],
  },
  daemonsets: {
    columns: [NAME,
      { name: 'Desired', type: 'integer', description: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).' },
      { name: 'Current', type: 'integer', description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.' },
      { name: 'Ready', type: 'integer', description: 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.' },
      { name: 'Up-to-date', type: 'integer', description: 'The total number of nodes that are running updated daemon pod' },
      { name: 'Available', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)' },
      { name: 'Node Selector', type: 'string', description: 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node.' },
      AGE, CONTAINERS, IMAGES, SELECTOR],
    cells: (d, now) => [d.metadata.name, d.status?.desiredNumberScheduled ?? 0, d.status?.currentNumberScheduled ?? 0, d.status?.numberReady ?? 0, d.status?.updatedNumberScheduled ?? 0,
      d.status?.numberAvailable ?? 0, Object.entries(d.spec.template.spec.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>', age(d, now),
      containerNames(d.spec.template), containerImages(d.spec.template), selector(d.spec.selector)],
  },
  jobs: {
    columns: [NAME,
      { name: 'Status', type: 'string', description: 'Status of the job.' },
      { name: 'Completions', type: 'string', description: 'The desired number of successfully finished pods the job should be run with.' },
      { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
      AGE, CONTAINERS, IMAGES, SELECTOR],
    cells: (j, now) => [j.metadata.name, jobStatus(j), `${j.status?.succeeded ?? 0}/${j.spec.completions ?? 1}`, jobDuration(j, now), age(j, now),
      containerNames(j.spec.template), containerImages(j.spec.template), selector(j.spec.selector)],
  },
  cronjobs: {
    columns: [NAME,
      { name: 'Schedule', type: 'string', description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' },
      { name: 'Timezone', type: 'string', description: 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.' },
      { name: 'Suspend', type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.' },
      { name: 'Active', type: 'integer', description: 'A list of pointers to currently running jobs.' },
      { name: 'Last Schedule', type: 'string', description: 'Information when was the last time the job was successfully scheduled.' },
      AGE, CONTAINERS, IMAGES, SELECTOR],
    cells: (c, now) => [c.metadata.name, c.spec.schedule, c.spec.timeZone ?? '<none>', c.spec.suspend ? 'True' : 'False', (c.status?.active ?? []).length,
      c.status?.lastScheduleTime ? humanDuration(now - Date.parse(c.status.lastScheduleTime)) : '<none>', age(c, now),
      containerNames(c.spec.jobTemplate.spec.template), containerImages(c.spec.jobTemplate.spec.template), selector(c.spec.jobTemplate.spec.selector)],
  },
  events: {
    columns: EVENT_COLUMNS,
    cells: (e, now) => eventCells({ name: e.metadata.name, involved: e.involvedObject, type: e.type, reason: e.reason, message: e.message, source: e.source, controller: e.reportingComponent,
      instance: e.reportingInstance, first: e.firstTimestamp, last: e.lastTimestamp, eventTime: e.eventTime, count: e.count, series: e.series }, now),
  },
  'events.k8s.io/events': {
    columns: EVENT_COLUMNS,
    cells: (e, now) => eventCells({ name: e.metadata.name, involved: e.regarding, type: e.type, reason: e.reason, message: e.note, source: e.deprecatedSource, controller: e.reportingController,
      instance: e.reportingInstance, first: e.deprecatedFirstTimestamp, last: e.deprecatedLastTimestamp, eventTime: e.eventTime, count: e.deprecatedCount, series: e.series }, now),
  },
  pods: {
    columns: [NAME,
      { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.' },
      { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.' },
      { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' },
      AGE,
      { name: 'IP', type: 'string', description: 'podIP is the IP address allocated to the pod.', priority: 1 },
      { name: 'Node', type: 'string', description: 'nodeName indicates in which node this pod is scheduled.', priority: 1 },
      { name: 'Nominated Node', type: 'string', description: 'nominatedNodeName is set when this pod preempts other pods on the node.', priority: 1 },
      { name: 'Readiness Gates', type: 'string', description: 'If specified, all readiness gates will be evaluated for pod readiness.', priority: 1 }],
    cells: (p, now) => {
      const cs = p.status?.containerStatuses ?? [];
      return [p.metadata.name, `${cs.filter((c: any) => c.ready).length}/${p.spec.containers.length}`, podStatusReason(p), restarts(p, now), age(p, now),
        p.status?.podIP ?? '<none>', p.spec.nodeName ?? '<none>', '<none>', '<none>'];
    },
  },
  nodes: {
    columns: [NAME,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      AGE,
      { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
      { name: 'Internal-IP', type: 'string', description: 'List of addresses reachable to the node.', priority: 1 },
      { name: 'External-IP', type: 'string', description: 'List of addresses reachable to the node.', priority: 1 },
      { name: 'OS-Image', type: 'string', description: 'OS Image reported by the node from /etc/os-release.', priority: 1 },
      { name: 'Kernel-Version', type: 'string', description: 'Kernel Version reported by the node.', priority: 1 },
      { name: 'Container-Runtime', type: 'string', description: 'Container Runtime Version reported by the node.', priority: 1 }],
    cells: (n, now) => [n.metadata.name, nodeStatus(n), nodeRoles(n), age(n, now), n.status.nodeInfo.kubeletVersion,
      n.status.addresses.find((a: any) => a.type === 'InternalIP')?.address ?? '<none>', '<none>', n.status.nodeInfo.osImage, n.status.nodeInfo.kernelVersion, n.status.nodeInfo.containerRuntimeVersion],
  },
  namespaces: {
    columns: [NAME, { name: 'Status', type: 'string', description: 'The status of the namespace' }, AGE],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o, now)],
  },
  deployments: {
    columns: [NAME,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      { name: 'Up-to-date', type: 'integer', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' },
      { name: 'Available', type: 'integer', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' },
      AGE,
      { name: 'Containers', type: 'string', description: 'Names of each container in the template.', priority: 1 },
      { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', priority: 1 },
      { name: 'Selector', type: 'string', description: 'Label selector for pods.', priority: 1 }],
    cells: (d, now) => [d.metadata.name, `${d.status?.readyReplicas ?? 0}/${d.spec.replicas}`, d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0, age(d, now),
      d.spec.template.spec.containers.map((c: any) => c.name).join(','), d.spec.template.spec.containers.map((c: any) => c.image).join(','),
      Object.entries(d.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',')],
  },
  replicasets: {
    columns: [NAME,
      { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired pods.' },
      { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of replicas.' },
      { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replica set.' },
      AGE],
    cells: (r, now) => [r.metadata.name, r.spec.replicas, r.status?.replicas ?? 0, r.status?.readyReplicas ?? 0, age(r, now)],
  },
  secrets: {
    columns: [NAME, { name: 'Type', type: 'string', description: 'Used to facilitate programmatic handling of secret data.' }, { name: 'Data', type: 'string', description: 'Data contains the secret data.' }, AGE],
    cells: (s, now) => [s.metadata.name, s.type, Object.keys(s.data ?? {}).length, age(s, now)],
  },
  resourcequotas: {
    columns: [NAME, AGE, { name: 'Request', type: 'string', description: 'Request represents a minimum amount of cpu/memory that a container may consume.' }, { name: 'Limit', type: 'string', description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.' }],
    cells: (q, now) => {
      const fmt = (filter: (k: string) => boolean) => Object.keys(q.status?.hard ?? {}).filter(filter).sort().map((k) => `${k}: ${q.status.used?.[k] ?? '0'}/${q.status.hard[k]}`).join(', ');
      return [q.metadata.name, age(q, now), fmt((k) => !k.startsWith('limits.')), fmt((k) => k.startsWith('limits.'))];
    },
  },
  limitranges: {
    columns: [NAME, { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }],
    cells: (l) => [l.metadata.name, l.metadata.creationTimestamp],
  },
  persistentvolumeclaims: {
    columns: [NAME,
      { name: 'Status', type: 'string', description: 'phase represents the current phase of PersistentVolumeClaim.' },
      { name: 'Volume', type: 'string', description: 'volumeName is the binding reference to the PersistentVolume backing this claim.' },
      { name: 'Capacity', type: 'string', description: 'capacity represents the actual resources of the underlying volume.' },
      { name: 'Access Modes', type: 'string', description: 'accessModes contains the desired access modes the volume should have.' },
      { name: 'StorageClass', type: 'string', description: 'storageClassName is the name of the StorageClass required by the claim.' },
      { name: 'VolumeAttributesClass', type: 'string', description: 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.' },
      AGE,
      { name: 'VolumeMode', type: 'string', description: 'volumeMode defines what type of volume is required by the claim.', priority: 1 }],
    cells: (c, now) => [c.metadata.name, c.status?.phase ?? 'Pending', c.spec.volumeName ?? '', c.status?.capacity?.storage ?? '', (c.status?.accessModes ?? []).map((m: string) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(','),
      c.spec.storageClassName ?? '', '<unset>', age(c, now), c.spec.volumeMode ?? 'Filesystem'],
  },
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function tableColumns(resource: ResourceName): Column[] {
  return TABLES[resource].columns;
}

export function tableRow(resource: ResourceName, obj: K8sObject, json: string, include: IncludeObject, tableApiVersion: string, now: number): string {
  const cells = JSON.stringify(TABLES[resource].cells(obj, now));
  let object = '';
  if (include === 'Object') object = `,"object":${json}`;
  else if (include === 'Metadata') object = `,"object":${JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: tableApiVersion, metadata: obj.metadata })}`;
  return `{"cells":${cells}${object}}`;
}
