import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sObject, SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { get, WatchStream } from './sim-client.js';

// A Monday, 10:02:30 UTC: the scenario's `*/5` CronJob last ran at 10:00 and is next due at 10:05.
const START = Date.parse('2026-03-02T10:02:30Z');
const S = 1000;

describe('StatefulSets, DaemonSets, Jobs and CronJobs', () => {
  let sim: SimulatedCluster;
  let now = START;
  const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  /** Sets the cluster clock and lets the time-driven controllers catch up, as a tick does first. */
  const advanceTo = async (ms: number) => {
    now = ms;
    await sim.apply({ kind: 'syncControllers' });
  };
  const job = (ns: string, name: string) => sim.state().jobs.find((j) => j.metadata.namespace === ns && j.metadata.name === name)!;
  const podsOf = (owner: K8sObject) => sim.state().pods.filter((p) => p.metadata.ownerReferences?.[0]?.uid === owner.metadata.uid);
  const ns = () => sim.state().namespaces.find((n) => n.metadata.labels?.team)!.metadata.name;

  beforeAll(async () => {
    sim = await SimulatedCluster.start({ pods: 120, seed: 'workloads', startTime: START, clock: () => now, tls: false });
  });
  afterAll(async () => { await sim?.stop(); });

  it('keeps the pod count the scenario asked for, the new kinds included', () => {
    const s = sim.state();
    expect(s.pods).toHaveLength(120);
    expect(s.statefulsets.length).toBeGreaterThan(0);
    expect(s.daemonsets.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual(['kube-system/calico-node', 'kube-system/kube-proxy']);
    expect(s.cronjobs.length).toBeGreaterThanOrEqual(2);
    expect(s.jobs.length).toBeGreaterThanOrEqual(3);
  });

  it('names StatefulSet pods by ordinal, each with its own claim from the volumeClaimTemplates', async () => {
    const sts = sim.state().statefulsets[0];
    const { name } = sts.metadata;
    const namespace = sts.metadata.namespace!;
    const names = (prefix: string, list: K8sObject[]) => list.filter((o) => o.metadata.namespace === namespace && o.metadata.name.startsWith(prefix)).map((o) => o.metadata.name).sort();
    expect(names(`${name}-`, podsOf(sts))).toEqual([`${name}-0`, `${name}-1`, `${name}-2`]);
    expect(names(`data-${name}-`, sim.state().persistentvolumeclaims)).toEqual([`data-${name}-0`, `data-${name}-1`, `data-${name}-2`]);
    for (const pod of podsOf(sts)) {
      expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid: sts.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(pod.spec.volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: `data-${pod.metadata.name}` } });
      expect(pod.spec.hostname).toBe(pod.metadata.name);
      expect(pod.metadata.labels!['statefulset.kubernetes.io/pod-name']).toBe(pod.metadata.name);
    }
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });

    // Up to 5: ordinals 3 and 4 with new claims; down to 2: the highest ordinals go, their claims stay.
    await sim.apply({ kind: 'scaleStatefulSet', namespace, name, replicas: 5 });
    expect(names(`${name}-`, podsOf(sts))).toEqual([0, 1, 2, 3, 4].map((i) => `${name}-${i}`));
    await sim.apply({ kind: 'scaleStatefulSet', namespace, name, replicas: 2 });
    expect(names(`${name}-`, podsOf(sts))).toEqual([`${name}-0`, `${name}-1`]);
    expect(names(`data-${name}-`, sim.state().persistentvolumeclaims)).toEqual([0, 1, 2, 3, 4].map((i) => `data-${name}-${i}`));
    // A deleted pod comes back under the same name, as a new object.
    const before = podsOf(sts).find((p) => p.metadata.name === `${name}-1`)!;
    await sim.apply({ kind: 'deletePod', namespace, name: `${name}-1` });
    const after = podsOf(sts).find((p) => p.metadata.name === `${name}-1`)!;
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    const served = await get(sim, `/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`);
    expect(served.json.status).toMatchObject({ replicas: 2, readyReplicas: 2 });
    const selected = await get(sim, '/apis/apps/v1/statefulsets?labelSelector=app.kubernetes.io%2Fcomponent%3Ddatabase&fieldSelector=metadata.namespace%3D' + namespace);
    expect(selected.json.items.map((o: K8sObject) => o.metadata.name)).toEqual(sim.state().statefulsets.filter((o) => o.metadata.namespace === namespace).map((o) => o.metadata.name));
  });

  it('runs one DaemonSet pod on every node, the tainted ones included, and replaces a deleted one on its node', async () => {
    const nodes = sim.state().nodes.map((n) => n.metadata.name).sort();
    for (const ds of sim.state().daemonsets) {
      const pods = podsOf(ds);
      expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(nodes);
      expect(pods.every((p) => p.metadata.ownerReferences![0].kind === 'DaemonSet' && p.metadata.ownerReferences![0].controller)).toBe(true);
      // On the node's network.
      expect(pods.every((p) => p.status.podIP === p.status.hostIP)).toBe(true);
      expect(ds.status).toMatchObject({ desiredNumberScheduled: nodes.length, currentNumberScheduled: nodes.length, numberReady: nodes.length });
    }
    const proxy = sim.state().daemonsets.find((d) => d.metadata.name === 'kube-proxy')!;
    const victim = podsOf(proxy)[0];
    await sim.apply({ kind: 'deletePod', namespace: 'kube-system', name: victim.metadata.name });
    const replaced = podsOf(proxy);
    expect(replaced).toHaveLength(nodes.length);
    expect(replaced.filter((p) => p.spec.nodeName === victim.spec.nodeName).map((p) => p.metadata.uid)).not.toContain(victim.metadata.uid);
  });

  it('starts a CronJob\'s Job at the scheduled minute, owned by the CronJob, and keeps the history within its limits', async () => {
    const cj = sim.state().cronjobs.find((c) => c.metadata.name === 'report-generator')!;
    const { namespace } = cj.metadata;
    const runs = () => sim.state().jobs.filter((j) => j.metadata.ownerReferences?.[0]?.uid === cj.metadata.uid);
    const due = Date.parse('2026-03-02T10:05:00Z');
    expect(cj.spec.schedule).toBe('*/5 * * * *');
    expect(cj.status.lastScheduleTime).toBe('2026-03-02T10:00:00Z');
    const before = runs().map((j) => j.metadata.name);

    await advanceTo(due - S);
    expect(runs().map((j) => j.metadata.name)).toEqual(before);
    await advanceTo(due);
    // Named after the scheduled time in minutes since the epoch.
    const name = `report-generator-${due / 60_000}`;
    const started = runs().find((j) => j.metadata.name === name)!;
    expect(started.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'report-generator', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(started.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2026-03-02T10:05:00Z');
    const current = sim.state().cronjobs.find((c) => c.metadata.uid === cj.metadata.uid)!;
    expect(current.status.lastScheduleTime).toBe('2026-03-02T10:05:00Z');
    expect(current.status.active.map((r: any) => [r.kind, r.name, r.uid])).toEqual([['Job', name, started.metadata.uid]]);
    expect(sim.state().events.some((e) => e.involvedObject.uid === cj.metadata.uid && e.reason === 'SuccessfulCreate' && e.message === `Created job ${name}`)).toBe(true);

    // Its pod runs at most 48 s (40 s ± 20 %): by 10:06 the run is over and no longer active.
    await advanceTo(due + 60 * S);
    const after = sim.state().cronjobs.find((c) => c.metadata.uid === cj.metadata.uid)!;
    expect(after.status.active).toBeUndefined();
    expect(runs().find((j) => j.metadata.name === name)!.status.conditions.at(-1).type).toMatch(/^(Complete|Failed)$/);

    // An hour of runs, minute by minute: 12 more Jobs started, at most 3 successful and 1 failed kept (a pod each, two
    // for a failed one with backoffLimit 1).
    for (let t = due + 2 * 60 * S; t <= due + 61 * 60 * S; t += 60 * S) await advanceTo(t);
    const kept = runs();
    expect(kept.filter((j) => j.status.conditions?.at(-1).type === 'Complete').length).toBeLessThanOrEqual(3);
    expect(kept.filter((j) => j.status.conditions?.at(-1).type === 'Failed').length).toBeLessThanOrEqual(1);
    expect(sim.state().cronjobs.find((c) => c.metadata.uid === cj.metadata.uid)!.status.lastScheduleTime).toBe('2026-03-02T11:05:00Z');
    expect(sim.state().events.filter((e) => e.involvedObject.uid === cj.metadata.uid && e.reason === 'SuccessfulDelete').length).toBeGreaterThan(0);
    expect(sim.state().pods.filter((p) => p.metadata.namespace === namespace && p.metadata.name.startsWith('report-generator-')).length).toBeLessThanOrEqual(5);
  });

  it('keeps a broken Deployment crash-looping: a restart after each back-off, one BackOff Event counting them', async () => {
    const looping = () => sim.state().pods.filter((p) => p.status.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff');
    const backOff = (pod: K8sObject) => sim.state().events.find((e) => e.involvedObject.uid === pod.metadata.uid && e.reason === 'BackOff');
    const before = new Map(looping().map((p) => [p.metadata.uid, { restarts: p.status.containerStatuses[0].restartCount, event: backOff(p) }]));
    // The back-off is at most 5 minutes, and the container runs 10 s before it crashes again.
    await advanceTo(now + 5 * 60 * S + 10 * S);
    const again = looping().filter((p) => before.has(p.metadata.uid) && p.status.containerStatuses[0].restartCount === before.get(p.metadata.uid)!.restarts + 1);
    expect(again.length).toBeGreaterThan(0);
    for (const pod of again) {
      const was = before.get(pod.metadata.uid)!.event!;
      expect(backOff(pod)).toMatchObject({ metadata: { uid: was.metadata.uid }, count: was.count + 1, lastTimestamp: at(now) });
    }
  });

  it('completes a Job when its pod succeeds', async () => {
    const t0 = now;
    const watch = new WatchStream(sim, `/apis/batch/v1/namespaces/${ns()}/jobs?watch=1&resourceVersion=${sim.resourceVersion}&labelSelector=job-name%3Dnightly-export`);
    await sim.apply({ kind: 'createJob', namespace: ns(), name: 'nightly-export', durationSeconds: 30 });
    const created = job(ns(), 'nightly-export');
    expect(created.status).toMatchObject({ startTime: at(t0), active: 1 });
    const [pod] = podsOf(created);
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-export', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'nightly-export', 'batch.kubernetes.io/controller-uid': created.metadata.uid });

    await advanceTo(t0 + 29 * S);
    expect(job(ns(), 'nightly-export').status.active).toBe(1);
    await advanceTo(t0 + 30 * S);
    const done = job(ns(), 'nightly-export');
    expect(done.status).toMatchObject({ succeeded: 1, completionTime: at(t0 + 30 * S) });
    expect(done.status.active).toBeUndefined();
    expect(done.status.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
    expect(podsOf(done).map((p) => p.status.phase)).toEqual(['Succeeded']);
    const table = await get(sim, `/apis/batch/v1/namespaces/${ns()}/jobs/nightly-export`, { accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' });
    expect(table.json.rows[0].cells.slice(0, 4)).toEqual(['nightly-export', 'Complete', '1/1', '30s']);
    // A watch from before saw it created, then its status change by change, the last one Complete.
    try {
      const events = await watch.until((ev) => ev.some((e) => e.object.status.completionTime), 10_000, 'the Job complete');
      expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { uid: done.metadata.uid } } });
      expect(events.slice(1).every((e) => e.type === 'MODIFIED')).toBe(true);
      expect(events.at(-1)!.object.metadata.resourceVersion).toBe(done.metadata.resourceVersion);
    } finally {
      watch.close();
    }
  });

  it('fails a Job after backoffLimit retries, each after the back-off delay', async () => {
    const t0 = now;
    await sim.apply({ kind: 'createJob', namespace: ns(), name: 'flaky-import', durationSeconds: 20, backoffLimit: 2, fail: true });
    // Pod 1 runs 0-20 s and fails; after 10 s of back-off pod 2 runs 30-50 s and fails; after 20 s pod 3 runs 70-90 s
    // and fails: three failures are more than backoffLimit 2, so the Job fails at 90 s.
    await advanceTo(t0 + 29 * S);
    expect(job(ns(), 'flaky-import').status).toMatchObject({ failed: 1 });
    expect(job(ns(), 'flaky-import').status.active).toBeUndefined();
    await advanceTo(t0 + 30 * S);
    expect(job(ns(), 'flaky-import').status).toMatchObject({ failed: 1, active: 1 });
    await advanceTo(t0 + 89 * S);
    expect(job(ns(), 'flaky-import').status).toMatchObject({ failed: 2, active: 1 });
    expect(job(ns(), 'flaky-import').status.conditions).toBeUndefined();
    await advanceTo(t0 + 90 * S);
    const failed = job(ns(), 'flaky-import');
    expect(failed.status).toMatchObject({ failed: 3 });
    expect(failed.status.completionTime).toBeUndefined();
    expect(failed.status.conditions.map((c: any) => [c.type, c.reason, c.lastTransitionTime])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded', at(t0 + 90 * S)], ['Failed', 'BackoffLimitExceeded', at(t0 + 90 * S)],
    ]);
    expect(podsOf(failed).map((p) => [p.status.phase, p.status.startTime]).sort((a, b) => a[1].localeCompare(b[1]))).toEqual([
      ['Failed', at(t0)], ['Failed', at(t0 + 30 * S)], ['Failed', at(t0 + 70 * S)],
    ]);
    const events = sim.state().events.filter((e) => e.involvedObject.uid === failed.metadata.uid);
    expect(events.map((e) => [e.type, e.reason, e.message])).toEqual(expect.arrayContaining([
      ['Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ['Normal', 'SuccessfulCreate', `Created pod: ${podsOf(failed)[0].metadata.name}`],
    ]));
    // Nothing more happens to a failed Job.
    await advanceTo(t0 + 300 * S);
    expect(podsOf(job(ns(), 'flaky-import'))).toHaveLength(3);
  });

  it('deletes a namespace with everything in it: StatefulSets, Jobs, CronJobs, their pods and claims, and its Events', async () => {
    const namespace = sim.state().cronjobs[0].metadata.namespace!;
    const inNs = (list: K8sObject[]) => list.filter((o) => o.metadata.namespace === namespace).length;
    const s = sim.state();
    expect(inNs(s.jobs) + inNs(s.events)).toBeGreaterThan(0);
    await sim.apply({ kind: 'deleteNamespace', name: namespace });
    const after = sim.state();
    expect([after.statefulsets, after.jobs, after.cronjobs, after.pods, after.persistentvolumeclaims, after.events].map(inNs)).toEqual([0, 0, 0, 0, 0, 0]);
    expect((await get(sim, `/apis/events.k8s.io/v1/namespaces/${namespace}/events`)).json.items).toEqual([]);
    // The controllers carry on with what is left.
    await advanceTo(now + 10 * 60 * S);
    expect(sim.state().cronjobs.length).toBeGreaterThan(0);
  });
});
