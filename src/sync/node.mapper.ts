import { byteCount, millicores, type Obj, str, stringMap, timestamp } from './k8s-fields.js';

export type NodeRow = {
  uid: string;
  name: string;
  resourceVersion: string | null;
  providerId: string | null;
  instanceType: string | null;
  region: string | null;
  zone: string | null;
  cpuCapacityMillicores: number;
  memoryCapacityBytes: number;
  podsCapacity: number;
  ephemeralStorageCapacityBytes: number;
  cpuAllocatableMillicores: number;
  memoryAllocatableBytes: number;
  podsAllocatable: number;
  ephemeralStorageAllocatableBytes: number;
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }>;
  ready: boolean;
  unschedulable: boolean;
  kubeletVersion: string | null;
  containerRuntimeVersion: string | null;
  osImage: string | null;
  operatingSystem: string | null;
  architecture: string | null;
  createdAt: string | null;
  deletedAt: string | null;
};

function label(labels: Record<string, string>, ...keys: string[]): string | null {
  for (const k of keys) if (labels[k]) return labels[k]!;
  return null;
}

function resources(map: Obj | undefined, where: string) {
  return {
    cpu: millicores(map?.cpu, `${where}.cpu`) ?? 0,
    memory: byteCount(map?.memory, `${where}.memory`) ?? 0,
    pods: Number(byteCount(map?.pods, `${where}.pods`) ?? 0),
    storage: byteCount(map?.['ephemeral-storage'], `${where}.ephemeral-storage`) ?? 0,
  };
}

export function mapNode(obj: Obj): NodeRow {
  const labels = stringMap(obj.metadata?.labels);
  const where = `node ${obj.metadata?.name}`;
  const capacity = resources(obj.status?.capacity, `${where} status.capacity`);
  const allocatable = resources(obj.status?.allocatable, `${where} status.allocatable`);
  const rawConditions: Obj[] = Array.isArray(obj.status?.conditions) ? obj.status.conditions : [];
  // lastHeartbeatTime moves every few seconds on a real cluster; storing it would rewrite every node constantly.
  const conditions = rawConditions.map((c) => ({
    type: String(c.type),
    status: String(c.status),
    ...(c.reason ? { reason: String(c.reason) } : {}),
    ...(c.message ? { message: String(c.message) } : {}),
    ...(c.lastTransitionTime ? { lastTransitionTime: String(c.lastTransitionTime) } : {}),
  }));
  const taints: Obj[] = Array.isArray(obj.spec?.taints) ? obj.spec.taints : [];
  const info: Obj = obj.status?.nodeInfo ?? {};
  return {
    uid: obj.metadata.uid,
    name: obj.metadata.name,
    resourceVersion: str(obj.metadata.resourceVersion),
    providerId: str(obj.spec?.providerID),
    instanceType: label(labels, 'node.kubernetes.io/instance-type', 'beta.kubernetes.io/instance-type'),
    region: label(labels, 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'),
    zone: label(labels, 'topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'),
    cpuCapacityMillicores: capacity.cpu,
    memoryCapacityBytes: capacity.memory,
    podsCapacity: capacity.pods,
    ephemeralStorageCapacityBytes: capacity.storage,
    cpuAllocatableMillicores: allocatable.cpu,
    memoryAllocatableBytes: allocatable.memory,
    podsAllocatable: allocatable.pods,
    ephemeralStorageAllocatableBytes: allocatable.storage,
    labels,
    taints: taints.map((t) => ({ key: String(t.key), ...(t.value !== undefined ? { value: String(t.value) } : {}), effect: String(t.effect) })),
    conditions,
    ready: rawConditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: obj.spec?.unschedulable === true,
    kubeletVersion: str(info.kubeletVersion),
    containerRuntimeVersion: str(info.containerRuntimeVersion),
    osImage: str(info.osImage),
    operatingSystem: str(info.operatingSystem),
    architecture: str(info.architecture),
    createdAt: timestamp(obj.metadata.creationTimestamp),
    deletedAt: null,
  };
}

