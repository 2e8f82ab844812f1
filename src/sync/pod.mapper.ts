import { mapContainerSpecs, type ContainerSpecRow } from './container-spec.mapper.js';
import { controllerOf, int, type Obj, str, stringMap, timestamp } from './k8s-fields.js';

export type ContainerStatusRow = {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  reason: string | null;
  /** Kubernetes' explanation of the current state (a pull error, a missing secret, a back-off). */
  message: string | null;
  exitCode: number | null;
  startedAt: string | null;
  lastTerminationReason: string | null;
  lastTerminationExitCode: number | null;
  lastTerminatedAt: string | null;
};

export type PodRow = {
  uid: string;
  namespace: string;
  name: string;
  resourceVersion: string | null;
  ownerKind: string | null;
  ownerName: string | null;
  ownerUid: string | null;
  nodeName: string | null;
  phase: string;
  reason: string | null;
  message: string | null;
  qosClass: string | null;
  ready: boolean;
  restartCount: number;
  containerStatuses: ContainerStatusRow[];
  containers: ContainerSpecRow[];
  cpuRequestMillicores: number;
  cpuLimitMillicores: number | null;
  memoryRequestBytes: number;
  memoryLimitBytes: number | null;
  labels: Record<string, string>;
  podIp: string | null;
  startedAt: string | null;
  createdAt: string | null;
  deletedAt: string | null;
};

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

function containerStatus(s: Obj): ContainerStatusRow {
  const state: Obj = s.state ?? {};
  const last: Obj | undefined = s.lastState?.terminated;
  const [kind, detail]: [ContainerStatusRow['state'], Obj] = state.running
    ? ['running', state.running]
    : state.waiting
      ? ['waiting', state.waiting]
      : state.terminated
        ? ['terminated', state.terminated]
        : ['unknown', {}];
  return {
    name: String(s.name),
    image: String(s.image ?? ''),
    ready: s.ready === true,
    restartCount: int(s.restartCount),
    state: kind,
    reason: str(detail.reason),
    message: str(detail.message),
    exitCode: typeof detail.exitCode === 'number' ? detail.exitCode : null,
    startedAt: timestamp(detail.startedAt),
    lastTerminationReason: str(last?.reason),
    lastTerminationExitCode: typeof last?.exitCode === 'number' ? last.exitCode : null,
    lastTerminatedAt: timestamp(last?.finishedAt),
  };
}

/** Sum over containers; null (unbounded) when any container has no value, as Kubernetes treats a missing limit. */
function sumLimits(values: Array<number | null>): number | null {
  if (values.length === 0) return null;
  let total = 0;
  for (const v of values) {
    if (v === null) return null;
    total += v;
  }
  return total;
}

/** Kubernetes' QoS rules, for API servers that leave status.qosClass empty. */
export function qosClassOf(containers: readonly ContainerSpecRow[]): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const any = containers.some(
    (c) => c.cpuRequestMillicores !== null || c.cpuLimitMillicores !== null || c.memoryRequestBytes !== null || c.memoryLimitBytes !== null,
  );
  if (!any) return 'BestEffort';
  const guaranteed = containers.every(
    (c) =>
      c.cpuLimitMillicores !== null &&
      c.memoryLimitBytes !== null &&
      (c.cpuRequestMillicores ?? c.cpuLimitMillicores) === c.cpuLimitMillicores &&
      (c.memoryRequestBytes ?? c.memoryLimitBytes) === c.memoryLimitBytes,
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The PodScheduled condition of a pod the scheduler found no node for. */
function unschedulable(status: Obj, conditions: Obj[]): Obj | undefined {
  if (status.phase !== undefined && status.phase !== 'Pending') return undefined;
  return conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
}

/**
 * The reason a person wants to see: the pod's own (Evicted), else the first container's waiting or terminated reason
 * (CrashLoopBackOff, ImagePullBackOff, OOMKilled), as `kubectl get pods` shows it, else Unschedulable for a pending pod
 * no node can take (which `kubectl get pods` shows only as Pending).
 */
function podReason(status: Obj, statuses: ContainerStatusRow[], conditions: Obj[]): string | null {
  const own = str(status.reason);
  if (own) return own;
  const waiting = statuses.find((s) => s.state === 'waiting' && s.reason);
  if (waiting) return waiting.reason;
  const terminated = statuses.find((s) => s.state === 'terminated' && s.reason);
  if (terminated) return terminated.reason;
  return unschedulable(status, conditions) ? 'Unschedulable' : null;
}

export function mapPod(obj: Obj): PodRow {
  const status: Obj = obj.status ?? {};
  const where = `pod ${obj.metadata.namespace}/${obj.metadata.name}`;
  // Requests default to limits when only a limit is set (the API server does the same on admission).
  const containers = mapContainerSpecs(obj.spec, where).map((c) => ({
    ...c,
    cpuRequestMillicores: c.cpuRequestMillicores ?? c.cpuLimitMillicores,
    memoryRequestBytes: c.memoryRequestBytes ?? c.memoryLimitBytes,
  }));
  const statuses = (Array.isArray(status.containerStatuses) ? (status.containerStatuses as Obj[]) : []).map(containerStatus);
  const owner = controllerOf(obj.metadata);
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : [];
  const phase = PHASES.has(status.phase) ? String(status.phase) : 'Unknown';
  return {
    uid: obj.metadata.uid,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    resourceVersion: str(obj.metadata.resourceVersion),
    ownerKind: owner?.kind ?? null,
    ownerName: owner?.name ?? null,
    ownerUid: owner?.uid ?? null,
    nodeName: str(obj.spec?.nodeName),
    phase: status.phase === undefined ? 'Pending' : phase,
    reason: podReason(status, statuses, conditions),
    message: str(status.message) ?? str(unschedulable(status, conditions)?.message),
    qosClass: str(status.qosClass) ?? qosClassOf(containers),
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    restartCount: statuses.reduce((n, s) => n + s.restartCount, 0),
    containerStatuses: statuses,
    containers,
    cpuRequestMillicores: containers.reduce((n, c) => n + (c.cpuRequestMillicores ?? 0), 0),
    cpuLimitMillicores: sumLimits(containers.map((c) => c.cpuLimitMillicores)),
    memoryRequestBytes: containers.reduce((n, c) => n + (c.memoryRequestBytes ?? 0), 0),
    memoryLimitBytes: sumLimits(containers.map((c) => c.memoryLimitBytes)),
    labels: stringMap(obj.metadata?.labels),
    podIp: str(status.podIP),
    startedAt: timestamp(status.startTime),
    createdAt: timestamp(obj.metadata.creationTimestamp),
    deletedAt: null,
  };
}

/** `namespace/claimName` of each PersistentVolumeClaim the pod mounts. */
export function claimsOf(obj: Obj): string[] {
  const volumes: Obj[] = Array.isArray(obj.spec?.volumes) ? obj.spec.volumes : [];
  return volumes.filter((v) => v.persistentVolumeClaim?.claimName).map((v) => `${obj.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
}
