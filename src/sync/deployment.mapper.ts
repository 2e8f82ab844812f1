import { mapContainerSpecs, type ContainerSpecRow } from './container-spec.mapper.js';
import { int, type Obj, str, stringMap, timestamp } from './k8s-fields.js';

export type DeploymentHealth = 'healthy' | 'progressing' | 'degraded' | 'failed' | 'scaled_to_zero';

export type DeploymentRow = {
  uid: string;
  namespace: string;
  name: string;
  resourceVersion: string | null;
  desiredReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  updatedReplicas: number;
  unavailableReplicas: number;
  strategy: string | null;
  maxSurge: string | null;
  maxUnavailable: string | null;
  containers: ContainerSpecRow[];
  selector: Record<string, unknown>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  health: DeploymentHealth;
  generation: number | null;
  observedGeneration: number | null;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string }>;
  createdAt: string | null;
  deletedAt: string | null;
};

interface HealthInput {
  desired: number;
  ready: number;
  available: number;
  updated: number;
  /** status.replicas: every pod of every ReplicaSet, old ones included. */
  total: number;
  generation: number | null;
  observedGeneration: number | null;
  conditions: Obj[];
}

/**
 * failed: the rollout hit its progress deadline, or nothing is available; progressing: the controller has not caught
 * up with the spec or old pods are still being replaced; degraded: some desired replicas unavailable; healthy: all
 * available and up to date; scaled_to_zero: zero desired.
 */
export function classifyDeployment(d: HealthInput): DeploymentHealth {
  if (d.desired === 0) return 'scaled_to_zero';
  const progressing = d.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') return 'failed';
  const rolling =
    (d.generation !== null && d.observedGeneration !== null && d.observedGeneration < d.generation) ||
    d.updated < d.desired ||
    d.total > d.updated;
  if (rolling) return 'progressing';
  if (d.available === 0) return 'failed';
  if (d.available < d.desired || d.ready < d.desired) return 'degraded';
  return 'healthy';
}

function intOrString(v: unknown): string | null {
  return v === undefined || v === null ? null : String(v);
}

export function mapDeployment(obj: Obj): DeploymentRow {
  const spec: Obj = obj.spec ?? {};
  const status: Obj = obj.status ?? {};
  const desired = int(spec.replicas, 1);
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : [];
  const generation = typeof obj.metadata?.generation === 'number' ? obj.metadata.generation : null;
  const observedGeneration = typeof status.observedGeneration === 'number' ? status.observedGeneration : null;
  const counts = {
    ready: int(status.readyReplicas),
    available: int(status.availableReplicas),
    updated: int(status.updatedReplicas),
    total: int(status.replicas),
  };
  return {
    uid: obj.metadata.uid,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    resourceVersion: str(obj.metadata.resourceVersion),
    desiredReplicas: desired,
    readyReplicas: counts.ready,
    availableReplicas: counts.available,
    updatedReplicas: counts.updated,
    unavailableReplicas: int(status.unavailableReplicas),
    strategy: str(spec.strategy?.type),
    maxSurge: intOrString(spec.strategy?.rollingUpdate?.maxSurge),
    maxUnavailable: intOrString(spec.strategy?.rollingUpdate?.maxUnavailable),
    containers: mapContainerSpecs(spec.template?.spec, `deployment ${obj.metadata.namespace}/${obj.metadata.name}`),
    selector: spec.selector && typeof spec.selector === 'object' ? spec.selector : {},
    labels: stringMap(obj.metadata?.labels),
    annotations: stringMap(obj.metadata?.annotations),
    health: classifyDeployment({ desired, ...counts, generation, observedGeneration, conditions }),
    generation,
    observedGeneration,
    conditions: conditions.map((c) => ({
      type: String(c.type),
      status: String(c.status),
      ...(c.reason ? { reason: String(c.reason) } : {}),
      ...(c.message ? { message: String(c.message) } : {}),
      ...(c.lastUpdateTime ? { lastUpdateTime: String(c.lastUpdateTime) } : {}),
    })),
    createdAt: timestamp(obj.metadata.creationTimestamp),
    deletedAt: null,
  };
}
