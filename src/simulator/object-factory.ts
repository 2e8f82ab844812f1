import { createHash } from 'node:crypto';
import type { K8sObject, OwnerReference } from './k8s-object.js';
import type { InstanceType, ProviderProfile } from './provider-profiles.js';
import type { Random } from './random.js';
import { formatBytes, formatMillis } from './quantity.js';

/** Builders for objects shaped like the ones a real API server returns. Status mutators keep pods plausible. */

export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function ownerRef(owner: K8sObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export function buildNamespace(rng: Random, name: string, labels: Record<string, string>, created: number): K8sObject {
  return {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name, uid: rng.uuid(), resourceVersion: '', creationTimestamp: timestamp(created), labels: { 'kubernetes.io/metadata.name': name, ...labels } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export interface NodeParams {
  name: string;
  index: number;
  ip: string;
  zone: string;
  instanceType: InstanceType;
  profile: ProviderProfile;
  providerId?: string;
  controlPlane: boolean;
  extraLabels: Record<string, string>;
  created: number;
}

export function buildNode(rng: Random, p: NodeParams): K8sObject {
  const { instanceType: it, profile } = p;
  const memKi = it.memoryGi * 1024 * 1024 - 300_000 + rng.int(0, 50_000);
  const storageKi = 104_845_292;
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/instance-type': it.name, 'beta.kubernetes.io/os': 'linux',
    'failure-domain.beta.kubernetes.io/region': profile.region, 'failure-domain.beta.kubernetes.io/zone': p.zone,
    'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': p.name, 'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': it.name, 'topology.kubernetes.io/region': profile.region, 'topology.kubernetes.io/zone': p.zone,
    ...p.extraLabels,
  };
  if (p.controlPlane) labels['node-role.kubernetes.io/control-plane'] = '';
  const created = timestamp(p.created);
  const spec: Record<string, unknown> = { podCIDR: podCidr(p.index), podCIDRs: [podCidr(p.index)] };
  if (p.providerId) spec.providerID = p.providerId;
  if (p.controlPlane) spec.taints = [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }];
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name: p.name, uid: rng.uuid(), resourceVersion: '', creationTimestamp: created, labels,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec,
    status: {
      capacity: { cpu: String(it.cpu), 'ephemeral-storage': `${storageKi}Ki`, 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${memKi}Ki`, pods: String(it.maxPods) },
      allocatable: { cpu: formatMillis(it.cpu * 1000 - 80 - it.cpu * 10), 'ephemeral-storage': String(Math.floor(storageKi * 1024 * 0.9)), 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${memKi - 1_017_856}Ki`, pods: String(it.maxPods) },
      conditions: nodeConditions(true, created, created),
      addresses: [{ type: 'InternalIP', address: p.ip }, { type: 'Hostname', address: p.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: rng.hex(32), systemUUID: rng.uuid(), bootID: rng.uuid(), kernelVersion: profile.kernelVersion, osImage: profile.osImage,
        containerRuntimeVersion: profile.containerRuntime, kubeletVersion: profile.kubeletVersion, kubeProxyVersion: profile.kubeletVersion,
        operatingSystem: 'linux', architecture: 'amd64',
      },
    },
  };
}

export function nodeConditions(ready: boolean, heartbeat: string, transition: string): unknown[] {
  if (ready) {
    return [
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
      { type: 'DiskPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
      { type: 'PIDPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
      { type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
    ];
  }
  return ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
    type, status: 'Unknown', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.',
  }));
}

export function podCidr(nodeIndex: number): string {
  return `10.${64 + (nodeIndex >> 8)}.${nodeIndex & 255}.0/24`;
}

/** Namespaces every cluster has, which cannot be deleted. */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export function nodeIp(nodeIndex: number): string {
  return `10.0.${Math.floor(nodeIndex / 250)}.${(nodeIndex % 250) + 4}`;
}

export interface ContainerParams {
  name: string;
  image: string;
  cpuMillis: number;
  memoryBytes: number;
  memoryLimitBytes?: number;
  port?: number;
}

export function containerSpec(c: ContainerParams, pvcMount: boolean): Record<string, unknown> {
  const limits: Record<string, string> = {};
  if (c.memoryLimitBytes) limits.memory = formatBytes(c.memoryLimitBytes);
  const spec: Record<string, unknown> = {
    name: c.name, image: c.image,
    resources: { requests: { cpu: formatMillis(c.cpuMillis), memory: formatBytes(c.memoryBytes) }, ...(c.memoryLimitBytes ? { limits } : {}) },
    terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent',
  };
  if (c.port) spec.ports = [{ name: 'http', containerPort: c.port, protocol: 'TCP' }];
  if (pvcMount) spec.volumeMounts = [{ name: 'data', mountPath: '/var/lib/data' }];
  return spec;
}

export interface DeploymentParams {
  name: string;
  namespace: string;
  replicas: number;
  containers: ContainerParams[];
  pvcName?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  created: number;
}

export function podTemplate(labels: Record<string, string>, containers: ContainerParams[], pvcName?: string): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    containers: containers.map((c) => containerSpec(c, Boolean(pvcName))),
    restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler',
  };
  if (pvcName) spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: pvcName } }];
  return { metadata: { creationTimestamp: null, labels: { ...labels } }, spec };
}

export function buildDeployment(rng: Random, p: DeploymentParams): K8sObject {
  const selector = { app: p.name };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: {
      name: p.name, namespace: p.namespace, uid: rng.uuid(), resourceVersion: '', generation: 1, creationTimestamp: timestamp(p.created),
      labels: { ...p.labels }, annotations: { 'deployment.kubernetes.io/revision': '1', ...(p.annotations ?? {}) },
    },
    spec: {
      replicas: p.replicas, selector: { matchLabels: selector },
      template: podTemplate({ ...selector, ...p.labels }, p.containers, p.pvcName),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
    },
    status: {},
  };
}

export function buildReplicaSet(rng: Random, deployment: K8sObject, hash: string, revision: number, replicas: number, created: number): K8sObject {
  const d = deployment;
  const template = structuredClone(d.spec.template);
  template.metadata.labels['pod-template-hash'] = hash;
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, uid: rng.uuid(), resourceVersion: '', generation: 1, creationTimestamp: timestamp(created),
      labels: { ...d.spec.selector.matchLabels, 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas), 'deployment.kubernetes.io/max-replicas': String(d.spec.replicas + Math.ceil(d.spec.replicas / 4)), 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [ownerRef(d)],
    },
    spec: { replicas, selector: { matchLabels: { ...d.spec.selector.matchLabels, 'pod-template-hash': hash } }, template },
    status: { replicas: 0, observedGeneration: 1 },
  };
}

export interface PodPlacement {
  nodeName: string;
  hostIp: string;
  podIp: string;
}

// Parts every pod shares. Stored objects are never mutated in place (updates copy first), so sharing is safe.
const POD_TOLERATIONS = Object.freeze([
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
]);
const API_ACCESS_SOURCES = Object.freeze([
  { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
  { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
]);

export function buildPod(rng: Random, name: string, namespace: string, template: Record<string, any>, owner: K8sObject | undefined, place: PodPlacement, created: number): K8sObject {
  const token = `kube-api-access-${rng.suffix(5)}`;
  const mount = { name: token, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  const spec: Record<string, any> = {
    ...template.spec,
    volumes: [...(template.spec.volumes ?? []), { name: token, projected: { sources: API_ACCESS_SOURCES, defaultMode: 420 } }],
    containers: template.spec.containers.map((c: any) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] })),
    serviceAccountName: 'default', serviceAccount: 'default', nodeName: place.nodeName, enableServiceLinks: true, priority: 0, preemptionPolicy: 'PreemptLowerPriority',
    tolerations: POD_TOLERATIONS,
  };
  const createdAt = timestamp(created);
  const startedAt = createdAt;
  // Labels and owner references are the same for every pod of a ReplicaSet; they are shared, not copied.
  const metadata: Record<string, unknown> = {
    name, namespace, uid: rng.uuid(), resourceVersion: '', creationTimestamp: createdAt, labels: template.metadata.labels,
  };
  if (owner) {
    metadata.generateName = `${owner.metadata.name}-`;
    metadata.ownerReferences = sharedOwnerRefs(owner);
  }
  const pod: K8sObject = { apiVersion: 'v1', kind: 'Pod', metadata: metadata as K8sObject['metadata'], spec, status: {} };
  pod.status = {
    phase: 'Running', conditions: [], hostIP: place.hostIp, hostIPs: [{ ip: place.hostIp }], podIP: place.podIp, podIPs: [{ ip: place.podIp }], startTime: createdAt,
    containerStatuses: spec.containers.map((c: any) => ({
      name: c.name, state: { running: { startedAt } }, lastState: {}, ready: true, restartCount: 0,
      image: c.image, imageID: imageId(c.image), containerID: `containerd://${rng.hex(64)}`, started: true,
    })),
    qosClass: qosClass(spec.containers),
  };
  setPodConditions(pod, true, startedAt);
  return pod;
}

const ownerRefsByOwner = new WeakMap<K8sObject, OwnerReference[]>();

function sharedOwnerRefs(owner: K8sObject): OwnerReference[] {
  let refs = ownerRefsByOwner.get(owner);
  if (!refs) ownerRefsByOwner.set(owner, (refs = [ownerRef(owner)]));
  return refs;
}

const imageIds = new Map<string, string>();

/** Pods of one image share its digest, as on a real node. */
function imageId(image: string): string {
  let id = imageIds.get(image);
  if (!id) imageIds.set(image, (id = `${imageRepo(image)}@sha256:${createHash('sha256').update(image).digest('hex')}`));
  return id;
}

function imageRepo(image: string): string {
  const repo = image.split(':')[0];
  return repo.includes('/') && repo.split('/')[0].includes('.') ? repo : `docker.io/${repo.includes('/') ? repo : `library/${repo}`}`;
}

function qosClass(containers: any[]): string {
  const guaranteed = containers.every((c) => c.resources?.limits?.cpu && c.resources.limits.cpu === c.resources.requests?.cpu && c.resources.limits.memory === c.resources.requests?.memory);
  if (guaranteed) return 'Guaranteed';
  return containers.some((c) => c.resources?.requests) ? 'Burstable' : 'BestEffort';
}

export function setPodConditions(pod: K8sObject, ready: boolean, at: string, reason?: string): void {
  const created = pod.metadata.creationTimestamp;
  const notReady = (type: string) => ({
    type, status: 'False', lastProbeTime: null, lastTransitionTime: at, reason: reason ?? 'ContainersNotReady',
    ...(reason === 'PodCompleted' ? {} : { message: `containers with unready status: [${pod.spec.containers.map((c: any) => c.name).join(' ')}]` }),
  });
  const ok = (type: string, t: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: t });
  pod.status.conditions = [
    reason === 'PodCompleted' ? { type: 'PodReadyToStartContainers', status: 'False', lastProbeTime: null, lastTransitionTime: at } : ok('PodReadyToStartContainers', created),
    reason === 'PodCompleted' ? { ...ok('Initialized', created), reason: 'PodCompleted' } : ok('Initialized', created),
    ready ? ok('Ready', at) : notReady('Ready'),
    ready ? ok('ContainersReady', at) : notReady('ContainersReady'),
    ok('PodScheduled', created),
  ];
}

export function isPodReady(pod: K8sObject): boolean {
  return pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export interface PvcParams {
  name: string;
  namespace: string;
  storageBytes: number;
  storageClass: string;
  created: number;
  labels: Record<string, string>;
}

export function buildPvc(rng: Random, p: PvcParams): K8sObject {
  const uid = rng.uuid();
  const size = formatBytes(p.storageBytes);
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: p.name, namespace: p.namespace, uid, resourceVersion: '', creationTimestamp: timestamp(p.created), labels: { ...p.labels },
      annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.beta.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com' },
      finalizers: ['kubernetes.io/pvc-protection'],
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, volumeName: `pvc-${uid}`, storageClassName: p.storageClass, volumeMode: 'Filesystem' },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: size } },
  };
}

export function buildResourceQuota(rng: Random, namespace: string, hard: Record<string, string>, used: Record<string, string>, created: number): K8sObject {
  return {
    apiVersion: 'v1', kind: 'ResourceQuota',
    metadata: { name: 'compute-resources', namespace, uid: rng.uuid(), resourceVersion: '', creationTimestamp: timestamp(created) },
    spec: { hard },
    status: { hard, used },
  };
}

export function buildLimitRange(rng: Random, namespace: string, created: number): K8sObject {
  return {
    apiVersion: 'v1', kind: 'LimitRange',
    metadata: { name: 'default-limits', namespace, uid: rng.uuid(), resourceVersion: '', creationTimestamp: timestamp(created) },
    spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' }, max: { cpu: '4', memory: '8Gi' } }] },
  };
}

export function buildSecret(rng: Random, name: string, namespace: string, type: string, data: Record<string, string>, labels: Record<string, string> | undefined, created: number): K8sObject {
  const secret: K8sObject = {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name, namespace, uid: rng.uuid(), resourceVersion: '', creationTimestamp: timestamp(created) },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    type,
  };
  if (labels) secret.metadata.labels = labels;
  return secret;
}
