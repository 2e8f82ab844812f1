import type { K8sObject } from './k8s-object.js';
import { objectKey } from './k8s-object.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import {
  buildDeployment, buildNamespace, buildPod, buildReplicaSet, buildSecret, isPodReady, nodeIp, SYSTEM_NAMESPACES, timestamp,
} from './object-factory.js';
import { helmUpgrade } from './helm-upgrade.js';
import type { ProviderProfile } from './provider-profiles.js';
import { cpuMillis, formatBytes, formatMillis, parseQuantity } from './quantity.js';
import type { Random } from './random.js';
import { type CoreChange, isWorkloadChange, type SimChange, unhandled, type WorkloadChange } from './sim-change.js';
import { complete, crashContainer, imagePullBackOff, nodeReady, oomKill, recover, setNodeReady } from './status-transitions.js';

export class SimulationError extends Error {}

/**
 * Plays the part of the Kubernetes controllers (deployment, replicaset, kubelet, node lifecycle, Helm):
 * every change goes through here so that owners, statuses and indexes stay consistent.
 */
export class ClusterController {
  private readonly podsByReplicaSet = new Map<string, Set<string>>();
  private readonly replicaSetsByDeployment = new Map<string, Set<string>>();
  readonly podsByNode = new Map<string, Set<string>>();
  private readonly nodeIndex = new Map<string, number>();
  private readonly nextPodIp = new Map<string, number>();
  /** Requested millicores per node over its allocatable millicores, for spreading pods like a scheduler would. */
  private readonly cpuRequested = new Map<string, number>();
  private readonly cpuAllocatable = new Map<string, number>();
  private readonly resourcesByUid = new Map<string, PodResources>();
  private readonly usageByNamespace = new Map<string, PodResources & { pods: number }>();
  /** Pods currently counted in their namespace's quota usage, with what they contributed. */
  private readonly quotaCounted = new Map<string, PodResources>();
  /** Namespaces whose ResourceQuota usage may have changed during the current change. */
  private readonly quotaDirty = new Set<string>();
  private schedulable?: string[];
  readonly deletedPodUids: string[] = [];
  /** Pods without an owner (created by `createPod`), in creation order. */
  readonly standalonePods = new Set<string>();
  /** The controllers of pods not owned by a ReplicaSet, by owner kind. */
  readonly podOwners = new Map<string, PodOwnerController>();
  /** Pods no node fits (Pending, without a node). */
  readonly unscheduledPods = new Set<string>();
  /** Applies the changes of StatefulSets, DaemonSets, Jobs and CronJobs (workload-controllers.ts). */
  workloads?: (rng: Random, change: WorkloadChange) => void;

  constructor(readonly store: ObjectStore, readonly profile: ProviderProfile, private readonly clock: () => number) {}

  now(): number {
    return this.clock();
  }

  registerNode(name: string, index: number): void {
    this.nodeIndex.set(name, index);
    this.podsByNode.set(name, this.podsByNode.get(name) ?? new Set());
    this.schedulable = undefined;
  }

  // ---- reads --------------------------------------------------------------------------------

  require(resource: Parameters<ObjectStore['get']>[0], key: string, what: string): StoredObject {
    const s = this.store.get(resource, key);
    if (!s) throw new SimulationError(`${what} ${key} not found`);
    return s;
  }

  podsOf(rsKey: string): Set<string> {
    return this.podsByReplicaSet.get(rsKey) ?? new Set();
  }

  replicaSetsOf(deploymentKey: string): string[] {
    return [...(this.replicaSetsByDeployment.get(deploymentKey) ?? [])].sort();
  }

  currentReplicaSet(deploymentKey: string): StoredObject | undefined {
    let best: StoredObject | undefined;
    for (const k of this.replicaSetsOf(deploymentKey)) {
      const rs = this.store.get('replicasets', k);
      if (rs && (!best || revision(rs.obj) > revision(best.obj))) best = rs;
    }
    return best;
  }

  private schedulableNodes(): string[] {
    if (!this.schedulable) {
      const all = this.store.values('nodes');
      const ready = all.filter((n) => nodeReady(n.obj) && !n.obj.spec.taints?.some((t: any) => t.effect === 'NoSchedule'));
      this.schedulable = (ready.length ? ready : all).map((n) => n.key);
    }
    return this.schedulable;
  }

  // ---- object creation used by the scenario and by changes ----------------------------------

  createDeployment(rng: Random, params: Parameters<typeof buildDeployment>[1], hash: string, podCreated: (i: number) => number, mutatePod?: (pod: K8sObject) => void): { deployment: StoredObject; replicaSet: StoredObject } {
    const deployment = this.store.create('deployments', buildDeployment(rng, params));
    const rs = this.store.create('replicasets', buildReplicaSet(rng, deployment.obj, hash, 1, params.replicas, params.created + 1000));
    this.indexReplicaSet(deployment.key, rs.key);
    for (let i = 0; i < params.replicas; i++) this.createPodForReplicaSet(rng, rs.key, podCreated(i), mutatePod);
    this.syncReplicaSet(rs.key);
    this.syncDeployment(deployment.key);
    return { deployment, replicaSet: rs };
  }

  private indexReplicaSet(deploymentKey: string, rsKey: string): void {
    let set = this.replicaSetsByDeployment.get(deploymentKey);
    if (!set) this.replicaSetsByDeployment.set(deploymentKey, (set = new Set()));
    set.add(rsKey);
  }

  createPodForReplicaSet(rng: Random, rsKey: string, created: number, mutate?: (pod: K8sObject) => void): StoredObject {
    const rs = this.require('replicasets', rsKey, 'replicaset').obj;
    let name: string;
    do name = `${rs.metadata.name}-${rng.suffix(5)}`;
    while (this.store.get('pods', `${rs.metadata.namespace}/${name}`));
    return this.createPod(rng, name, rs.metadata.namespace as string, rs.spec.template, rs, undefined, created, mutate);
  }

  createPod(rng: Random, name: string, namespace: string, template: Record<string, any>, owner: K8sObject | undefined, nodeName: string | undefined, created: number, mutate?: (pod: K8sObject) => void): StoredObject {
    const nodes = this.schedulableNodes();
    if (nodes.length === 0) throw new SimulationError('the cluster has no nodes to schedule a pod on');
    const node = nodeName ?? this.pickNode(rng, nodes);
    const index = this.nodeIndex.get(node);
    if (index === undefined) throw new SimulationError(`node ${node} not found`);
    const pod = buildPod(rng, name, namespace, template, owner, { nodeName: node, hostIp: nodeIp(index), podIp: this.allocatePodIp(node, index) }, created);
    mutate?.(pod);
    const stored = this.store.create('pods', pod);
    this.podsByNode.get(node)?.add(stored.key);
    this.countForQuota(stored.key, stored.obj);
    this.cpuRequested.set(node, (this.cpuRequested.get(node) ?? 0) + this.podResources(pod).cpu);
    if (!owner) this.standalonePods.add(stored.key);
    if (owner?.kind === 'ReplicaSet') this.indexPod(objectKey(owner), stored.key);
    return stored;
  }

  private indexPod(rsKey: string, podKey: string): void {
    let set = this.podsByReplicaSet.get(rsKey);
    if (!set) this.podsByReplicaSet.set(rsKey, (set = new Set()));
    set.add(podKey);
  }

  /** A pod the scheduler finds no node for: Pending, PodScheduled False with the scheduler's `message`. */
  createUnschedulablePod(rng: Random, name: string, namespace: string, template: Record<string, any>, owner: K8sObject | undefined, created: number, message: string): StoredObject {
    const pod = buildPod(rng, name, namespace, template, owner, { nodeName: '', hostIp: '', podIp: '' }, created);
    delete pod.spec.nodeName;
    const at = timestamp(created);
    pod.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: at, reason: 'Unschedulable', message }], qosClass: pod.status.qosClass };
    const stored = this.store.create('pods', pod);
    this.unscheduledPods.add(stored.key);
    this.countForQuota(stored.key, stored.obj);
    if (owner?.kind === 'ReplicaSet') this.indexPod(objectKey(owner), stored.key);
    return stored;
  }

  /** Of four random nodes, the one with the lowest share of its CPU requested: spreads pods like a scheduler. */
  private pickNode(rng: Random, nodes: string[]): string {
    let best = rng.pick(nodes);
    let bestLoad = this.cpuLoad(best);
    for (let i = 0; i < 3; i++) {
      const n = rng.pick(nodes);
      const load = this.cpuLoad(n);
      if (load < bestLoad) [best, bestLoad] = [n, load];
    }
    return best;
  }

  private cpuLoad(node: string): number {
    let alloc = this.cpuAllocatable.get(node);
    if (alloc === undefined) {
      const q = this.store.get('nodes', node)?.obj.status.allocatable.cpu;
      this.cpuAllocatable.set(node, (alloc = q ? cpuMillis(q) : 1000));
    }
    return (this.cpuRequested.get(node) ?? 0) / alloc;
  }

  private allocatePodIp(node: string, index: number): string {
    const next = this.nextPodIp.get(node) ?? 2;
    this.nextPodIp.set(node, next >= 254 ? 2 : next + 1);
    return `10.${64 + (index >> 8)}.${index & 255}.${next}`;
  }

  removePod(key: string): void {
    const pod = this.require('pods', key, 'pod');
    this.store.delete('pods', key);
    this.deletedPodUids.push(pod.obj.metadata.uid);
    this.podsByNode.get(pod.obj.spec.nodeName)?.delete(key);
    this.countForQuota(key, undefined);
    if (!this.unscheduledPods.delete(key)) this.cpuRequested.set(pod.obj.spec.nodeName, (this.cpuRequested.get(pod.obj.spec.nodeName) ?? 0) - this.podResources(pod.obj).cpu);
    this.resourcesByUid.delete(pod.obj.metadata.uid);
    this.standalonePods.delete(key);
    const owner = pod.obj.metadata.ownerReferences?.[0];
    if (owner?.kind === 'ReplicaSet') this.podsByReplicaSet.get(`${pod.obj.metadata.namespace}/${owner.name}`)?.delete(key);
  }

  // ---- status reconciliation -----------------------------------------------------------------

  /** Recomputes a ReplicaSet's status from its pods; writes only when something changed. */
  syncReplicaSet(rsKey: string): void {
    const rs = this.store.get('replicasets', rsKey);
    if (!rs) return;
    const pods = [...this.podsOf(rsKey)].map((k) => this.store.get('pods', k)?.obj).filter((p): p is K8sObject => Boolean(p));
    const ready = pods.filter(isPodReady).length;
    const status: Record<string, unknown> = { replicas: pods.length };
    if (pods.length) status.fullyLabeledReplicas = pods.length;
    if (ready) { status.readyReplicas = ready; status.availableReplicas = ready; }
    status.observedGeneration = rs.obj.metadata.generation;
    if (JSON.stringify(status) !== JSON.stringify(rs.obj.status)) this.store.update('replicasets', rsKey, (o) => { o.status = status; }, 'status');
  }

  syncDeployment(deploymentKey: string): void {
    const d = this.store.get('deployments', deploymentKey);
    if (!d) return;
    const current = this.currentReplicaSet(deploymentKey);
    let replicas = 0, ready = 0, updated = 0;
    for (const k of this.replicaSetsOf(deploymentKey)) {
      const rs = this.store.get('replicasets', k)?.obj;
      if (!rs) continue;
      replicas += rs.status.replicas ?? 0;
      ready += rs.status.readyReplicas ?? 0;
      if (current && k === current.key) updated = rs.status.replicas ?? 0;
    }
    const desired = d.obj.spec.replicas as number;
    const maxUnavailable = Math.floor(desired * 0.25);
    const available = ready >= desired - maxUnavailable;
    const old = d.obj.status ?? {};
    const at = timestamp(this.clock());
    const condition = (type: string, status: string, reason: string, message: string) => {
      const prev = (old.conditions ?? []).find((c: any) => c.type === type);
      if (prev && prev.status === status && prev.reason === reason && prev.message === message) return prev;
      return { type, status, lastUpdateTime: at, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : at, reason, message };
    };
    const status: Record<string, unknown> = { observedGeneration: d.obj.metadata.generation };
    if (replicas) status.replicas = replicas;
    if (updated) status.updatedReplicas = updated;
    if (ready) { status.readyReplicas = ready; status.availableReplicas = ready; }
    if (desired - ready > 0) status.unavailableReplicas = desired - ready;
    status.conditions = [
      available
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
      condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${current?.obj.metadata.name ?? d.obj.metadata.name}" has successfully progressed.`),
    ];
    if (JSON.stringify(status) !== JSON.stringify(old)) this.store.update('deployments', deploymentKey, (o) => { o.status = status; }, 'status');
  }

  private syncOwners(pod: K8sObject): void {
    const owner = pod.metadata.ownerReferences?.[0];
    if (owner?.kind !== 'ReplicaSet') return void (owner && this.podOwners.get(owner.kind)?.podChanged(pod));
    const rsKey = `${pod.metadata.namespace}/${owner.name}`;
    this.syncReplicaSet(rsKey);
    const rs = this.store.get('replicasets', rsKey)?.obj;
    const d = rs?.metadata.ownerReferences?.[0];
    if (d) this.syncDeployment(`${pod.metadata.namespace}/${d.name}`);
  }

  // ---- changes -------------------------------------------------------------------------------

  apply(rng: Random, change: SimChange): void {
    try {
      if (isWorkloadChange(change)) this.workloads?.(rng, change);
      else this.applyChange(rng, change);
    } finally {
      this.syncQuotas();
    }
  }

  /** What the quota controller counts: requests and limits of the pods that are not finished. */
  namespaceUsage(namespace: string): Record<string, string> {
    const u = this.usageByNamespace.get(namespace) ?? { pods: 0, cpu: 0, memory: 0, limitsMemory: 0 };
    return { 'limits.memory': formatBytes(u.limitsMemory), pods: String(u.pods), 'requests.cpu': formatMillis(u.cpu), 'requests.memory': formatBytes(u.memory) };
  }

  /** Keeps the per-namespace quota sums current: counts a pod while it is not finished. */
  private countForQuota(key: string, pod: K8sObject | undefined): void {
    const counted = this.quotaCounted.has(key);
    const shouldCount = Boolean(pod && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed');
    if (counted === shouldCount) return;
    const namespace = key.slice(0, key.indexOf('/'));
    let u = this.usageByNamespace.get(namespace);
    if (!u) this.usageByNamespace.set(namespace, (u = { pods: 0, cpu: 0, memory: 0, limitsMemory: 0 }));
    const r = shouldCount ? this.podResources(pod!) : this.quotaCounted.get(key)!;
    const sign = shouldCount ? 1 : -1;
    u.pods += sign;
    u.cpu += sign * r.cpu;
    u.memory += sign * r.memory;
    u.limitsMemory += sign * r.limitsMemory;
    if (shouldCount) this.quotaCounted.set(key, r);
    else this.quotaCounted.delete(key);
    this.quotaDirty.add(namespace);
  }

  /** A pod's summed requests (millicores, bytes) and memory limits; a pod's spec never changes, so this is kept by uid. */
  private podResources(pod: K8sObject): PodResources {
    let r = this.resourcesByUid.get(pod.metadata.uid);
    if (!r) {
      r = { cpu: 0, memory: 0, limitsMemory: 0 };
      for (const c of pod.spec.containers) {
        const req = c.resources?.requests ?? {};
        r.cpu += req.cpu ? cpuMillis(req.cpu) : 0;
        const mem = req.memory ? parseQuantity(req.memory) : 0;
        r.memory += mem;
        r.limitsMemory += c.resources?.limits?.memory ? parseQuantity(c.resources.limits.memory) : mem;
      }
      this.resourcesByUid.set(pod.metadata.uid, r);
    }
    return r;
  }

  private syncQuotas(): void {
    for (const ns of this.quotaDirty) {
      const keys = this.store.keys('resourcequotas').filter((k) => k.startsWith(`${ns}/`));
      if (keys.length === 0) continue;
      const usage = this.namespaceUsage(ns);
      for (const key of keys) {
        const q = this.store.get('resourcequotas', key)!.obj;
        const used = Object.fromEntries(Object.keys(q.spec.hard).map((k) => [k, usage[k] ?? '0']));
        if (JSON.stringify(used) !== JSON.stringify(q.status.used)) this.store.update('resourcequotas', key, (o) => { o.status.used = used; }, 'status');
      }
    }
    this.quotaDirty.clear();
  }

  private applyChange(rng: Random, change: CoreChange): void {
    const now = this.clock();
    switch (change.kind) {
      case 'scaleDeployment': return this.scale(rng, `${change.namespace}/${change.name}`, change.replicas, now);
      case 'rollout': return this.rollout(rng, `${change.namespace}/${change.name}`, change.image, change.templateAnnotations, now);
      case 'deletePod': {
        const key = `${change.namespace}/${change.name}`;
        const pod = this.require('pods', key, 'pod').obj;
        this.removePod(key);
        const owner = pod.metadata.ownerReferences?.[0];
        if (owner?.kind === 'ReplicaSet' && change.replace !== false) {
          const rsKey = `${change.namespace}/${owner.name}`;
          const rs = this.store.get('replicasets', rsKey);
          if (rs && this.podsOf(rsKey).size < rs.obj.spec.replicas) this.createPodForReplicaSet(rng, rsKey, now);
        } else if (owner) this.podOwners.get(owner.kind)?.podDeleted(rng, pod, now, change.replace !== false);
        return this.syncOwners(pod);
      }
      case 'createPod': {
        this.require('namespaces', change.namespace, 'namespace');
        const name = change.name ?? `job-${rng.suffix(5)}`;
        if (this.store.get('pods', `${change.namespace}/${name}`)) throw new SimulationError(`pod ${change.namespace}/${name} already exists`);
        if (change.nodeName) this.require('nodes', change.nodeName, 'node');
        const cpu = change.cpu ?? '100m';
        const memory = change.memory ?? '128Mi';
        quantities('createPod', () => [cpuMillis(cpu), parseQuantity(memory)]);
        const template = {
          metadata: { labels: { ...(change.labels ?? { app: name }) } },
          spec: {
            containers: [{ name: 'main', image: 'busybox:1.36', resources: { requests: { cpu, memory } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }],
            restartPolicy: 'Never', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler',
          },
        };
        this.createPod(rng, name, change.namespace, template, undefined, change.nodeName, now);
        return;
      }
      case 'crashPod': return this.mutatePod(change, (pod) => crashContainer(pod, now, 'Error', 1, rng));
      case 'oomKill': return this.mutatePod(change, (pod) => oomKill(pod, now, rng));
      case 'imagePullBackOff': return this.mutatePod(change, (pod) => imagePullBackOff(pod, now));
      case 'recoverPod': return this.mutatePod(change, (pod) => recover(pod, now, rng));
      case 'completePod': return this.mutatePod(change, (pod) => complete(pod, now));
      case 'nodeNotReady':
      case 'nodeReady': {
        const ready = change.kind === 'nodeReady';
        const node = this.require('nodes', change.name, 'node');
        if (nodeReady(node.obj) === ready) return;
        this.store.update('nodes', change.name, (n) => setNodeReady(n, ready, timestamp(now)));
        this.schedulable = undefined;
        this.markPodsOnNode(change.name, ready, now);
        return;
      }
      case 'helmUpgrade': return helmUpgrade(this.store, rng, change.namespace, change.name, now);
      case 'createNamespace': {
        if (this.store.get('namespaces', change.name)) throw new SimulationError(`namespace ${change.name} already exists`);
        this.store.create('namespaces', buildNamespace(rng, change.name, change.labels ?? {}, now));
        return;
      }
      case 'labelNamespace': {
        this.require('namespaces', change.name, 'namespace');
        this.store.update('namespaces', change.name, (ns) => {
          for (const [k, v] of Object.entries(change.labels)) {
            if (v === null) delete ns.metadata.labels?.[k];
            else ns.metadata.labels = { ...ns.metadata.labels, [k]: v };
          }
        });
        return;
      }
      case 'createDeployment': {
        this.require('namespaces', change.namespace, 'namespace');
        const key = `${change.namespace}/${change.name}`;
        if (this.store.get('deployments', key)) throw new SimulationError(`deployment ${key} already exists`);
        if (!Number.isInteger(change.replicas) || change.replicas < 0) throw new SimulationError(`replicas must be a non-negative integer, got ${change.replicas}`);
        const [cpu, memory] = quantities('createDeployment', () => [cpuMillis(change.cpu ?? '100m'), parseQuantity(change.memory ?? '128Mi')]);
        this.createDeployment(rng, {
          name: change.name, namespace: change.namespace, replicas: change.replicas, labels: { app: change.name }, created: now,
          containers: [{ name: change.name, image: change.image ?? 'nginx:1.27.2', cpuMillis: cpu, memoryBytes: memory, port: 8080 }],
        }, templateHash(rng), () => now);
        return;
      }
      case 'deleteDeployment': {
        const key = `${change.namespace}/${change.name}`;
        this.require('deployments', key, 'deployment');
        return this.removeDeployment(key);
      }
      case 'deleteNamespace': return this.deleteNamespace(change.name, now);
      default: return unhandled(change);
    }
  }

  /**
   * The node lifecycle controller marks the pods of an unreachable node not ready; once the kubelet reports
   * again, pods whose containers are ready become ready again.
   */
  private markPodsOnNode(node: string, ready: boolean, now: number): void {
    const at = timestamp(now);
    const owners = new Map<string, K8sObject>();
    for (const key of [...(this.podsByNode.get(node) ?? [])].sort()) {
      const pod = this.store.get('pods', key)?.obj;
      if (!pod || pod.status.phase !== 'Running') continue;
      const containersReady = pod.status.containerStatuses.every((c: any) => c.ready);
      const target = ready && containersReady;
      if (isPodReady(pod) === target) continue;
      const updated = this.store.update('pods', key, (p) => {
        const cond = p.status.conditions.find((c: any) => c.type === 'Ready');
        if (target) Object.assign(cond, { status: 'True', lastTransitionTime: at, reason: undefined, message: undefined });
        else Object.assign(cond, { status: 'False', lastTransitionTime: at, reason: 'NodeNotReady', message: undefined });
        for (const k of ['reason', 'message']) if (cond[k] === undefined) delete cond[k];
      }, 'status');
      const owner = updated.obj.metadata.ownerReferences?.[0];
      if (owner) owners.set(`${updated.obj.metadata.namespace}/${owner.kind}/${owner.name}`, updated.obj);
    }
    // One status update per owner for the whole node, as the controllers' work queues coalesce them.
    for (const pod of owners.values()) this.syncOwners(pod);
  }

  private removeDeployment(key: string): void {
    for (const rsKey of this.replicaSetsOf(key)) {
      for (const p of [...this.podsOf(rsKey)]) this.removePod(p);
      this.store.delete('replicasets', rsKey);
      this.podsByReplicaSet.delete(rsKey);
    }
    this.replicaSetsByDeployment.delete(key);
    this.store.delete('deployments', key);
  }

  /** As the namespace controller does it: Terminating first, then every object in it, then the namespace. */
  private deleteNamespace(name: string, now: number): void {
    this.require('namespaces', name, 'namespace');
    if (SYSTEM_NAMESPACES.has(name)) throw new SimulationError(`namespace ${name} is a system namespace and cannot be deleted`);
    const at = timestamp(now);
    this.store.update('namespaces', name, (ns) => {
      ns.metadata.deletionTimestamp = at;
      ns.status = { phase: 'Terminating' };
    });
    const prefix = `${name}/`;
    const inNamespace = (resource: Parameters<ObjectStore['keys']>[0]) => this.store.keys(resource).filter((k) => k.startsWith(prefix));
    for (const key of inNamespace('deployments')) this.removeDeployment(key);
    for (const key of inNamespace('pods')) this.removePod(key);
    for (const resource of ['replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'secrets', 'persistentvolumeclaims', 'resourcequotas', 'limitranges', 'events'] as const) {
      for (const key of inNamespace(resource)) this.store.delete(resource, key);
    }
    this.store.delete('namespaces', name);
    this.quotaDirty.delete(name);
  }

  mutatePod(change: { namespace: string; name: string }, mutate: (pod: K8sObject) => void): void {
    const key = `${change.namespace}/${change.name}`;
    this.require('pods', key, 'pod');
    const updated = this.store.update('pods', key, mutate, 'status');
    this.countForQuota(key, updated.obj);
    this.syncOwners(updated.obj);
  }

  private scale(rng: Random, key: string, replicas: number, now: number): void {
    if (!Number.isInteger(replicas) || replicas < 0) throw new SimulationError(`replicas must be a non-negative integer, got ${replicas}`);
    const d = this.require('deployments', key, 'deployment');
    if (d.obj.spec.replicas === replicas) return;
    this.store.update('deployments', key, (o) => {
      o.spec.replicas = replicas;
      o.metadata.generation = (o.metadata.generation ?? 1) + 1;
    });
    const rs = this.currentReplicaSet(key);
    if (!rs) return;
    this.store.update('replicasets', rs.key, (o) => {
      o.spec.replicas = replicas;
      o.metadata.generation = (o.metadata.generation ?? 1) + 1;
      (o.metadata.annotations ??= {})['deployment.kubernetes.io/desired-replicas'] = String(replicas);
      (o.metadata.annotations ??= {})['deployment.kubernetes.io/max-replicas'] = String(replicas + Math.ceil(replicas / 4));
    });
    this.reconcilePods(rng, rs.key, replicas, now);
    this.syncReplicaSet(rs.key);
    this.syncDeployment(key);
  }

  private reconcilePods(rng: Random, rsKey: string, replicas: number, now: number): void {
    const pods = [...this.podsOf(rsKey)].sort();
    for (let i = pods.length; i < replicas; i++) this.createPodForReplicaSet(rng, rsKey, now);
    // Like the ReplicaSet controller: unready pods go first, then the newest.
    const victims = pods
      .map((k) => this.store.get('pods', k) as StoredObject)
      .sort((a, b) => Number(isPodReady(a.obj)) - Number(isPodReady(b.obj)) || b.rv - a.rv)
      .slice(0, Math.max(0, pods.length - replicas));
    for (const v of victims) this.removePod(v.key);
  }

  private rollout(rng: Random, key: string, image: string | undefined, templateAnnotations: Record<string, string> | undefined, now: number): void {
    const d = this.require('deployments', key, 'deployment');
    const old = this.currentReplicaSet(key);
    const nextRevision = old ? revision(old.obj) + 1 : 1;
    const updated = this.store.update('deployments', key, (o) => {
      const c = o.spec.template.spec.containers[0];
      c.image = image ?? (templateAnnotations ? c.image : bumpTag(c.image));
      if (templateAnnotations) o.spec.template.metadata.annotations = { ...o.spec.template.metadata.annotations, ...templateAnnotations };
      o.metadata.generation = (o.metadata.generation ?? 1) + 1;
      o.metadata.annotations = { ...o.metadata.annotations, 'deployment.kubernetes.io/revision': String(nextRevision) };
    });
    const replicas = d.obj.spec.replicas as number;
    const rs = this.store.create('replicasets', buildReplicaSet(rng, updated.obj, templateHash(rng), nextRevision, replicas, now));
    this.indexReplicaSet(key, rs.key);
    this.reconcilePods(rng, rs.key, replicas, now);
    if (old) {
      this.store.update('replicasets', old.key, (o) => {
        o.spec.replicas = 0;
        o.metadata.generation = (o.metadata.generation ?? 1) + 1;
        (o.metadata.annotations ??= {})['deployment.kubernetes.io/desired-replicas'] = String(replicas);
      });
      this.reconcilePods(rng, old.key, 0, now);
      this.syncReplicaSet(old.key);
    }
    this.syncReplicaSet(rs.key);
    // revisionHistoryLimit, kept small so that long runs do not accumulate ReplicaSets.
    const history = this.replicaSetsOf(key).map((k) => this.store.get('replicasets', k) as StoredObject).sort((a, b) => revision(b.obj) - revision(a.obj));
    for (const stale of history.slice(3)) {
      this.store.delete('replicasets', stale.key);
      this.replicaSetsByDeployment.get(key)?.delete(stale.key);
      this.podsByReplicaSet.delete(stale.key);
    }
    this.syncDeployment(key);
  }

  /** A plain Opaque secret, for scenario generation. */
  createOpaqueSecret(rng: Random, name: string, namespace: string, type: string, data: Record<string, string>, created: number): void {
    this.store.create('secrets', buildSecret(rng, name, namespace, type, data, undefined, created));
  }
}

function quantities(kind: string, parse: () => number[]): number[] {
  try {
    return parse();
  } catch (err) {
    throw new SimulationError(`${kind}: ${(err as Error).message}`);
  }
}

/** A controller of pods (StatefulSet, DaemonSet, Job): told when one of its pods changed, or went (and may be replaced). */
export interface PodOwnerController {
  podChanged(pod: K8sObject): void;
  podDeleted(rng: Random, pod: K8sObject, now: number, replace: boolean): void;
}

interface PodResources {
  cpu: number;
  memory: number;
  limitsMemory: number;
}

export function revision(obj: K8sObject): number {
  return Number(obj.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

export function templateHash(rng: Random): string {
  return rng.suffix(rng.int(9, 10));
}

function bumpTag(image: string): string {
  const [repo, tag = 'latest'] = image.split(':');
  const m = /^(.*?)(\d+)$/.exec(tag);
  return `${repo}:${m ? `${m[1]}${Number(m[2]) + 1}` : `${tag}-1`}`;
}
