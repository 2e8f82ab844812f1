import type { ClusterController } from './cluster-controller.js';
import { templateHash } from './cluster-controller.js';
import { crashContainer, imagePullBackOff, oomKill } from './status-transitions.js';
import { buildHelmSecret } from './helm-release.js';
import type { K8sObject } from './k8s-object.js';
import { buildLimitRange, buildNamespace, buildNode, buildPvc, buildResourceQuota, nodeIp, SYSTEM_NAMESPACES } from './object-factory.js';
import type { Provider } from './provider-profiles.js';
import { PROVIDER_PROFILES } from './provider-profiles.js';
import { cpuMillis, formatBytes, formatMillis, parseQuantity } from './quantity.js';
import type { Random } from './random.js';
import { addBatchAndStateful, addBrokenDeployment, addDaemonSets, addInitialEvents, type WorkloadScenario } from './scenario-workloads.js';

/** The shape of a generated cluster. Everything else follows from the seed. */
export interface ScenarioSpec {
  clusterName: string;
  provider: Provider;
  nodes: number;
  pods: number;
  namespaces: number;
  helmReleases: number;
  /** Reference "now" for creation timestamps of the initial objects. */
  startTime: number;
}

const TEAMS = ['payments', 'checkout', 'search', 'platform', 'data', 'ml', 'identity', 'growth', 'logistics', 'marketing', 'support', 'security', 'observability', 'mobile', 'web'];
const WORKLOADS = ['api', 'web', 'worker', 'frontend', 'backend', 'cache', 'queue', 'auth', 'billing', 'gateway', 'scheduler', 'notifier', 'ingest', 'reporting', 'recommender', 'catalog', 'cart', 'inventory', 'profile', 'media', 'analytics', 'exporter', 'ledger', 'pricing', 'shipping', 'orders'];
const CHARTS = [
  { chart: 'redis', version: '19.6.4', app: '7.2.5', image: 'bitnami/redis:7.2.5' },
  { chart: 'postgresql', version: '15.5.20', app: '16.3.0', image: 'bitnami/postgresql:16.3.0' },
  { chart: 'nginx', version: '18.1.7', app: '1.27.0', image: 'bitnami/nginx:1.27.0' },
  { chart: 'grafana', version: '8.4.1', app: '11.1.3', image: 'grafana/grafana:11.1.3' },
  { chart: 'rabbitmq', version: '14.6.1', app: '3.13.6', image: 'bitnami/rabbitmq:3.13.6' },
];
const CPU_CHOICES = [50, 100, 100, 100, 200, 250, 250, 500, 1000];
const MEM_CHOICES_MI = [64, 128, 128, 256, 256, 512, 1024];
const DAY = 86_400_000;

/** Builds the initial state: nodes, namespaces, deployments with ReplicaSets and pods, PVCs, quotas, secrets, Helm releases. */
export function generateScenario(rng: Random, ctl: ClusterController, spec: ScenarioSpec, workloads?: WorkloadScenario): void {
  const profile = PROVIDER_PROFILES[spec.provider];
  const store = ctl.store;
  const clusterBirth = spec.startTime - rng.int(60, 400) * DAY;
  const ago = (minDays: number, maxDays: number) => spec.startTime - rng.int(Math.round(minDays * 24), Math.round(maxDays * 24)) * 3_600_000 - rng.int(0, 3_599_999);

  for (let i = 0; i < spec.nodes; i++) {
    const zone = profile.zones[i % profile.zones.length];
    const ip = nodeIp(i);
    const name = profile.nodeName(rng, i, spec.clusterName, zone, ip);
    const controlPlane = profile.controlPlaneFirst && i === 0 && spec.nodes > 1;
    const node = buildNode(rng, {
      name, index: i, ip, zone, controlPlane, instanceType: rng.pick(profile.instanceTypes), profile,
      providerId: profile.providerId(rng, name, zone, i, spec.clusterName), extraLabels: profile.extraNodeLabels(i, spec.clusterName),
      created: clusterBirth + rng.int(0, 30) * DAY + i * 1000,
    });
    store.create('nodes', node);
    ctl.registerNode(name, i);
  }

  for (const ns of SYSTEM_NAMESPACES) store.create('namespaces', buildNamespace(rng, ns, {}, clusterBirth));

  const appNamespaces: { name: string; team: string }[] = [];
  for (let i = 0; i < spec.namespaces; i++) {
    const team = TEAMS[i % TEAMS.length];
    const round = Math.floor(i / TEAMS.length);
    const env = round % 2 === 0 ? 'prod' : 'staging';
    const name = round < 2 ? `${team}-${env}` : `${team}-${env}-${round}`;
    store.create('namespaces', buildNamespace(rng, name, { team, 'cost-center': `cc-${1000 + (i % TEAMS.length) * 10}`, environment: env }, ago(30, 300)));
    appNamespaces.push({ name, team });
  }

  // Pods: distributed over deployments so that `spec.pods` is met exactly.
  let remaining = spec.pods;
  const deployments: { ns: string; name: string; chart?: (typeof CHARTS)[number]; created: number }[] = [];
  if (remaining >= 20) {
    remaining -= addDeployment(rng, ctl, 'kube-system', 'coredns', 2, 'registry.k8s.io/coredns/coredns:v1.11.3', 100, 70 * 2 ** 20, clusterBirth, spec.startTime, undefined);
    remaining -= addDeployment(rng, ctl, 'kube-system', 'metrics-server', 1, 'registry.k8s.io/metrics-server/metrics-server:v0.7.2', 100, 200 * 2 ** 20, clusterBirth, spec.startTime, undefined);
  }
  if (workloads) {
    remaining -= addDaemonSets(workloads, ctl, remaining, clusterBirth, spec.startTime);
    remaining -= addBatchAndStateful(workloads, ctl, appNamespaces.map((n) => n.name), remaining, spec.startTime);
  }
  const targetReplicas = Math.max(1, Math.min(25, Math.round(remaining / Math.max(1, spec.namespaces * WORKLOADS.length / 3))));
  const usedNames = new Map<string, number>();
  let nsIndex = 0;
  let helmLeft = spec.helmReleases;
  // Without application namespaces, workloads go to "default" so that the pod count still holds.
  const workloadNamespaces = appNamespaces.length ? appNamespaces : [{ name: 'default', team: 'default' }];
  while (remaining > 0) {
    const ns = workloadNamespaces[nsIndex++ % workloadNamespaces.length];
    const helm = helmLeft > 0 && rng.chance(0.5) ? rng.pick(CHARTS) : undefined;
    const base = helm ? helm.chart : rng.pick(WORKLOADS);
    const n = (usedNames.get(`${ns.name}/${base}`) ?? 0) + 1;
    usedNames.set(`${ns.name}/${base}`, n);
    const name = n === 1 ? base : `${base}-${n}`;
    const stateful = Boolean(helm && ['redis', 'postgresql', 'rabbitmq'].includes(helm.chart)) || rng.chance(0.08);
    let replicas = stateful ? 1 : Math.min(remaining, rng.int(1, targetReplicas * 2 - 1));
    replicas = Math.min(replicas, remaining);
    const cpu = rng.pick(CPU_CHOICES);
    const mem = rng.pick(MEM_CHOICES_MI) * 2 ** 20;
    const created = ago(1, 200);
    const image = helm ? helm.image : `registry.example.com/${ns.team}/${base}:1.${rng.int(0, 40)}.${rng.int(0, 9)}`;
    let pvcName: string | undefined;
    if (stateful) {
      pvcName = `data-${name}`;
      store.create('persistentvolumeclaims', buildPvc(rng, { name: pvcName, namespace: ns.name, storageBytes: rng.pick([8, 10, 20, 50, 100]) * 2 ** 30, storageClass: profile.storageClass, created, labels: { app: name } }));
    }
    remaining -= addDeployment(rng, ctl, ns.name, name, replicas, image, cpu, mem, created, spec.startTime, pvcName, helm ? name : undefined);
    if (helm) helmLeft--;
    deployments.push({ ns: ns.name, name, chart: helm, created });
  }

  // Releases for the Helm-managed deployments, then any still requested without a workload.
  let releaseIndex = 0;
  for (const d of deployments.filter((x) => x.chart)) addRelease(rng, ctl, d.ns, d.name, d.chart as (typeof CHARTS)[number], d.created, spec.startTime);
  while (helmLeft-- > 0) {
    const ns = workloadNamespaces[releaseIndex % workloadNamespaces.length].name;
    const chart = rng.pick(CHARTS);
    addRelease(rng, ctl, ns, `${chart.chart}-addon-${++releaseIndex}`, chart, ago(1, 200), spec.startTime);
  }

  for (const ns of appNamespaces) {
    const used = ctl.namespaceUsage(ns.name);
    const hardCpu = Math.max(4000, Math.ceil((cpuMillis(used['requests.cpu']) * 1.5) / 1000) * 1000);
    const hardMem = Math.max(8 * 2 ** 30, Math.ceil((parseQuantity(used['requests.memory']) * 1.5) / 2 ** 30) * 2 ** 30);
    const hardPods = Math.max(50, Math.ceil(Number(used.pods) * 1.5));
    store.create('resourcequotas', buildResourceQuota(rng, ns.name,
      { 'limits.memory': formatBytes(hardMem * 2), pods: String(hardPods), 'requests.cpu': formatMillis(hardCpu), 'requests.memory': formatBytes(hardMem) },
      used, ago(1, 30)));
    store.create('limitranges', buildLimitRange(rng, ns.name, ago(1, 30)));
    ctl.createOpaqueSecret(rng, `${ns.team}-db-credentials`, ns.name, 'Opaque', { username: ns.team, password: rng.hex(24) }, ago(1, 100));
    ctl.createOpaqueSecret(rng, `${ns.team}-tls`, ns.name, 'kubernetes.io/tls', { 'tls.crt': `-----BEGIN CERTIFICATE-----\n${rng.hex(64)}\n-----END CERTIFICATE-----\n`, 'tls.key': `-----BEGIN PRIVATE KEY-----\n${rng.hex(64)}\n-----END PRIVATE KEY-----\n` }, ago(1, 100));
  }  if (workloads) {
    addBrokenDeployment(workloads, ctl, appNamespaces.map((n) => n.name), spec.startTime);
    addInitialEvents(workloads, ctl, spec.startTime);
  }
}

function addDeployment(
  rng: Random, ctl: ClusterController, namespace: string, name: string, replicas: number, image: string, cpu: number, mem: number,
  created: number, startTime: number, pvcName: string | undefined, helmRelease?: string,
): number {
  const labels: Record<string, string> = { app: name };
  const annotations: Record<string, string> = {};
  if (helmRelease) {
    Object.assign(labels, { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': helmRelease, 'app.kubernetes.io/name': name });
    Object.assign(annotations, { 'meta.helm.sh/release-name': helmRelease, 'meta.helm.sh/release-namespace': namespace });
  }
  const containers = [{ name, image, cpuMillis: cpu, memoryBytes: mem, memoryLimitBytes: mem * 2, port: 8080 }];
  if (rng.chance(0.15)) containers.push({ name: 'log-shipper', image: 'fluent/fluent-bit:3.1.9', cpuMillis: 50, memoryBytes: 64 * 2 ** 20, memoryLimitBytes: 128 * 2 ** 20, port: 0 });
  const podStart = Math.max(created + 60_000, startTime - rng.int(1, 72) * 3_600_000);
  ctl.createDeployment(rng, { name, namespace, replicas, containers, pvcName, labels, annotations, created }, templateHash(rng), (i) => podStart + i * 3000, (pod) => initialPodHealth(rng, pod, podStart));
  return replicas;
}

/** A few pods start out unhealthy, as in any real cluster. */
function initialPodHealth(rng: Random, pod: K8sObject, at: number): void {
  const r = rng.next();
  if (r < 0.02) {
    const n = rng.int(1, 30);
    for (let i = 0; i < n; i++) crashContainer(pod, at + i * 60_000, 'Error', 1, rng);
  } else if (r < 0.025) imagePullBackOff(pod, at);
  else if (r < 0.04) {
    const n = rng.int(1, 3);
    for (let i = 0; i < n; i++) oomKill(pod, at + i * 600_000, rng);
  }
}

function addRelease(rng: Random, ctl: ClusterController, namespace: string, name: string, chart: (typeof CHARTS)[number], created: number, startTime: number): void {
  const revisions = rng.int(1, 3);
  const first = created;
  for (let r = 1; r <= revisions; r++) {
    const deployed = r === revisions ? Math.max(first, startTime - rng.int(1, 48) * 3_600_000) : first + (r - 1) * DAY;
    const version = chart.version.replace(/\d+$/, (m) => String(Number(m) + r - 1));
    ctl.store.create('secrets', buildHelmSecret(rng, {
      name, namespace, chart: chart.chart, chartVersion: version, appVersion: chart.app, revision: r, status: r === revisions ? 'deployed' : 'superseded',
      firstDeployed: first, lastDeployed: deployed, values: { replicaCount: 1, image: { tag: chart.app }, resources: { requests: { cpu: '100m' } } },
      manifest: `---\n# Source: ${chart.chart}/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`,
    }, deployed));
  }
}
