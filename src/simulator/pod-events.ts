import type { K8sObject } from './k8s-object.js';
import { type EventRecorder, ownerRefOf, refOf } from './event-recorder.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import { parseQuantity } from './quantity.js';

/**
 * The Events the kubelet, the scheduler and the workload controllers emit around a pod's life, derived from the
 * writes of the pod itself: a new pod is scheduled, its images pulled and containers started; a crashing container
 * backs off; an OOM kill is reported by the node; a deleted pod's containers are stopped.
 */
export function emitPodEvents(store: ObjectStore, recorder: EventRecorder, now: () => number): void {
  store.subscribe('pods', (e) => podEvents(recorder, e, now()));
  store.subscribe('replicasets', (e) => replicaSetEvents(store, recorder, e, now()));
}

const CONTROLLERS: Record<string, string> = {
  ReplicaSet: 'replicaset-controller', StatefulSet: 'statefulset-controller', DaemonSet: 'daemonset-controller', Job: 'job-controller',
};

function podEvents(rec: EventRecorder, e: StoreEvent, now: number): void {
  const pod = e.object.obj;
  if (e.type === 'ADDED') return podCreatedEvents(rec, pod, now);
  const node = pod.spec.nodeName as string | undefined;
  const container = (name: string) => ({ regarding: refOf(pod, `spec.containers{${name}}`), component: 'kubelet', host: node });
  if (e.type === 'DELETED') {
    for (const c of pod.status.containerStatuses ?? []) {
      if (c.state?.terminated) continue;
      rec.record({ ...container(c.name), reason: 'Killing', message: `Stopping container ${c.name}` }, now);
    }
    return;
  }
  const prev = e.prev!.obj;
  const before = new Map<string, any>((prev.status.containerStatuses ?? []).map((c: any) => [c.name, c]));
  for (const c of pod.status.containerStatuses ?? []) {
    const p = before.get(c.name);
    if (!p) continue;
    if (c.restartCount > p.restartCount) {
      if (c.lastState?.terminated?.reason === 'OOMKilled') oomKilling(rec, pod, c, now);
      else {
        const port = pod.spec.containers.find((s: any) => s.name === c.name)?.ports?.[0]?.containerPort;
        if (port) {
          rec.record({ ...container(c.name), type: 'Warning', reason: 'Unhealthy', message: `Liveness probe failed: Get "http://${pod.status.podIP}:${port}/healthz": dial tcp ${pod.status.podIP}:${port}: connect: connection refused` }, now);
        }
      }
      // Restarted after its back-off and crashed again: started, then backing off once more.
      if (c.state?.waiting?.reason === 'CrashLoopBackOff' && p.state?.waiting?.reason === 'CrashLoopBackOff') containerStarted(rec, pod, c.name, c.image, now);
      if (c.state?.waiting?.reason === 'CrashLoopBackOff') {
        rec.record({ ...container(c.name), type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` }, now);
      }
    }
    const waiting = c.state?.waiting?.reason;
    if (waiting === 'ImagePullBackOff' && p.state?.waiting?.reason !== 'ImagePullBackOff') {
      const pull = { ...container(c.name), type: 'Warning' as const };
      rec.record({ ...container(c.name), reason: 'Pulling', message: `Pulling image "${c.image}"` }, now);
      rec.record({ ...pull, reason: 'Failed', message: `Failed to pull image "${c.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": not found` }, now);
      rec.record({ ...pull, reason: 'Failed', message: 'Error: ErrImagePull' }, now);
      rec.record({ ...container(c.name), reason: 'BackOff', message: `Back-off pulling image "${c.image}"` }, now);
      rec.record({ ...pull, reason: 'Failed', message: 'Error: ImagePullBackOff' }, now);
    }
    // A container (re)started: after an OOM kill at once, after a back-off once it is running again.
    if (c.state?.running && (!p.state?.running || c.restartCount > p.restartCount)) containerStarted(rec, pod, c.name, c.image, now);
  }
  const ready = (o: K8sObject) => o.status.conditions?.find((x: any) => x.type === 'Ready');
  if (ready(pod)?.reason === 'NodeNotReady' && ready(prev)?.reason !== 'NodeNotReady') {
    rec.record({ regarding: refOf(pod), component: 'node-controller', type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready' }, now);
  }
}

/** The owner's SuccessfulCreate, the scheduler's Scheduled, and the kubelet's pull, create and start of each container. */
export function podCreatedEvents(rec: EventRecorder, pod: K8sObject, now: number): void {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
  const ns = pod.metadata.namespace as string;
  if (owner && CONTROLLERS[owner.kind]) {
    const message = owner.kind === 'StatefulSet' ? `create Pod ${pod.metadata.name} in StatefulSet ${owner.name} successful` : `Created pod: ${pod.metadata.name}`;
    rec.record({ regarding: ownerRefOf(owner, ns), component: CONTROLLERS[owner.kind], reason: 'SuccessfulCreate', message }, now);
  }
  if (!pod.spec.nodeName) return failedScheduling(rec, pod, now);
  rec.record({ regarding: refOf(pod), component: 'default-scheduler', action: 'Binding', reason: 'Scheduled', message: `Successfully assigned ${ns}/${pod.metadata.name} to ${pod.spec.nodeName}` }, now);
  for (const c of pod.status.containerStatuses ?? []) {
    if (c.state?.running || c.state?.terminated) containerStarted(rec, pod, c.name, c.image, now);
  }
}

/** The scheduler's report that no node fits the pod; `times` attempts, the first at `since`. */
export function failedScheduling(rec: EventRecorder, pod: K8sObject, now: number, times = 1, since = now): void {
  const condition = pod.status.conditions?.find((c: any) => c.type === 'PodScheduled' && c.reason === 'Unschedulable');
  if (!condition) return;
  rec.record({ regarding: refOf(pod), component: 'default-scheduler', action: 'Scheduling', type: 'Warning', reason: 'FailedScheduling', message: condition.message }, now, times, since);
}

function containerStarted(rec: EventRecorder, pod: K8sObject, name: string, image: string, now: number): void {
  const base = { regarding: refOf(pod, `spec.containers{${name}}`), component: 'kubelet', host: pod.spec.nodeName };
  rec.record({ ...base, reason: 'Pulled', message: `Container image "${image}" already present on machine` }, now);
  rec.record({ ...base, reason: 'Created', message: `Created container ${name}` }, now);
  rec.record({ ...base, reason: 'Started', message: `Started container ${name}` }, now);
}

/** The deployment controller's ScalingReplicaSet, from the ReplicaSet's desired replicas. */
function replicaSetEvents(store: ObjectStore, rec: EventRecorder, e: StoreEvent, now: number): void {
  const rs = e.object.obj;
  const from = e.type === 'ADDED' ? 0 : e.prev!.obj.spec.replicas;
  const to = e.type === 'DELETED' ? from : rs.spec.replicas;
  const owner = rs.metadata.ownerReferences?.[0];
  if (from === to || !owner || !store.get('deployments', `${rs.metadata.namespace}/${owner.name}`)) return;
  rec.record({
    regarding: ownerRefOf(owner, rs.metadata.namespace as string), component: 'deployment-controller', reason: 'ScalingReplicaSet',
    message: `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`,
  }, now);
}

/** node-problem-detector's report of the kernel's OOM kill, on the Node. */
export function oomKilling(rec: EventRecorder, pod: K8sObject, c: { name: string; lastState: any }, now: number): void {
  const node = pod.spec.nodeName as string;
  const pid = processId(c.lastState.terminated.containerID);
  rec.record({
    regarding: { apiVersion: 'v1', kind: 'Node', name: node, uid: node }, component: 'kernel-monitor', host: node, type: 'Warning', reason: 'OOMKilling',
    message: `Memory cgroup out of memory: Killed process ${pid} (${c.name}) total-vm:${1_200_000 + (pid % 90_000)}kB, anon-rss:${memoryLimitKb(pod, c.name)}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:2048kB oom_score_adj:${pod.status.qosClass === 'Guaranteed' ? -997 : 999}`,
  }, now);
}

function processId(containerId: string | undefined): number {
  return 1000 + (parseInt((containerId ?? '').slice(-6), 16) || 0) % 60_000;
}

function memoryLimitKb(pod: K8sObject, container: string): number {
  const limit = pod.spec.containers.find((c: any) => c.name === container)?.resources?.limits?.memory as string | undefined;
  return limit ? Math.round(parseQuantity(limit) / 1024) : 262_144;
}
