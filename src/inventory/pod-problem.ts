import type { Pod } from './pod.type.js';
import { PodPhase } from './inventory.enums.js';
import { PodProblem } from './pod-problem.type.js';

/** Container waiting reasons that mean it cannot start or keeps failing (not ContainerCreating, PodInitializing). */
const WAITING_PROBLEMS = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError']);
/** Container termination reasons that mean it failed (not Completed). */
const TERMINATED_PROBLEMS = new Set(['OOMKilled', 'Error']);

/** Stored columns a pod's problem is derived from: a change touching none of them leaves its problem as it was. */
export const PROBLEM_COLUMNS = new Set(['phase', 'reason', 'message', 'containerStatuses']);

/**
 * The pod's problem now, or null: the pod's own Evicted, else Unschedulable while Pending, else the first container (in
 * status order) waiting in CrashLoopBackOff, ImagePullBackOff, ErrImagePull or CreateContainerConfigError, or
 * terminated with OOMKilled or Error. A container running again after a crash has no problem, whatever its last
 * termination was.
 */
export function podProblem(pod: Pod): PodProblem | null {
  const problem = (fields: Omit<PodProblem, 'resolved'>) => Object.assign(new PodProblem(), fields, { resolved: false });
  if (pod.reason === 'Evicted' || (pod.reason === 'Unschedulable' && pod.phase === PodPhase.PENDING)) {
    return problem({ reason: pod.reason, message: pod.message, container: null, lastTerminationReason: null, exitCode: null, restartCount: null });
  }
  for (const c of pod.containers) {
    const waiting = c.state === 'waiting' && c.reason !== null && WAITING_PROBLEMS.has(c.reason);
    const terminated = c.state === 'terminated' && c.reason !== null && TERMINATED_PROBLEMS.has(c.reason);
    if (!waiting && !terminated) continue;
    return problem({
      reason: c.reason!,
      message: c.message,
      container: c.name,
      lastTerminationReason: c.lastTerminationReason,
      exitCode: terminated ? c.exitCode : c.lastTerminationExitCode,
      restartCount: c.restartCount,
    });
  }
  return null;
}

/**
 * The failure a container just restarted from, when a change restarted it (restartCount changed) and it runs again at
 * once, as after most OOMKills: the problem began and cleared within the change, so it is given already resolved. Of
 * several containers, the one that ended last.
 */
export function restartedFrom(pod: Pod): PodProblem | null {
  let latest: Pod['containers'][number] | null = null;
  for (const c of pod.containers) {
    if (c.state !== 'running' || c.lastTerminationReason === null || !TERMINATED_PROBLEMS.has(c.lastTerminationReason)) continue;
    if (!latest || (c.lastTerminatedAt?.getTime() ?? 0) > (latest.lastTerminatedAt?.getTime() ?? 0)) latest = c;
  }
  if (!latest) return null;
  return Object.assign(new PodProblem(), {
    reason: latest.lastTerminationReason!,
    message: null,
    container: latest.name,
    lastTerminationReason: latest.lastTerminationReason,
    exitCode: latest.lastTerminationExitCode,
    restartCount: latest.restartCount,
    resolved: true,
  });
}

/** Two problems are the same one while their reason and container are (a restart in CrashLoopBackOff is not a new one). */
export function sameProblem(a: PodProblem | null | undefined, b: PodProblem | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.reason === b.reason && a.container === b.container;
}
