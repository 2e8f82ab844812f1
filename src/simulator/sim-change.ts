/** A change to the simulated cluster, applied the way the corresponding Kubernetes controller would apply it. */
export type SimChange = CoreChange | WorkloadChange;

/** Changes to deployments, pods, nodes, namespaces and Helm releases (cluster-controller.ts). */
export type CoreChange =
  | { kind: 'scaleDeployment'; namespace: string; name: string; replicas: number }
  /**
   * New pod template → new ReplicaSet with new pods; the old ReplicaSet is scaled to 0. The first container gets
   * `image` (default: its tag bumped); `templateAnnotations` are added to the pod template (a restart sets
   * `kubectl.kubernetes.io/restartedAt` and keeps the image).
   */
  | { kind: 'rollout'; namespace: string; name: string; image?: string; templateAnnotations?: Record<string, string> }
  /** Deletes a pod; its ReplicaSet (if any) creates a replacement unless `replace` is false. */
  | { kind: 'deletePod'; namespace: string; name: string; replace?: boolean }
  /** A standalone pod (no owner), Running on `nodeName` or a node chosen by the simulator. */
  | { kind: 'createPod'; namespace: string; name?: string; nodeName?: string; labels?: Record<string, string>; cpu?: string; memory?: string }
  /** Container exits with an error and waits in CrashLoopBackOff; restartCount +1. */
  | { kind: 'crashPod'; namespace: string; name: string }
  /** Container is OOM-killed and restarted: lastState.terminated.reason OOMKilled; restartCount +1. */
  | { kind: 'oomKill'; namespace: string; name: string }
  | { kind: 'imagePullBackOff'; namespace: string; name: string }
  /** Containers back to running and ready. */
  | { kind: 'recoverPod'; namespace: string; name: string }
  /** The pod's containers exit 0 and the pod becomes Succeeded (a finished job). */
  | { kind: 'completePod'; namespace: string; name: string }
  | { kind: 'nodeNotReady'; name: string }
  | { kind: 'nodeReady'; name: string }
  /** New Helm revision: the previous release secret becomes superseded. */
  | { kind: 'helmUpgrade'; namespace: string; name: string }
  | { kind: 'createNamespace'; name: string; labels?: Record<string, string> }
  | { kind: 'labelNamespace'; name: string; labels: Record<string, string | null> }
  | { kind: 'createDeployment'; namespace: string; name: string; replicas: number; cpu?: string; memory?: string; image?: string }
  | { kind: 'deleteDeployment'; namespace: string; name: string }
  /** Terminating, then every object in it deleted, then the namespace itself. */
  | { kind: 'deleteNamespace'; name: string };

/** Changes to StatefulSets, DaemonSets, Jobs and CronJobs, and the passing of time (workload-controllers.ts). */
export type WorkloadChange =
  /**
   * A Job of `completions` pods (default 1) of `durationSeconds` each (default 30). With `fail`, every pod fails, so
   * the Job fails after `backoffLimit` retries (default 6), each started after the back-off delay. Deleted 10 minutes
   * after it finished (`ttlSecondsAfterFinished: 600`).
   */
  | { kind: 'createJob'; namespace: string; name: string; completions?: number; backoffLimit?: number; durationSeconds?: number; fail?: boolean; image?: string }
  /** Pods `<name>-0…N-1`; a new ordinal gets its claims from the volumeClaimTemplates, a removed one keeps them. */
  | { kind: 'scaleStatefulSet'; namespace: string; name: string; replicas: number }
  /**
   * The time-driven controllers catch up with the cluster clock: due CronJobs start Jobs, Job pods finish or fail,
   * failed Jobs retry after their back-off, finished Jobs beyond the history limits go, Events past their TTL expire.
   * Every tick starts with it.
   */
  | { kind: 'syncControllers' };

const WORKLOAD_KINDS: ReadonlySet<string> = new Set<WorkloadChange['kind']>(['createJob', 'scaleStatefulSet', 'syncControllers']);

export function isWorkloadChange(change: SimChange): change is WorkloadChange {
  return WORKLOAD_KINDS.has(change.kind);
}

export type SimChangeKind = SimChange['kind'];

/** One object a change created, modified or deleted, with the resourceVersion that write was given. */
export interface ObjectWrite {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Plural resource name (`pods`, `replicasets`, …). */
  resource: string;
  namespace?: string;
  name: string;
  uid: string;
  resourceVersion: string;
}

/**
 * A change as `tick` applied it: when (the cluster's clock, ms since the epoch) and every object write it made, in
 * order, so that a client can follow each one.
 */
export type AppliedChange = SimChange & { appliedAt: number; writes: ObjectWrite[] };

export type SimFault =
  /** Close every open watch (abruptly, or with a clean end of stream when `clean`). */
  | { kind: 'dropWatches'; clean?: boolean }
  /** Half-open: keep every open watch connection but never write to it again. */
  | { kind: 'stallWatches' }
  /** Answer every API request with this status for `forMs` milliseconds. */
  | { kind: 'errors'; status: 500 | 429 | 503; forMs: number }
  /** The next watch request gets an ERROR event with a 410 Status (or an HTTP 410 when `http`). */
  | { kind: 'force410'; http?: boolean }
  /** Forget the event history: older resourceVersions become too old for watch and continue. */
  | { kind: 'compactHistory' }
  /** Close the listener and every connection; `up` listens again on the same port. */
  | { kind: 'down' }
  | { kind: 'up' };

/**
 * The default branch of a switch over every kind of a SimChange or SimFault: it compiles only when every kind has a
 * case, and input from outside is validated before it reaches such a switch.
 */
export function unhandled(value: never): never {
  throw new Error(`unhandled kind ${JSON.stringify((value as { kind: unknown }).kind)}`);
}
