import type { ClusterController, PodOwnerController } from './cluster-controller.js';
import type { EventRecorder } from './event-recorder.js';
import { refOf } from './event-recorder.js';
import type { K8sObject } from './k8s-object.js';
import { type ContainerParams, isPodReady, ownerRef, podTemplate, timestamp } from './object-factory.js';
import type { StoredObject } from './object-store.js';
import type { Random } from './random.js';
import { complete, fail } from './status-transitions.js';

export interface JobParams {
  name: string;
  namespace: string;
  /** Pods that must succeed, one after the other (parallelism 1). */
  completions: number;
  backoffLimit: number;
  /** The pod template: given (a CronJob's jobTemplate), or made of `containers`. */
  template?: { metadata: any; spec: any };
  containers?: ContainerParams[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** The CronJob that started it. */
  owner?: K8sObject;
  created: number;
  /** How long each pod runs. */
  durationMs: number;
  /** How many pods fail before the first succeeds: more than `backoffLimit` fails the Job. */
  failures: number;
  /** Deleted, with its pods, this long after it finished (the TTL-after-finished controller). */
  ttlSecondsAfterFinished?: number;
}

interface JobPlan {
  durationMs: number;
  failures: number;
  /** A pod deleted while running is replaced from this time on. */
  resumeAt: number;
}

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

/**
 * The Job controller: pods run one at a time for their planned duration, then succeed or fail; a failed pod is
 * replaced after an exponential back-off (10 s, 20 s, 40 s … at most 6 min) until `completions` pods succeeded
 * (Complete) or more than `backoffLimit` failed (Failed). Steps are taken at the times they fall due, however late
 * the clock is looked at, so a Job's history does not depend on how often the cluster ticks.
 */
export class JobController implements PodOwnerController {
  private readonly plans = new Map<string, JobPlan>();
  /** Pod keys each Job created (by Job key); a key whose pod went is dropped when read. */
  private readonly podKeys = new Map<string, Set<string>>();

  constructor(private readonly ctl: ClusterController, private readonly recorder: EventRecorder) {}

  create(rng: Random, p: JobParams): StoredObject {
    const uid = rng.uuid();
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': p.name, 'controller-uid': uid, 'job-name': p.name, ...p.labels };
    const template = p.template ? structuredClone(p.template) : podTemplate({}, p.containers ?? []) as { metadata: any; spec: any };
    template.metadata.labels = { ...template.metadata.labels, ...labels };
    template.spec.restartPolicy = 'Never';
    const metadata: K8sObject['metadata'] = {
      name: p.name, namespace: p.namespace, uid, resourceVersion: '', generation: 1, creationTimestamp: timestamp(p.created), labels,
      annotations: { 'batch.kubernetes.io/job-tracking': '', ...p.annotations },
    };
    if (p.owner) metadata.ownerReferences = [ownerRef(p.owner)];
    const job = this.ctl.store.create('jobs', {
      apiVersion: 'batch/v1', kind: 'Job', metadata,
      spec: {
        parallelism: 1, completions: p.completions, podReplacementPolicy: 'TerminatingOrFailed', backoffLimit: p.backoffLimit,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } }, template, completionMode: 'NonIndexed', suspend: false,
        ...(p.ttlSecondsAfterFinished === undefined ? {} : { ttlSecondsAfterFinished: p.ttlSecondsAfterFinished }),
      },
      status: { startTime: timestamp(p.created), terminating: 0, uncountedTerminatedPods: {} },
    });
    this.plans.set(uid, { durationMs: p.durationMs, failures: p.failures, resumeAt: p.created });
    this.step(rng, job.key, p.created);
    return job;
  }

  /** Brings every unfinished Job up to `now`; deletes finished ones whose `ttlSecondsAfterFinished` has passed. */
  reconcile(rng: Random, now: number): void {
    for (const key of [...this.ctl.store.keys('jobs')]) {
      this.step(rng, key, now);
      const job = this.ctl.store.get('jobs', key)?.obj;
      const ttl = job?.spec.ttlSecondsAfterFinished;
      if (job && ttl !== undefined && finished(job) && Date.parse(job.status.conditions.at(-1).lastTransitionTime) + ttl * 1000 <= now) this.delete(key);
    }
  }

  /** Deletes a Job and its pods, as the garbage collector does after the Job goes. */
  delete(key: string): void {
    const job = this.ctl.store.get('jobs', key)?.obj;
    if (!job) return;
    for (const pod of this.pods(job)) this.ctl.removePod(`${pod.metadata.namespace}/${pod.metadata.name}`);
    this.ctl.store.delete('jobs', key);
    this.plans.delete(job.metadata.uid);
    this.podKeys.delete(key);
  }

  pods(job: K8sObject): K8sObject[] {
    const keys = this.podKeys.get(`${job.metadata.namespace}/${job.metadata.name}`) ?? new Set<string>();
    const out: K8sObject[] = [];
    for (const key of [...keys].sort()) {
      const pod = this.ctl.store.get('pods', key)?.obj;
      if (pod?.metadata.ownerReferences?.[0]?.uid === job.metadata.uid) out.push(pod);
      else keys.delete(key);
    }
    return out;
  }

  podChanged(pod: K8sObject): void {
    this.syncStatus(`${pod.metadata.namespace}/${pod.metadata.ownerReferences![0].name}`);
  }

  podDeleted(rng: Random, pod: K8sObject, now: number): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.ownerReferences![0].name}`;
    const plan = this.plans.get(pod.metadata.ownerReferences![0].uid);
    if (plan) plan.resumeAt = now;
    this.syncStatus(key);
    this.step(rng, key, now);
  }

  private step(rng: Random, key: string, now: number): void {
    // Each round takes one due step: a pod finishing, the Job finishing, or the next pod starting.
    for (let round = 0; round < 1000; round++) {
      const job = this.ctl.store.get('jobs', key)?.obj;
      if (!job || finished(job)) return;
      const plan = this.plans.get(job.metadata.uid) ?? { durationMs: 30_000, failures: 0, resumeAt: 0 };
      const pods = this.pods(job);
      const running = pods.find((p) => p.status.phase === 'Running' || p.status.phase === 'Pending');
      const failed = pods.filter((p) => p.status.phase === 'Failed').length;
      if (running) {
        const end = Date.parse(running.status.startTime) + plan.durationMs;
        if (end > now) return;
        this.ctl.mutatePod({ namespace: running.metadata.namespace as string, name: running.metadata.name }, (p) => (failed < plan.failures ? fail(p, end) : complete(p, end)));
        continue;
      }
      const succeeded = pods.filter((p) => p.status.phase === 'Succeeded').length;
      const last = Math.max(0, ...pods.map(finishedAt));
      if (succeeded >= job.spec.completions) return this.finish(job, 'Complete', last);
      if (failed > job.spec.backoffLimit) return this.finish(job, 'Failed', last);
      const backoff = failed ? Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failed - 1)) : 0;
      const start = Math.max(plan.resumeAt, last + backoff, Date.parse(job.status.startTime));
      if (start > now) return;
      this.createPod(rng, job, start);
    }
  }

  private createPod(rng: Random, job: K8sObject, at: number): void {
    const ns = job.metadata.namespace as string;
    let name: string;
    do name = `${job.metadata.name}-${rng.suffix(5)}`;
    while (this.ctl.store.get('pods', `${ns}/${name}`));
    const jobKey = `${ns}/${job.metadata.name}`;
    let keys = this.podKeys.get(jobKey);
    if (!keys) this.podKeys.set(jobKey, (keys = new Set()));
    keys.add(`${ns}/${name}`);
    this.ctl.createPod(rng, name, ns, job.spec.template, job, undefined, at);
    this.syncStatus(jobKey);
  }

  private finish(job: K8sObject, outcome: 'Complete' | 'Failed', at: number): void {
    const time = timestamp(at);
    const [reason, message] = outcome === 'Complete'
      ? ['CompletionsReached', 'Reached expected number of succeeded pods']
      : ['BackoffLimitExceeded', 'Job has reached the specified backoff limit'];
    const condition = (type: string) => ({ type, status: 'True', lastProbeTime: time, lastTransitionTime: time, reason, message });
    this.ctl.store.update('jobs', `${job.metadata.namespace}/${job.metadata.name}`, (j) => {
      j.status.conditions = [condition(outcome === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget'), condition(outcome)];
      if (outcome === 'Complete') j.status.completionTime = time;
    }, 'status');
    this.plans.delete(job.metadata.uid);
    if (outcome === 'Complete') this.recorder.record({ regarding: refOf(job), component: 'job-controller', reason: 'Completed', message: 'Job completed' }, at);
    else this.recorder.record({ regarding: refOf(job), component: 'job-controller', type: 'Warning', reason, message }, at);
  }

  /** active / ready / succeeded / failed from the pods, in the order the API server writes a Job's status. */
  private syncStatus(key: string): void {
    const job = this.ctl.store.get('jobs', key)?.obj;
    if (!job) return;
    const pods = this.pods(job);
    const count = (phase: string) => pods.filter((p) => p.status.phase === phase).length;
    const old = job.status;
    const status: Record<string, unknown> = {};
    if (old.conditions) status.conditions = old.conditions;
    status.startTime = old.startTime;
    if (old.completionTime) status.completionTime = old.completionTime;
    if (count('Succeeded')) status.succeeded = count('Succeeded');
    if (count('Failed')) status.failed = count('Failed');
    const active = count('Running') + count('Pending');
    if (active) status.active = active;
    Object.assign(status, { terminating: 0, uncountedTerminatedPods: {}, ready: pods.filter(isPodReady).length });
    if (JSON.stringify(status) !== JSON.stringify(old)) this.ctl.store.update('jobs', key, (j) => { j.status = status; }, 'status');
  }
}

export function finished(job: K8sObject): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

function finishedAt(pod: K8sObject): number {
  const t = pod.status.containerStatuses?.[0]?.state?.terminated?.finishedAt;
  return t ? Date.parse(t) : 0;
}
