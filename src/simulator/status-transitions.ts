import type { K8sObject } from './k8s-object.js';
import { nodeConditions, setPodConditions, timestamp } from './object-factory.js';
import type { Random } from './random.js';

/** Status transitions of pods and nodes, as the kubelet and the node lifecycle controller write them. */

export function nodeReady(node: K8sObject): boolean {
  return node.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True');
}

export function setNodeReady(n: K8sObject, ready: boolean, at: string): void {
  n.status.conditions = nodeConditions(ready, at, at);
  const taints = (n.spec.taints ?? []).filter((t: any) => t.key !== 'node.kubernetes.io/unreachable');
  if (!ready) {
    taints.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: at });
    taints.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at });
  }
  if (taints.length) n.spec.taints = taints;
  else delete n.spec.taints;
}

function containerId(rng: Random): string {
  return `containerd://${rng.hex(64)}`;
}

export function crashContainer(pod: K8sObject, now: number, reason: string, exitCode: number, rng: Random): void {
  const at = timestamp(now);
  const c = pod.status.containerStatuses[0];
  const startedAt = c.state.running?.startedAt ?? c.lastState?.terminated?.finishedAt ?? pod.status.startTime;
  c.lastState = { terminated: { exitCode, reason, startedAt, finishedAt: at, containerID: c.containerID } };
  c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.min(300, 10 * 2 ** Math.min(5, c.restartCount))}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` } };
  c.ready = false;
  c.started = false;
  c.restartCount += 1;
  c.containerID = containerId(rng);
  pod.status.phase = 'Running';
  setPodConditions(pod, false, at);
}

export function oomKill(pod: K8sObject, now: number, rng: Random): void {
  const at = timestamp(now);
  const c = pod.status.containerStatuses[0];
  const startedAt = c.state.running?.startedAt ?? pod.status.startTime;
  c.lastState = { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt, finishedAt: at, containerID: c.containerID } };
  c.state = { running: { startedAt: timestamp(now + 1000) } };
  c.restartCount += 1;
  c.containerID = containerId(rng);
  c.ready = true;
  c.started = true;
  setPodConditions(pod, pod.status.containerStatuses.every((s: any) => s.ready), at);
}

export function imagePullBackOff(pod: K8sObject, now: number): void {
  const at = timestamp(now);
  for (const c of pod.status.containerStatuses) {
    c.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } };
    c.ready = false;
    c.started = false;
  }
  pod.status.phase = 'Pending';
  setPodConditions(pod, false, at);
}

export function recover(pod: K8sObject, now: number, rng: Random): void {
  const at = timestamp(now);
  for (const c of pod.status.containerStatuses) {
    if (!c.state.running) {
      c.state = { running: { startedAt: at } };
      c.containerID = containerId(rng);
    }
    c.ready = true;
    c.started = true;
  }
  pod.status.phase = 'Running';
  setPodConditions(pod, true, at);
}

export function complete(pod: K8sObject, now: number): void {
  const at = timestamp(now);
  for (const c of pod.status.containerStatuses) {
    const startedAt = c.state.running?.startedAt ?? pod.status.startTime;
    c.state = { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: at, containerID: c.containerID } };
    c.ready = false;
    c.started = false;
  }
  pod.status.phase = 'Succeeded';
  setPodConditions(pod, false, at, 'PodCompleted');
}

/** The pod's containers exit with an error and, as `restartPolicy: Never` has it, the pod becomes Failed. */
export function fail(pod: K8sObject, now: number): void {
  const at = timestamp(now);
  for (const c of pod.status.containerStatuses) {
    const startedAt = c.state.running?.startedAt ?? pod.status.startTime;
    c.state = { terminated: { exitCode: 1, reason: 'Error', startedAt, finishedAt: at, containerID: c.containerID } };
    c.ready = false;
    c.started = false;
  }
  pod.status.phase = 'Failed';
  setPodConditions(pod, false, at, 'PodFailed');
}
