import { type ClusterController, SimulationError } from './cluster-controller.js';
import { CronJobController } from './cronjob-controller.js';
import { DaemonSetController } from './daemonset-controller.js';
import { EventRecorder } from './event-recorder.js';
import { JobController } from './job-controller.js';
import type { ObjectStore } from './object-store.js';
import { emitPodEvents, failedScheduling } from './pod-events.js';
import type { Random } from './random.js';
import { unhandled, type WorkloadChange } from './sim-change.js';
import { StatefulSetController } from './statefulset-controller.js';
import { crashContainer } from './status-transitions.js';

/**
 * The controllers of StatefulSets, DaemonSets, Jobs and CronJobs, and the Events the cluster's components record,
 * attached to the cluster controller: it hands them their pods' changes and the changes that are theirs.
 */
export class WorkloadControllers {
  readonly events: EventRecorder;
  readonly statefulSets: StatefulSetController;
  readonly daemonSets: DaemonSetController;
  readonly jobs: JobController;
  readonly cronJobs: CronJobController;
  /** Deployments whose containers crash 10 s after every start (a bad release), back-off after back-off. */
  readonly crashLoops = new Set<string>();
  /** When the scheduler last tried each pod it found no node for. */
  private readonly schedulingAttempts = new Map<string, number>();

  constructor(private readonly ctl: ClusterController, eventRng: Random, eventTtlMs: number) {
    this.events = new EventRecorder(ctl.store, eventRng, eventTtlMs);
    this.statefulSets = new StatefulSetController(ctl);
    this.daemonSets = new DaemonSetController(ctl);
    this.jobs = new JobController(ctl, this.events);
    this.cronJobs = new CronJobController(ctl, this.jobs, this.events);
    ctl.podOwners.set('StatefulSet', this.statefulSets);
    ctl.podOwners.set('DaemonSet', this.daemonSets);
    ctl.podOwners.set('Job', this.jobs);
    ctl.workloads = (rng, change) => this.apply(rng, change);
  }

  /** From now on, pod writes come with the Events the kubelet, scheduler and controllers record for them. */
  recordPodEvents(store: ObjectStore): void {
    emitPodEvents(store, this.events, () => this.ctl.now());
  }

  /**
   * The time-driven part of the controllers, up to `now`: Jobs first (a CronJob sees whether its last run finished),
   * then CronJobs, then the Jobs they started.
   */
  sync(rng: Random, now: number): void {
    this.jobs.reconcile(rng, now);
    this.cronJobs.reconcile(rng, now);
    this.jobs.reconcile(rng, now);
    for (const key of [...this.ctl.store.keys('cronjobs')]) this.cronJobs.observe(key, now);
    this.retryScheduling(now);
    this.crashAgain(rng, now);
    this.events.expire(now);
  }

  /**
   * The kubelet restarts a crash-looping container once its back-off (10 s, doubling, at most 5 min) has passed, and
   * in a broken Deployment it crashes again 10 s later; a recovered pod crashes 10 s after it started.
   */
  private crashAgain(rng: Random, now: number): void {
    for (const deployment of this.crashLoops) {
      if (!this.ctl.store.get('deployments', deployment)) {
        this.crashLoops.delete(deployment);
        continue;
      }
      for (const rs of this.ctl.replicaSetsOf(deployment)) {
        for (const key of [...this.ctl.podsOf(rs)].sort()) {
          const pod = this.ctl.store.get('pods', key)?.obj;
          const c = pod?.status.containerStatuses?.[0];
          if (!pod || !c) continue;
          const started = c.state.running
            ? Date.parse(c.state.running.startedAt)
            : Date.parse(c.lastState?.terminated?.finishedAt ?? pod.status.startTime) + Math.min(300_000, 10_000 * 2 ** Math.min(5, Math.max(0, c.restartCount - 1)));
          if (now >= started + 10_000) this.ctl.mutatePod({ namespace: pod.metadata.namespace as string, name: pod.metadata.name }, (p) => crashContainer(p, now, 'Error', 1, rng));
        }
      }
    }
  }

  /** The scheduler tries unschedulable pods again (here once a minute) and reports each failure, counted in one Event. */
  private retryScheduling(now: number): void {
    for (const key of this.schedulingAttempts.keys()) if (!this.ctl.unscheduledPods.has(key)) this.schedulingAttempts.delete(key);
    for (const key of this.ctl.unscheduledPods) {
      const last = this.schedulingAttempts.get(key);
      // A pod seen for the first time was just tried (its Events so far are in the scenario).
      if (last === undefined) this.schedulingAttempts.set(key, now);
      if (last === undefined || now - last < 60_000) continue;
      this.schedulingAttempts.set(key, now);
      failedScheduling(this.events, this.ctl.store.get('pods', key)!.obj, now);
    }
  }

  private apply(rng: Random, change: WorkloadChange): void {
    const now = this.ctl.now();
    switch (change.kind) {
      case 'syncControllers': return this.sync(rng, now);
      case 'scaleStatefulSet': return this.statefulSets.scale(rng, `${change.namespace}/${change.name}`, change.replicas, now);
      case 'createJob': {
        this.ctl.require('namespaces', change.namespace, 'namespace');
        const key = `${change.namespace}/${change.name}`;
        if (this.ctl.store.get('jobs', key)) throw new SimulationError(`job ${key} already exists`);
        const completions = change.completions ?? 1;
        const backoffLimit = change.backoffLimit ?? 6;
        const durationSeconds = change.durationSeconds ?? 30;
        if (!Number.isInteger(completions) || completions < 1) throw new SimulationError(`createJob: completions must be a positive integer, got ${completions}`);
        if (!Number.isInteger(backoffLimit) || backoffLimit < 0) throw new SimulationError(`createJob: backoffLimit must be a non-negative integer, got ${backoffLimit}`);
        if (!(durationSeconds > 0)) throw new SimulationError(`createJob: durationSeconds must be a positive number, got ${durationSeconds}`);
        this.jobs.create(rng, {
          name: change.name, namespace: change.namespace, completions, backoffLimit, created: now, durationMs: durationSeconds * 1000,
          failures: change.fail ? backoffLimit + 1 : 0, ttlSecondsAfterFinished: 600,
          containers: [{ name: change.name, image: change.image ?? 'busybox:1.36', cpuMillis: 100, memoryBytes: 128 * 2 ** 20 }],
        });
        return;
      }
      default: return unhandled(change);
    }
  }
}
