import { type ClusterController, type PodOwnerController, SimulationError, templateHash } from './cluster-controller.js';
import type { K8sObject } from './k8s-object.js';
import { buildPvc, type ContainerParams, isPodReady, podTemplate, timestamp } from './object-factory.js';
import type { StoredObject } from './object-store.js';
import type { Random } from './random.js';

export interface StatefulSetParams {
  name: string;
  namespace: string;
  replicas: number;
  containers: ContainerParams[];
  labels: Record<string, string>;
  /** One claim per replica from each: `<template>-<name>-<ordinal>`. */
  claimTemplates: { name: string; storageBytes: number }[];
  created: number;
}

/** The StatefulSet controller: stable pod names `<name>-<ordinal>`, a claim per replica and template, kept on scale-down. */
export class StatefulSetController implements PodOwnerController {
  constructor(private readonly ctl: ClusterController) {}

  create(rng: Random, p: StatefulSetParams, podCreated: (ordinal: number) => number, mutatePod?: (pod: K8sObject) => void): StoredObject {
    const selector = { app: p.name };
    const template = podTemplate({ ...selector, ...p.labels }, p.containers, p.claimTemplates.length ? 'data' : undefined) as { metadata: any; spec: any };
    // The volumes come from the claim templates, per pod.
    delete template.spec.volumes;
    template.spec.containers = template.spec.containers.map((c: any) => ({
      ...c, volumeMounts: p.claimTemplates.map((t) => ({ name: t.name, mountPath: t.name === 'data' ? '/var/lib/data' : `/var/lib/${t.name}` })),
    }));
    const revision = `${p.name}-${templateHash(rng)}`;
    const sts = this.ctl.store.create('statefulsets', {
      apiVersion: 'apps/v1', kind: 'StatefulSet',
      metadata: { name: p.name, namespace: p.namespace, uid: rng.uuid(), resourceVersion: '', generation: 1, creationTimestamp: timestamp(p.created), labels: { ...p.labels } },
      spec: {
        replicas: p.replicas, selector: { matchLabels: selector }, template, serviceName: `${p.name}-headless`,
        volumeClaimTemplates: p.claimTemplates.map((t) => ({
          apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: t.name, creationTimestamp: null },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${Math.round(t.storageBytes / 2 ** 30)}Gi` } }, storageClassName: this.ctl.profile.storageClass, volumeMode: 'Filesystem' },
          status: { phase: 'Pending' },
        })),
        podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, revisionHistoryLimit: 10,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, minReadySeconds: 0,
      },
      status: { replicas: 0, availableReplicas: 0, currentRevision: revision, updateRevision: revision, collisionCount: 0 },
    });
    for (let i = 0; i < p.replicas; i++) this.createOrdinal(rng, sts.obj, i, podCreated(i), mutatePod);
    this.sync(sts.key);
    return sts;
  }

  /** The pod of `ordinal`, after its claims (created first, as the controller does, unless they outlived an earlier pod). */
  private createOrdinal(rng: Random, sts: K8sObject, ordinal: number, created: number, mutate?: (pod: K8sObject) => void): void {
    const ns = sts.metadata.namespace as string;
    const name = `${sts.metadata.name}-${ordinal}`;
    const volumes = [];
    for (const t of sts.spec.volumeClaimTemplates) {
      const claim = `${t.metadata.name}-${name}`;
      if (!this.ctl.store.get('persistentvolumeclaims', `${ns}/${claim}`)) {
        const bytes = Number(/^(\d+)Gi$/.exec(t.spec.resources.requests.storage)?.[1] ?? 1) * 2 ** 30;
        this.ctl.store.create('persistentvolumeclaims', buildPvc(rng, { name: claim, namespace: ns, storageBytes: bytes, storageClass: t.spec.storageClassName, created, labels: { ...sts.spec.selector.matchLabels } }));
      }
      volumes.push({ name: t.metadata.name, persistentVolumeClaim: { claimName: claim } });
    }
    const tpl = sts.spec.template;
    const template = {
      metadata: { labels: { ...tpl.metadata.labels, 'apps.kubernetes.io/pod-index': String(ordinal), 'controller-revision-hash': sts.status.updateRevision, 'statefulset.kubernetes.io/pod-name': name } },
      spec: { ...tpl.spec, hostname: name, subdomain: sts.spec.serviceName, volumes },
    };
    this.ctl.createPod(rng, name, ns, template, sts, undefined, created, mutate);
  }

  scale(rng: Random, key: string, replicas: number, now: number): void {
    if (!Number.isInteger(replicas) || replicas < 0) throw new SimulationError(`replicas must be a non-negative integer, got ${replicas}`);
    const current = this.ctl.require('statefulsets', key, 'statefulset').obj;
    if (current.spec.replicas === replicas) return;
    const sts = this.ctl.store.update('statefulsets', key, (o) => {
      o.spec.replicas = replicas;
      o.metadata.generation = (o.metadata.generation ?? 1) + 1;
    }).obj;
    const ns = sts.metadata.namespace as string;
    // Up in ordinal order, down from the highest ordinal; the claims of removed ordinals stay.
    for (let i = 0; i < replicas; i++) if (!this.ctl.store.get('pods', `${ns}/${sts.metadata.name}-${i}`)) this.createOrdinal(rng, sts, i, now);
    for (let i = current.spec.replicas - 1; i >= replicas; i--) {
      const podKey = `${ns}/${sts.metadata.name}-${i}`;
      if (this.ctl.store.get('pods', podKey)) this.ctl.removePod(podKey);
    }
    this.sync(key);
  }

  podChanged(pod: K8sObject): void {
    this.sync(`${pod.metadata.namespace}/${pod.metadata.ownerReferences![0].name}`);
  }

  podDeleted(rng: Random, pod: K8sObject, now: number, replace: boolean): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.ownerReferences![0].name}`;
    const sts = this.ctl.store.get('statefulsets', key)?.obj;
    if (!sts) return;
    const ordinal = Number(pod.metadata.name.slice(sts.metadata.name.length + 1));
    // The same name again, with a new uid, on the same claims.
    if (replace && ordinal < sts.spec.replicas) this.createOrdinal(rng, sts, ordinal, now);
    this.sync(key);
  }

  pods(sts: K8sObject): K8sObject[] {
    const out: K8sObject[] = [];
    for (let i = 0; i < sts.spec.replicas; i++) {
      const pod = this.ctl.store.get('pods', `${sts.metadata.namespace}/${sts.metadata.name}-${i}`)?.obj;
      if (pod && pod.metadata.ownerReferences?.[0]?.uid === sts.metadata.uid) out.push(pod);
    }
    return out;
  }

  sync(key: string): void {
    const sts = this.ctl.store.get('statefulsets', key)?.obj;
    if (!sts) return;
    const pods = this.pods(sts);
    const ready = pods.filter(isPodReady).length;
    const status: Record<string, unknown> = { observedGeneration: sts.metadata.generation, replicas: pods.length };
    if (ready) status.readyReplicas = ready;
    if (pods.length) Object.assign(status, { currentReplicas: pods.length, updatedReplicas: pods.length });
    Object.assign(status, { currentRevision: sts.status.currentRevision, updateRevision: sts.status.updateRevision, collisionCount: 0, availableReplicas: ready });
    if (JSON.stringify(status) !== JSON.stringify(sts.status)) this.ctl.store.update('statefulsets', key, (o) => { o.status = status; }, 'status');
  }
}
