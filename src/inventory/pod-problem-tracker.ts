import type { DataSource } from 'typeorm';
import type { ChangeEvent } from '../events/change-event.js';
import { toPod } from './inventory.rows.js';
import type { PodChangeMatcher } from './pod-change.filter.js';
import { PodProblem } from './pod-problem.type.js';
import { PROBLEM_COLUMNS, podProblem, restartedFrom, sameProblem } from './pod-problem.js';
import type { Pod } from './pod.type.js';

const keyOf = (clusterId: string, uid: string) => `${clusterId}/${uid}`;

/**
 * Turns pod changes into problem transitions for one feed. A change event carries the pod's state after it and the
 * columns that changed, not the state before; the tracker remembers, per pod, the problem this feed last reported (or
 * found when it started), and a change is a transition when the problem it derives from the new state differs:
 *
 * - a change touching none of phase, reason, message and containerStatuses is none (an unknown set, from a MODIFIED
 *   with no changedFields, is looked at);
 * - no problem remembered and one now, or another reason or container than remembered → that problem;
 * - a problem remembered and none now, or the pod deleted → the remembered problem with `resolved`;
 * - the same reason in the same container (restarts in CrashLoopBackOff, a new back-off message) → nothing;
 * - no problem before or after, but the change restarted a container whose last termination was OOMKilled or Error
 *   (killed and running again within one change) → that termination, already `resolved`.
 */
export class PodProblemTracker {
  private constructor(private readonly problems: Map<string, PodProblem>) {}

  /**
   * A tracker that knows the problems the matching pods have now, so that a feed starting among broken pods reports
   * what changes from here. One resuming with `after:` starts knowing none: the replayed changes report every problem
   * still present (the rows are read as they are when delivered), and a problem that began and cleared while the
   * subscriber was away is not seen.
   */
  static async start(dataSource: DataSource, matcher: PodChangeMatcher, resuming: boolean): Promise<PodProblemTracker> {
    const problems = new Map<string, PodProblem>();
    if (!resuming) {
      // Every problem gives the pod a reason (a waiting or terminated container's, Evicted, Unschedulable).
      const rows: Array<Record<string, unknown>> = await dataSource.query(
        `SELECT p.* FROM k8s_pods p JOIN k8s_clusters c ON c.id = p.cluster_id
         WHERE c.organization_id = $1 AND p.deleted_at IS NULL AND p.reason IS NOT NULL
           AND ($2::uuid IS NULL OR p.cluster_id = $2) AND ($3::text IS NULL OR p.namespace = $3)`,
        [matcher.organizationId, matcher.clusterRowId, matcher.namespace],
      );
      for (const row of rows) {
        const pod = toPod(row);
        const problem = matcher.matches(pod) ? podProblem(pod) : null;
        if (problem) problems.set(keyOf(pod.clusterRowId, pod.uid), problem);
      }
    }
    return new PodProblemTracker(problems);
  }

  /** The transition `event` makes for `pod` (its state after the event), or null when it makes none. */
  next(event: ChangeEvent, pod: Pod): PodProblem | null {
    const key = keyOf(event.clusterId, event.uid);
    const before = this.problems.get(key);
    if (event.type === 'DELETED') {
      if (!before) return null;
      this.problems.delete(key);
      return Object.assign(new PodProblem(), before, { resolved: true });
    }
    if (event.type === 'MODIFIED' && event.changedFields.length > 0 && !event.changedFields.some((f) => PROBLEM_COLUMNS.has(f))) return null;
    const now = podProblem(pod);
    if (!before && !now) return event.changedFields.includes('restartCount') ? restartedFrom(pod) : null;
    if (sameProblem(before, now)) {
      // Same problem: kept with its latest details (message, restarts) for a later `resolved`.
      this.problems.set(key, now!);
      return null;
    }
    if (now) {
      this.problems.set(key, now);
      return now;
    }
    this.problems.delete(key);
    return Object.assign(new PodProblem(), before, { resolved: true });
  }
}
