import { type ClusterController, templateHash } from './cluster-controller.js';
import { refOf } from './event-recorder.js';
import { failedScheduling, oomKilling, podCreatedEvents } from './pod-events.js';
import type { Random } from './random.js';
import { crashContainer } from './status-transitions.js';
import type { WorkloadControllers } from './workload-controllers.js';

/** What the StatefulSets, DaemonSets, Jobs and CronJobs of a scenario are made with: their own random stream. */
export interface WorkloadScenario {
  rng: Random;
  controllers: WorkloadControllers;
}

const MINUTE = 60_000;
const MI = 2 ** 20;

/**
 * kube-proxy and a CNI agent on every node, when the pod budget has room for them (and some to spare); returns the
 * pods created.
 */
export function addDaemonSets(w: WorkloadScenario, ctl: ClusterController, budget: number, birth: number, startTime: number): number {
  const nodes = ctl.store.count('nodes');
  if (budget < 2 * nodes + 20) return 0;
  const before = ctl.store.count('pods');
  const version = /^v\d+\.\d+\.\d+/.exec(ctl.profile.kubeletVersion)?.[0] ?? 'v1.30.4';
  // GKE's dataplane is Cilium; elsewhere Calico, the most common network-policy CNI.
  const cilium = ctl.profile.gitVersion.includes('-gke.');
  const podStart = (i: number) => Math.max(birth + MINUTE, startTime - 20 * 86_400_000) + i * 4000;
  w.controllers.daemonSets.create(w.rng, {
    name: 'kube-proxy', namespace: 'kube-system', hostNetwork: true, created: birth, labels: { 'k8s-app': 'kube-proxy' },
    containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${version}`, cpuMillis: 100, memoryBytes: 50 * MI }],
  }, podStart);
  w.controllers.daemonSets.create(w.rng, cilium
    ? { name: 'cilium', namespace: 'kube-system', hostNetwork: true, created: birth, labels: { 'k8s-app': 'cilium' }, containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.15.8', cpuMillis: 100, memoryBytes: 160 * MI }] }
    : { name: 'calico-node', namespace: 'kube-system', hostNetwork: true, created: birth, labels: { 'k8s-app': 'calico-node' }, containers: [{ name: 'calico-node', image: 'docker.io/calico/node:v3.28.1', cpuMillis: 250, memoryBytes: 128 * MI }] },
  podStart);
  return ctl.store.count('pods') - before;
}

/**
 * A few StatefulSets, one-off Jobs (one done, one failed, one running) and CronJobs with their recent runs, when the
 * pod budget has room for them; returns the pods created.
 */
export function addBatchAndStateful(w: WorkloadScenario, ctl: ClusterController, namespaces: string[], budget: number, startTime: number): number {
  if (budget < 30 || namespaces.length === 0) return 0;
  const { rng, controllers } = w;
  const before = ctl.store.count('pods');
  const ns = (i: number) => namespaces[i % namespaces.length];
  const ago = (minutes: number) => startTime - minutes * MINUTE - rng.int(0, 59) * 1000;

  const statefulSets = Math.min(namespaces.length, Math.max(1, Math.floor(budget / 300)));
  const STATEFUL = [
    { name: 'postgres', image: 'postgres:16.4', cpu: 500, mem: 1024, size: 50 },
    { name: 'kafka', image: 'bitnami/kafka:3.8.0', cpu: 1000, mem: 2048, size: 100 },
    { name: 'zookeeper', image: 'bitnami/zookeeper:3.9.2', cpu: 250, mem: 512, size: 10 },
    { name: 'elasticsearch', image: 'docker.elastic.co/elasticsearch/elasticsearch:8.15.1', cpu: 1000, mem: 4096, size: 200 },
  ];
  for (let i = 0; i < statefulSets; i++) {
    const s = STATEFUL[i % STATEFUL.length];
    const created = ago(rng.int(3, 90) * 1440);
    const podStart = Math.max(created + MINUTE, ago(rng.int(2, 72) * 60));
    controllers.statefulSets.create(rng, {
      name: s.name, namespace: ns(i), replicas: 3, labels: { app: s.name, 'app.kubernetes.io/component': 'database' }, created,
      containers: [{ name: s.name, image: s.image, cpuMillis: s.cpu, memoryBytes: s.mem * MI, memoryLimitBytes: s.mem * 2 * MI, port: 8080 }],
      claimTemplates: [{ name: 'data', storageBytes: s.size * 2 ** 30 }],
    }, (ordinal) => podStart + ordinal * 30_000);
  }

  const job = (name: string, namespace: string, created: number, durationMs: number, opts: { backoffLimit?: number; fail?: boolean; image?: string } = {}) => {
    const backoffLimit = opts.backoffLimit ?? 6;
    controllers.jobs.create(rng, {
      name, namespace, completions: 1, backoffLimit, created, durationMs, failures: opts.fail ? backoffLimit + 1 : 0, labels: { app: name.replace(/-\d+$/, '') },
      containers: [{ name: name.replace(/-\d+$/, ''), image: opts.image ?? 'busybox:1.36', cpuMillis: 250, memoryBytes: 256 * MI }],
    });
  };
  job(`db-migrate-${rng.int(100, 999)}`, ns(0), ago(rng.int(90, 600)), 45_000, { image: 'registry.example.com/platform/migrate:2.4.1' });
  job(`data-import-${rng.int(100, 999)}`, ns(1), ago(rng.int(20, 40)), 20_000, { backoffLimit: 2, fail: true, image: 'registry.example.com/data/importer:0.9.3' });
  job(`search-reindex-${rng.int(100, 999)}`, ns(2), ago(1), 10 * MINUTE, { image: 'registry.example.com/search/reindex:1.2.0' });

  const CRON = [
    { name: 'report-generator', schedule: '*/5 * * * *', image: 'registry.example.com/data/reports:3.1.0', durationMs: 40_000, failureRate: 0.05 },
    { name: 'db-backup', schedule: '0 */6 * * *', image: 'registry.example.com/platform/pg-backup:1.7.2', durationMs: 4 * MINUTE, failureRate: 0.1 },
    { name: 'cache-warmer', schedule: '*/15 * * * 1-5', image: 'registry.example.com/web/cache-warmer:0.4.0', durationMs: 20_000, failureRate: 0 },
    { name: 'cert-check', schedule: '30 2 * * *', image: 'registry.example.com/security/cert-check:1.0.3', durationMs: 15_000, failureRate: 0.2 },
  ];
  const cronJobs = Math.min(CRON.length, Math.max(2, Math.floor(budget / 200)));
  for (let i = 0; i < cronJobs; i++) {
    const c = CRON[i];
    controllers.cronJobs.create({
      name: c.name, namespace: ns(i), schedule: c.schedule, labels: { app: c.name }, backoffLimit: 1, created: ago(rng.int(10, 200) * 1440),
      containers: [{ name: c.name, image: c.image, cpuMillis: 100, memoryBytes: 128 * MI }], durationMs: c.durationMs, failureRate: c.failureRate,
      // Their recent runs are replayed below.
      lastScheduleTime: startTime - 7 * 86_400_000,
    }, rng);
  }
  // The last three runs of each, as the controllers would have made them, then everything up to now.
  const runs = new Set<number>();
  for (const cj of ctl.store.values('cronjobs')) {
    const times = controllers.cronJobs.recentRuns(cj.obj, startTime, 3);
    for (const t of times) runs.add(t);
    if (times.length) ctl.store.update('cronjobs', cj.key, (o) => { o.status.lastScheduleTime = new Date(times[0] - 1000).toISOString(); });
  }
  for (const t of [...runs].sort((a, b) => a - b)) controllers.sync(rng, t);
  controllers.sync(rng, startTime);
  // After the replay, whose scheduler retries would otherwise date its first failure.
  addUnschedulable(w, ctl, ns(3), ago(3 * 1440));
  return ctl.store.count('pods') - before;
}

/** A Deployment whose pod asks for a GPU no node has: Pending, the scheduler failing to place it. */
function addUnschedulable(w: WorkloadScenario, ctl: ClusterController, namespace: string, created: number): void {
  const name = 'gpu-trainer';
  const { deployment, replicaSet } = ctl.createDeployment(w.rng, {
    name, namespace, replicas: 0, labels: { app: name }, created,
    containers: [{ name, image: 'registry.example.com/ml/trainer:2.3.0', cpuMillis: 2000, memoryBytes: 8192 * MI, memoryLimitBytes: 8192 * MI }],
  }, templateHash(w.rng), () => created);
  const gpu = (o: any) => {
    o.spec.replicas = 1;
    const c = o.spec.template.spec.containers[0];
    c.resources.requests['nvidia.com/gpu'] = '1';
    c.resources.limits['nvidia.com/gpu'] = '1';
  };
  ctl.store.update('deployments', deployment.key, gpu);
  const rs = ctl.store.update('replicasets', replicaSet.key, gpu).obj;
  const n = ctl.store.count('nodes');
  ctl.createUnschedulablePod(w.rng, `${rs.metadata.name}-${w.rng.suffix(5)}`, namespace, rs.spec.template, rs, created + 1000,
    `0/${n} nodes are available: ${n} Insufficient nvidia.com/gpu. preemption: 0/${n} nodes are available: ${n} No preemption victims found for incoming pod.`);
  ctl.syncReplicaSet(replicaSet.key);
  ctl.syncDeployment(deployment.key);
}

/**
 * A Deployment whose containers keep crashing (a bad release) in every cluster large enough, so that a crash loop is
 * always there to look at: its pods have been crash-looping for the last 45 minutes and go on doing so.
 */
export function addBrokenDeployment(w: WorkloadScenario, ctl: ClusterController, namespaces: string[], startTime: number): void {
  const pods = ctl.store.values('pods');
  if (pods.length < 20) return;
  const candidates = pods.filter((p) => namespaces.includes(p.obj.metadata.namespace as string) && p.obj.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.obj.spec.nodeName);
  if (!candidates.length) return;
  const pod = w.rng.pick(candidates).obj;
  const ns = pod.metadata.namespace as string;
  const rs = ctl.store.get('replicasets', `${ns}/${pod.metadata.ownerReferences![0].name}`)!.obj;
  const deployment = `${ns}/${rs.metadata.ownerReferences![0].name}`;
  const first = startTime - 45 * MINUTE;
  for (const key of [...ctl.podsOf(`${ns}/${rs.metadata.name}`)].sort()) {
    const p = ctl.store.get('pods', key)!.obj;
    const crashes = w.rng.int(5, 12);
    ctl.mutatePod({ namespace: ns, name: p.metadata.name }, (o) => {
      for (let i = 0; i < crashes; i++) crashContainer(o, first + (i * 44 * MINUTE) / crashes, 'Error', 1, w.rng);
    });
  }
  w.controllers.crashLoops.add(deployment);
}

/**
 * The Events still alive at the start: those of pods created within the TTL, and the repeating ones of pods in
 * trouble (a crash loop's BackOff has been counting up since its first crash).
 */
export function addInitialEvents(w: WorkloadScenario, ctl: ClusterController, startTime: number): void {
  const rec = w.controllers.events;
  for (const stored of ctl.store.values('pods')) {
    const pod = stored.obj;
    const created = Date.parse(pod.metadata.creationTimestamp);
    if (startTime - created < rec.ttlMs) podCreatedEvents(rec, pod, created);
    // The scheduler has been retrying since the pod was created, about once a minute.
    if (!pod.spec.nodeName) failedScheduling(rec, pod, startTime - w.rng.int(1, 59) * 1000, Math.min(500, Math.floor((startTime - created) / MINUTE)), created);
    for (const c of pod.status.containerStatuses ?? []) {
      const at = (ms: number) => Math.min(startTime, ms);
      const container = { regarding: refOf(pod, `spec.containers{${c.name}}`), component: 'kubelet', host: pod.spec.nodeName };
      const waiting = c.state?.waiting?.reason;
      if (waiting === 'CrashLoopBackOff') {
        // Since the first of its crashes, some five minutes apart once the back-off is at its longest.
        const since = Math.max(Date.parse(pod.status.startTime) + MINUTE, Date.parse(c.lastState.terminated.finishedAt) - c.restartCount * 5 * MINUTE);
        // The kubelet reports the back-off on every sync while it lasts (about every 10 s at first, then every 5 min).
        const last = at(startTime - w.rng.int(5, 50) * 1000);
        rec.record({ ...container, type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` }, last, c.restartCount * 4 + 1, since);
        rec.record({ ...container, reason: 'Pulled', message: `Container image "${c.image}" already present on machine` }, last - 30_000, c.restartCount + 1, since);
      } else if (waiting === 'ImagePullBackOff') {
        const since = Date.parse(pod.status.startTime);
        const n = Math.max(1, Math.floor((startTime - since) / (5 * MINUTE)));
        rec.record({ ...container, reason: 'BackOff', message: `Back-off pulling image "${c.image}"` }, at(startTime - 20_000), n * 2, since);
        rec.record({ ...container, type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff' }, at(startTime - 20_000), n * 2, since);
      }
      const oom = c.lastState?.terminated;
      if (oom?.reason === 'OOMKilled' && startTime - Date.parse(oom.finishedAt) < rec.ttlMs) oomKilling(rec, pod, c, Date.parse(oom.finishedAt));
    }
  }
}
