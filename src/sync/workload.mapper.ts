import { mapContainerSpecs, type ContainerSpecRow } from './container-spec.mapper.js';
import { controllerOf, int, type Obj, str, stringMap, timestamp } from './k8s-fields.js';

export type WorkloadKind = 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';

/** Deployment health's values, plus what only run-to-completion kinds can be. */
export type WorkloadHealth = 'healthy' | 'progressing' | 'degraded' | 'failed' | 'scaled_to_zero' | 'succeeded' | 'suspended';

/** One row of k8s_workloads: the columns every kind shares, and the typed status columns of some kinds (null for the others). */
export type WorkloadRow = {
  uid: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  resourceVersion: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  selector: Record<string, unknown>;
  desiredReplicas: number | null;
  readyReplicas: number | null;
  currentReplicas: number | null;
  availableReplicas: number | null;
  updatedReplicas: number | null;
  succeeded: number | null;
  failed: number | null;
  active: number | null;
  completions: number | null;
  startTime: string | null;
  completionTime: string | null;
  schedule: string | null;
  suspend: boolean | null;
  lastScheduleTime: string | null;
  lastSuccessfulTime: string | null;
  ownerKind: string | null;
  ownerName: string | null;
  ownerUid: string | null;
  containers: ContainerSpecRow[];
  conditions: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }>;
  /** status without what the typed columns and conditions hold already. */
  status: Record<string, unknown>;
  health: WorkloadHealth;
  createdAt: string | null;
  deletedAt: string | null;
};

const NO_STATUS = {
  desiredReplicas: null, readyReplicas: null, currentReplicas: null, availableReplicas: null, updatedReplicas: null,
  succeeded: null, failed: null, active: null, completions: null, startTime: null, completionTime: null,
  schedule: null, suspend: null, lastScheduleTime: null, lastSuccessfulTime: null,
} as const;

function base(obj: Obj, kind: WorkloadKind, podSpec: Obj | undefined, typed: readonly string[]): Omit<WorkloadRow, keyof typeof NO_STATUS | 'health'> {
  const owner = controllerOf(obj.metadata);
  const status: Obj = obj.status ?? {};
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : [];
  const rest = Object.fromEntries(Object.entries(status).filter(([k]) => k !== 'conditions' && !typed.includes(k)));
  return {
    uid: obj.metadata.uid,
    kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    resourceVersion: str(obj.metadata.resourceVersion),
    labels: stringMap(obj.metadata?.labels),
    annotations: stringMap(obj.metadata?.annotations),
    selector: obj.spec?.selector && typeof obj.spec.selector === 'object' ? obj.spec.selector : {},
    ownerKind: owner?.kind ?? null,
    ownerName: owner?.name ?? null,
    ownerUid: owner?.uid ?? null,
    containers: mapContainerSpecs(podSpec, `${kind} ${obj.metadata.namespace}/${obj.metadata.name}`),
    conditions: conditions.map((c) => ({
      type: String(c.type),
      status: String(c.status),
      ...(c.reason ? { reason: String(c.reason) } : {}),
      ...(c.message ? { message: String(c.message) } : {}),
      ...(c.lastTransitionTime ? { lastTransitionTime: String(c.lastTransitionTime) } : {}),
    })),
    status: rest,
    createdAt: timestamp(obj.metadata.creationTimestamp),
    deletedAt: null,
  };
}

/** Replica-keeping kinds: scaled_to_zero, progressing while pods are not on the current template, failed with none ready, degraded with some. */
export function classifyReplicas(desired: number, ready: number, updated: number, caughtUp: boolean): WorkloadHealth {
  if (desired === 0) return 'scaled_to_zero';
  if (!caughtUp || updated < desired) return 'progressing';
  if (ready === 0) return 'failed';
  if (ready < desired) return 'degraded';
  return 'healthy';
}

function caughtUp(obj: Obj): boolean {
  const generation = obj.metadata?.generation;
  const observed = obj.status?.observedGeneration;
  return typeof generation !== 'number' || typeof observed !== 'number' || observed >= generation;
}

export function mapStatefulSet(obj: Obj): WorkloadRow {
  const status: Obj = obj.status ?? {};
  const desired = int(obj.spec?.replicas, 1);
  const counts = {
    readyReplicas: int(status.readyReplicas),
    currentReplicas: int(status.currentReplicas),
    availableReplicas: int(status.availableReplicas),
    updatedReplicas: int(status.updatedReplicas),
  };
  return {
    ...base(obj, 'StatefulSet', obj.spec?.template?.spec, ['replicas', ...Object.keys(counts)]),
    ...NO_STATUS,
    desiredReplicas: desired,
    ...counts,
    health: classifyReplicas(desired, counts.readyReplicas, counts.updatedReplicas, caughtUp(obj)),
  };
}

export function mapDaemonSet(obj: Obj): WorkloadRow {
  const status: Obj = obj.status ?? {};
  const desired = int(status.desiredNumberScheduled);
  const counts = {
    readyReplicas: int(status.numberReady),
    currentReplicas: int(status.currentNumberScheduled),
    availableReplicas: int(status.numberAvailable),
    updatedReplicas: int(status.updatedNumberScheduled),
  };
  return {
    ...base(obj, 'DaemonSet', obj.spec?.template?.spec, ['desiredNumberScheduled', 'numberReady', 'currentNumberScheduled', 'numberAvailable', 'updatedNumberScheduled']),
    ...NO_STATUS,
    desiredReplicas: desired,
    ...counts,
    health: classifyReplicas(desired, counts.readyReplicas, counts.updatedReplicas, caughtUp(obj)),
  };
}

/** How a Job ended, from its Complete or Failed condition; null while it runs. */
function jobOutcome(conditions: Obj[]): 'Complete' | 'Failed' | null {
  for (const c of conditions) if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return null;
}

export function mapJob(obj: Obj): WorkloadRow {
  const status: Obj = obj.status ?? {};
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : [];
  const outcome = jobOutcome(conditions);
  const suspend = obj.spec?.suspend === true;
  return {
    ...base(obj, 'Job', obj.spec?.template?.spec, ['succeeded', 'failed', 'active', 'startTime', 'completionTime']),
    ...NO_STATUS,
    succeeded: int(status.succeeded),
    failed: int(status.failed),
    active: int(status.active),
    completions: typeof obj.spec?.completions === 'number' ? obj.spec.completions : null,
    startTime: timestamp(status.startTime),
    completionTime: timestamp(status.completionTime),
    suspend,
    health: outcome === 'Complete' ? 'succeeded' : outcome === 'Failed' ? 'failed' : suspend ? 'suspended' : 'progressing',
  };
}

export function mapCronJob(obj: Obj): WorkloadRow {
  const status: Obj = obj.status ?? {};
  const suspend = obj.spec?.suspend === true;
  return {
    ...base(obj, 'CronJob', obj.spec?.jobTemplate?.spec?.template?.spec, ['lastScheduleTime', 'lastSuccessfulTime']),
    ...NO_STATUS,
    // The Jobs it is running now (status.active lists them).
    active: Array.isArray(status.active) ? status.active.length : 0,
    schedule: str(obj.spec?.schedule),
    suspend,
    lastScheduleTime: timestamp(status.lastScheduleTime),
    lastSuccessfulTime: timestamp(status.lastSuccessfulTime),
    health: suspend ? 'suspended' : 'healthy',
  };
}
