import type { ClusterController } from './cluster-controller.js';
import { SimulationError } from './cluster-controller.js';
import { CronSchedule, CronSyntaxError } from './cron-schedule.js';
import { type EventRecorder, refOf } from './event-recorder.js';
import { finished, type JobController } from './job-controller.js';
import type { K8sObject } from './k8s-object.js';
import { type ContainerParams, podTemplate, timestamp } from './object-factory.js';
import type { StoredObject } from './object-store.js';
import type { Random } from './random.js';

export interface CronJobParams {
  name: string;
  namespace: string;
  schedule: string;
  containers: ContainerParams[];
  labels: Record<string, string>;
  backoffLimit: number;
  created: number;
  /** Until then no run is due (an initial state sets the last run it had). */
  lastScheduleTime?: number;
  /** How long each Job's pod runs. */
  durationMs: number;
  /** Share of runs whose pods all fail. */
  failureRate: number;
}

/**
 * The CronJob controller: at each due time of the schedule a Job `<name>-<minutes since the epoch>` (only the latest
 * one when several were missed; none while one is still active, `concurrencyPolicy: Forbid`), then finished Jobs
 * beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit` deleted, oldest first.
 */
export class CronJobController {
  private readonly schedules = new Map<string, CronSchedule>();
  private readonly plans = new Map<string, { durationMs: number; failureRate: number }>();

  constructor(private readonly ctl: ClusterController, private readonly jobs: JobController, private readonly recorder: EventRecorder) {}

  create(p: CronJobParams, rng: Random): StoredObject {
    let schedule: CronSchedule;
    try {
      schedule = new CronSchedule(p.schedule);
    } catch (err) {
      if (err instanceof CronSyntaxError) throw new SimulationError(err.message);
      throw err;
    }
    const template = podTemplate(p.labels, p.containers) as { metadata: any; spec: any };
    template.spec.restartPolicy = 'Never';
    const cj = this.ctl.store.create('cronjobs', {
      apiVersion: 'batch/v1', kind: 'CronJob',
      metadata: { name: p.name, namespace: p.namespace, uid: rng.uuid(), resourceVersion: '', generation: 1, creationTimestamp: timestamp(p.created), labels: { ...p.labels } },
      spec: {
        schedule: p.schedule, concurrencyPolicy: 'Forbid', suspend: false,
        jobTemplate: { metadata: { creationTimestamp: null, labels: { ...p.labels } }, spec: { backoffLimit: p.backoffLimit, template } },
        successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      },
      status: p.lastScheduleTime === undefined ? {} : { lastScheduleTime: timestamp(p.lastScheduleTime) },
    });
    this.schedules.set(cj.obj.metadata.uid, schedule);
    this.plans.set(cj.obj.metadata.uid, { durationMs: p.durationMs, failureRate: p.failureRate });
    return cj;
  }

  /** Starts the due Jobs of every CronJob (at their scheduled times, up to `now`). */
  reconcile(rng: Random, now: number): void {
    for (const key of [...this.ctl.store.keys('cronjobs')]) {
      const cj = this.ctl.store.get('cronjobs', key)!.obj;
      const schedule = this.schedule(cj);
      if (cj.spec.suspend) continue;
      this.observe(key, now);
      const since = Date.parse(cj.status.lastScheduleTime ?? cj.metadata.creationTimestamp);
      const due = schedule.latestDue(since, now);
      if (!due || (this.ctl.store.get('cronjobs', key)!.obj.status.active ?? []).length) continue;
      this.start(rng, key, due.time);
    }
  }

  /** Takes note of finished Jobs: out of `active`, `lastSuccessfulTime`, then the history limits. */
  observe(key: string, now: number): void {
    const cj = this.ctl.store.get('cronjobs', key)?.obj;
    if (!cj) return;
    const owned = this.jobsOf(cj);
    const byName = new Map(owned.map((j) => [j.metadata.name, j]));
    const active = (cj.status.active ?? []).filter((ref: any) => {
      const job = byName.get(ref.name);
      if (!job) return false;
      const outcome = finished(job);
      if (!outcome) return true;
      this.recorder.record({ regarding: refOf(cj), component: 'cronjob-controller', reason: 'SawCompletedJob', message: `Saw completed job: ${job.metadata.name}, condition: ${outcome}` }, now);
      return false;
    });
    const succeeded = owned.filter((j) => finished(j) === 'Complete').map((j) => j.status.completionTime as string).sort();
    const lastSuccessfulTime = succeeded[succeeded.length - 1] ?? cj.status.lastSuccessfulTime;
    if (active.length !== (cj.status.active ?? []).length || lastSuccessfulTime !== cj.status.lastSuccessfulTime) {
      this.ctl.store.update('cronjobs', key, (o) => {
        if (active.length) o.status.active = active;
        else delete o.status.active;
        if (lastSuccessfulTime) o.status.lastSuccessfulTime = lastSuccessfulTime;
      }, 'status');
    }
    for (const [outcome, limit] of [['Complete', cj.spec.successfulJobsHistoryLimit], ['Failed', cj.spec.failedJobsHistoryLimit]] as const) {
      const done = owned.filter((j) => finished(j) === outcome).sort((a, b) => Date.parse(a.status.startTime) - Date.parse(b.status.startTime));
      for (const old of done.slice(0, Math.max(0, done.length - limit))) {
        this.jobs.delete(`${old.metadata.namespace}/${old.metadata.name}`);
        this.recorder.record({ regarding: refOf(cj), component: 'cronjob-controller', reason: 'SuccessfulDelete', message: `Deleted job ${old.metadata.name}` }, now);
      }
    }
  }

  private start(rng: Random, key: string, at: number): void {
    const cj = this.ctl.store.get('cronjobs', key)!.obj;
    const plan = this.plans.get(cj.metadata.uid) ?? { durationMs: 30_000, failureRate: 0 };
    const name = `${cj.metadata.name}-${Math.floor(at / 60_000)}`;
    const template = cj.spec.jobTemplate;
    const job = this.jobs.create(rng, {
      name, namespace: cj.metadata.namespace as string, completions: 1, backoffLimit: template.spec.backoffLimit, labels: template.metadata.labels,
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': timestamp(at) }, owner: cj, created: at,
      template: template.spec.template, durationMs: Math.round(plan.durationMs * (0.8 + rng.next() * 0.4)),
      failures: rng.chance(plan.failureRate) ? template.spec.backoffLimit + 1 : 0,
    });
    const ref = { apiVersion: 'batch/v1', kind: 'Job', name, namespace: cj.metadata.namespace, uid: job.obj.metadata.uid, resourceVersion: job.obj.metadata.resourceVersion };
    this.ctl.store.update('cronjobs', key, (o) => {
      o.status.active = [...(o.status.active ?? []), ref];
      o.status.lastScheduleTime = timestamp(at);
    }, 'status');
    this.recorder.record({ regarding: refOf(cj), component: 'cronjob-controller', reason: 'SuccessfulCreate', message: `Created job ${name}` }, at);
  }

  /** The last `n` scheduled times at or before `now`, oldest first. */
  recentRuns(cj: K8sObject, now: number, n: number): number[] {
    const schedule = this.schedule(cj);
    const out: number[] = [];
    for (let t = schedule.previous(now); t !== undefined && out.length < n; t = schedule.previous(t - 60_000)) out.unshift(t);
    return out;
  }

  /** Its Jobs: those named `<name>-…` that it owns. */
  jobsOf(cj: K8sObject): K8sObject[] {
    const prefix = `${cj.metadata.namespace}/${cj.metadata.name}-`;
    return this.ctl.store.keys('jobs').filter((k) => k.startsWith(prefix)).map((k) => this.ctl.store.get('jobs', k)!.obj)
      .filter((j) => j.metadata.ownerReferences?.[0]?.uid === cj.metadata.uid);
  }

  private schedule(cj: K8sObject): CronSchedule {
    let s = this.schedules.get(cj.metadata.uid);
    if (!s) this.schedules.set(cj.metadata.uid, (s = new CronSchedule(cj.spec.schedule)));
    return s;
  }
}
