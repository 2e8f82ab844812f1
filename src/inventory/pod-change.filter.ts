import { Field, ID, InputType } from 'type-graphql';
import { PodPhase } from './inventory.enums.js';
import { labelsMatch, selectorArgument } from '../graphql/label-selector.js';
import type { Pod } from './pod.type.js';
import { uuidFromGlobalId } from '../graphql/relay/global-id.js';

@InputType({ description: 'Which pod changes to deliver; every given field must match (AND).' })
export class PodChangedFilter {
  @Field(() => ID, { nullable: true, description: 'Only pods of this cluster (Cluster id).' })
  clusterId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only pods in the namespace with this name.' })
  namespace?: string | null;

  @Field(() => [PodPhase], { nullable: true, description: 'Only pods whose phase, after the change, is one of these.' })
  phases?: PodPhase[] | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'Only pods with one of these reasons, after the change: the pod reason (Evicted), a container state reason (CrashLoopBackOff, ImagePullBackOff) or a last termination reason (OOMKilled).',
  })
  reasons?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Kubernetes label selector in kubectl syntax, for example `app=web,tier!=batch`.' })
  labelSelector?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      'Only changes into, between and out of problems (see PodProblem): each event carries `problem`, with `resolved` when the pod left it. A pod that stays in the same problem (restarts in CrashLoopBackOff) is not delivered again.',
  })
  onlyProblems?: boolean | null;
}

/** A compiled filter: the organisation is always part of it. */
export interface PodChangeMatcher {
  organizationId: string;
  clusterRowId: string | null;
  namespace: string | null;
  onlyProblems: boolean;
  matches(pod: Pod): boolean;
}

/** Validates the filter (bad ids or selectors are refused before the subscription starts). */
export function compilePodChangeFilter(organizationId: string, filter: PodChangedFilter | null | undefined): PodChangeMatcher {
  const clusterRowId = filter?.clusterId ? uuidFromGlobalId(filter.clusterId, 'Cluster', 'filter.clusterId') : null;
  const requirements = selectorArgument(filter?.labelSelector, 'filter.labelSelector');
  const namespace = filter?.namespace ?? null;
  const phases = filter?.phases && filter.phases.length > 0 ? new Set<string>(filter.phases) : null;
  const reasons = filter?.reasons && filter.reasons.length > 0 ? new Set(filter.reasons) : null;
  return {
    organizationId,
    clusterRowId,
    namespace,
    onlyProblems: filter?.onlyProblems === true,
    matches(pod) {
      if (namespace !== null && pod.namespaceName !== namespace) return false;
      if (phases && !phases.has(pod.phase)) return false;
      if (reasons) {
        const podReasons = [pod.reason, ...pod.containers.flatMap((c) => [c.reason, c.lastTerminationReason])];
        if (!podReasons.some((r) => r !== null && reasons.has(r))) return false;
      }
      return labelsMatch(pod.labels, requirements);
    },
  };
}
