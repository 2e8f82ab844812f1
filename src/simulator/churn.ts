import type { ClusterController } from './cluster-controller.js';
import { nodeReady } from './status-transitions.js';
import { HELM_SECRET_TYPE } from './helm-release.js';
import { isPodReady } from './object-factory.js';
import type { Random } from './random.js';
import type { SimChange, SimChangeKind } from './sim-change.js';

const WEIGHTS: [SimChangeKind, number][] = [
  ['crashPod', 10], ['recoverPod', 14], ['oomKill', 8], ['deletePod', 14], ['scaleDeployment', 16], ['rollout', 2],
  ['nodeNotReady', 1], ['nodeReady', 4], ['createPod', 6], ['completePod', 6], ['helmUpgrade', 4], ['imagePullBackOff', 3],
  ['createDeployment', 1], ['deleteDeployment', 1], ['labelNamespace', 1], ['createJob', 3], ['scaleStatefulSet', 1],
];

/** Controllers whose pods run until replaced; a Job's pods run to completion and are left to the Job controller. */
const LONG_RUNNING = new Set(['ReplicaSet', 'StatefulSet', 'DaemonSet']);
const JOB_NAMES = ['export', 'cleanup', 'backfill', 'rebuild-index', 'send-digest', 'recompute'];

const NEW_WORKLOADS = ['indexer', 'mailer', 'thumbnailer', 'webhook', 'sync', 'audit', 'feeds', 'quotes'];

/**
 * Draws one plausible change from the current state. Deterministic: the same seed and the same
 * sequence of prior changes yields the same change.
 */
export function randomChange(rng: Random, ctl: ClusterController, targetPods: number): SimChange | undefined {
  for (let attempt = 0; attempt < 8; attempt++) {
    const change = draw(rng, ctl, rng.weighted(WEIGHTS), targetPods);
    if (change) return change;
  }
  return undefined;
}

function samplePod(rng: Random, ctl: ClusterController, pred: (key: string) => boolean, tries = 24): string | undefined {
  const keys = ctl.store.keys('pods');
  if (keys.length === 0) return undefined;
  for (let i = 0; i < tries; i++) {
    const k = keys[Math.floor(rng.next() * keys.length)];
    if (pred(k)) return k;
  }
  return undefined;
}

function ref(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

function draw(rng: Random, ctl: ClusterController, kind: SimChangeKind, targetPods: number): SimChange | undefined {
  const store = ctl.store;
  const pod = (k: string) => store.get('pods', k)?.obj;
  // Scheduled pods only: one that no node fits has no containers to crash or recover.
  const owned = (k: string) => LONG_RUNNING.has(pod(k)?.metadata.ownerReferences?.[0]?.kind ?? '') && Boolean(pod(k)?.spec.nodeName);
  const teamNamespaces = () => store.keys('namespaces').filter((n) => store.get('namespaces', n)!.obj.metadata.labels?.team);
  switch (kind) {
    case 'crashPod':
    case 'oomKill':
    case 'imagePullBackOff': {
      const k = samplePod(rng, ctl, (x) => owned(x) && isPodReady(pod(x)!));
      return k ? { kind, ...ref(k) } : undefined;
    }
    case 'recoverPod': {
      const k = samplePod(rng, ctl, (x) => owned(x) && !isPodReady(pod(x)!), 64);
      return k ? { kind, ...ref(k) } : undefined;
    }
    case 'deletePod': {
      const done = [...ctl.standalonePods].find((x) => pod(x)?.status.phase === 'Succeeded');
      if (done && rng.chance(0.7)) return { kind, ...ref(done) };
      const k = samplePod(rng, ctl, owned);
      return k ? { kind, ...ref(k) } : undefined;
    }
    case 'scaleDeployment': {
      const keys = store.keys('deployments');
      if (!keys.length) return undefined;
      const k = rng.pick(keys);
      const d = store.get('deployments', k)!.obj;
      // A workload with a ReadWriteOnce claim stays at one replica.
      if (d.spec.template.spec.volumes?.some((v: any) => v.persistentVolumeClaim)) return undefined;
      const total = store.count('pods');
      const up = total < targetPods ? rng.chance(0.75) : total > targetPods ? rng.chance(0.25) : rng.chance(0.5);
      const replicas = Math.max(up ? 1 : 0, Math.min(50, d.spec.replicas + (up ? 1 : -1) * rng.int(1, 2)));
      return replicas === d.spec.replicas ? undefined : { kind, ...ref(k), replicas };
    }
    case 'rollout': {
      const keys = store.keys('deployments');
      return keys.length ? { kind, ...ref(rng.pick(keys)) } : undefined;
    }
    case 'nodeNotReady':
    case 'nodeReady': {
      const nodes = store.values('nodes');
      const notReady = nodes.filter((n) => !nodeReady(n.obj));
      if (kind === 'nodeReady') return notReady.length ? { kind, name: rng.pick(notReady).key } : undefined;
      // Keep most of the cluster schedulable.
      if (nodes.length < 2 || notReady.length >= Math.max(1, Math.floor(nodes.length / 10))) return undefined;
      return { kind, name: rng.pick(nodes.filter((n) => nodeReady(n.obj))).key };
    }
    case 'createPod': {
      if (ctl.standalonePods.size >= 20) return undefined;
      const namespaces = teamNamespaces();
      if (!namespaces.length) return undefined;
      return { kind, namespace: rng.pick(namespaces), name: `batch-${rng.suffix(5)}` };
    }
    case 'completePod': {
      const running = [...ctl.standalonePods].filter((x) => pod(x)?.status.phase === 'Running');
      return running.length ? { kind, ...ref(rng.pick(running)) } : undefined;
    }
    case 'helmUpgrade': {
      const releases = store.values('secrets').filter((s) => s.obj.type === HELM_SECRET_TYPE && s.obj.metadata.labels?.status === 'deployed');
      if (!releases.length) return undefined;
      const r = rng.pick(releases).obj;
      return { kind, namespace: r.metadata.namespace as string, name: r.metadata.labels!.name };
    }
    case 'createDeployment': {
      if (store.count('pods') > targetPods) return undefined;
      const namespaces = teamNamespaces();
      if (!namespaces.length) return undefined;
      const namespace = rng.pick(namespaces);
      const name = `${rng.pick(NEW_WORKLOADS)}-${rng.suffix(4)}`;
      if (store.get('deployments', `${namespace}/${name}`)) return undefined;
      return { kind, namespace, name, replicas: rng.int(1, 3), cpu: rng.pick(['50m', '100m', '250m']), memory: rng.pick(['64Mi', '128Mi', '256Mi']) };
    }
    case 'deleteDeployment': {
      if (store.count('pods') < targetPods) return undefined;
      const keys = store.keys('deployments').filter((k) => {
        const d = store.get('deployments', k)!.obj;
        return !k.startsWith('kube-system/') && !d.metadata.labels?.['app.kubernetes.io/managed-by'] && !d.spec.template.spec.volumes?.length;
      });
      return keys.length ? { kind, ...ref(rng.pick(keys)) } : undefined;
    }
    case 'createJob': {
      // A few one-off Jobs at a time (their pods stay 10 minutes after they finish), so deployments keep their share of the pods.
      const oneOff = store.values('jobs').filter((j) => !j.obj.metadata.ownerReferences).length;
      if (store.count('pods') > targetPods || oneOff >= Math.min(30, Math.max(1, Math.round(targetPods / 40)))) return undefined;
      const namespaces = teamNamespaces();
      if (!namespaces.length) return undefined;
      const namespace = rng.pick(namespaces);
      const name = `${rng.pick(JOB_NAMES)}-${rng.suffix(5)}`;
      // One in eight fails every attempt and ends Failed after its retries.
      return { kind, namespace, name, durationSeconds: rng.int(10, 180), backoffLimit: rng.int(1, 3), fail: rng.chance(0.125) };
    }
    case 'scaleStatefulSet': {
      const keys = store.keys('statefulsets');
      if (!keys.length) return undefined;
      const k = rng.pick(keys);
      const replicas = store.get('statefulsets', k)!.obj.spec.replicas;
      const next = replicas <= 1 ? 2 : replicas >= 5 ? 4 : replicas + (rng.chance(0.5) ? 1 : -1);
      return { kind, ...ref(k), replicas: next };
    }
    case 'labelNamespace': {
      // A re-organisation: a namespace moves to another cost centre.
      const namespaces = store.keys('namespaces').filter((n) => store.get('namespaces', n)!.obj.metadata.labels?.['cost-center']);
      if (!namespaces.length) return undefined;
      return { kind, name: rng.pick(namespaces), labels: { 'cost-center': `cc-${1000 + rng.int(0, 14) * 10}` } };
    }
    default:
      return undefined;
  }
}
