import { type ClusterController, type PodOwnerController, templateHash } from './cluster-controller.js';
import type { K8sObject } from './k8s-object.js';
import { type ContainerParams, isPodReady, podTemplate, timestamp } from './object-factory.js';
import type { StoredObject } from './object-store.js';
import type { Random } from './random.js';

export interface DaemonSetParams {
  name: string;
  namespace: string;
  containers: ContainerParams[];
  labels: Record<string, string>;
  /** On the node's network (kube-proxy, CNI agents): the pod's IP is the node's. */
  hostNetwork: boolean;
  created: number;
}

/** Tolerations the DaemonSet controller adds to every daemon pod, so that it runs on nodes other pods avoid. */
const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** The DaemonSet controller: one pod on every node, the tainted control plane included (daemons tolerate everything). */
export class DaemonSetController implements PodOwnerController {
  /** The revision hash of each DaemonSet's template, by uid. */
  private readonly hashes = new Map<string, string>();
  /** Pod keys each DaemonSet created (by DaemonSet key); a key whose pod went or was replaced is dropped when read. */
  private readonly podKeys = new Map<string, Set<string>>();

  constructor(private readonly ctl: ClusterController) {}

  create(rng: Random, p: DaemonSetParams, podCreated: (nodeIndex: number) => number, mutatePod?: (pod: K8sObject) => void): StoredObject {
    const selector = { 'k8s-app': p.name };
    const template = podTemplate({ ...selector, ...p.labels }, p.containers) as { metadata: any; spec: any };
    Object.assign(template.spec, {
      hostNetwork: p.hostNetwork, dnsPolicy: p.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst', priorityClassName: 'system-node-critical',
      nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ operator: 'Exists' }],
    });
    const ds = this.ctl.store.create('daemonsets', {
      apiVersion: 'apps/v1', kind: 'DaemonSet',
      metadata: {
        name: p.name, namespace: p.namespace, uid: rng.uuid(), resourceVersion: '', generation: 1, creationTimestamp: timestamp(p.created),
        labels: { ...p.labels }, annotations: { 'deprecated.daemonset.template.generation': '1' },
      },
      spec: { selector: { matchLabels: selector }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
      status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
    });
    const hash = templateHash(rng);
    this.hashes.set(ds.obj.metadata.uid, hash);
    this.ctl.store.values('nodes').forEach((node, i) => this.createOn(rng, ds.obj, node.key, podCreated(i), mutatePod));
    this.sync(ds.key);
    return ds;
  }

  private createOn(rng: Random, ds: K8sObject, node: string, created: number, mutate?: (pod: K8sObject) => void): void {
    const tpl = ds.spec.template;
    const template = {
      metadata: { labels: { ...tpl.metadata.labels, 'controller-revision-hash': this.hashes.get(ds.metadata.uid) ?? templateHash(rng), 'pod-template-generation': '1' } },
      spec: tpl.spec,
    };
    let name: string;
    do name = `${ds.metadata.name}-${rng.suffix(5)}`;
    while (this.ctl.store.get('pods', `${ds.metadata.namespace}/${name}`));
    const dsKey = `${ds.metadata.namespace}/${ds.metadata.name}`;
    let keys = this.podKeys.get(dsKey);
    if (!keys) this.podKeys.set(dsKey, (keys = new Set()));
    keys.add(`${ds.metadata.namespace}/${name}`);
    this.ctl.createPod(rng, name, ds.metadata.namespace as string, template, ds, node, created, (pod) => {
      pod.spec.tolerations = [...tpl.spec.tolerations, ...DAEMON_TOLERATIONS];
      // Pinned to its node by affinity, as the controller does it since scheduling moved to the scheduler.
      pod.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } };
      if (tpl.spec.hostNetwork) {
        pod.status.podIP = pod.status.hostIP;
        pod.status.podIPs = [{ ip: pod.status.hostIP }];
      }
      mutate?.(pod);
    });
  }

  /** Its pods, in name order. */
  pods(ds: K8sObject): K8sObject[] {
    const keys = this.podKeys.get(`${ds.metadata.namespace}/${ds.metadata.name}`) ?? new Set<string>();
    const out: K8sObject[] = [];
    for (const key of [...keys].sort()) {
      const pod = this.ctl.store.get('pods', key)?.obj;
      if (pod?.metadata.ownerReferences?.[0]?.uid === ds.metadata.uid) out.push(pod);
      else keys.delete(key);
    }
    return out;
  }

  podChanged(pod: K8sObject): void {
    this.sync(`${pod.metadata.namespace}/${pod.metadata.ownerReferences![0].name}`);
  }

  podDeleted(rng: Random, pod: K8sObject, now: number, replace: boolean): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.ownerReferences![0].name}`;
    const ds = this.ctl.store.get('daemonsets', key)?.obj;
    if (!ds) return;
    if (replace && this.ctl.store.get('nodes', pod.spec.nodeName)) this.createOn(rng, ds, pod.spec.nodeName, now);
    this.sync(key);
  }

  sync(key: string): void {
    const ds = this.ctl.store.get('daemonsets', key)?.obj;
    if (!ds) return;
    const pods = this.pods(ds);
    const ready = pods.filter(isPodReady).length;
    const desired = this.ctl.store.count('nodes');
    const status: Record<string, unknown> = { currentNumberScheduled: pods.length, desiredNumberScheduled: desired };
    if (ready) status.numberAvailable = ready;
    Object.assign(status, { numberMisscheduled: 0, numberReady: ready, observedGeneration: ds.metadata.generation, updatedNumberScheduled: pods.length });
    if (desired > ready) status.numberUnavailable = desired - ready;
    if (JSON.stringify(status) !== JSON.stringify(ds.status)) this.ctl.store.update('daemonsets', key, (o) => { o.status = status; }, 'status');
  }
}
