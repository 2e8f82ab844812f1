import { Field, ID, InputType } from 'type-graphql';
import { PodPhase } from './inventory.enums.js';
import { LabelSelectorError, parseLabelSelector, type LabelRequirement } from '../graphql/label-selector.js';
import type { Pod } from './pod.type.js';
import { badInput } from '../graphql/errors.js';
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
}

/** A compiled filter: the organisation is always part of it. */
export interface PodChangeMatcher {
  organizationId: string;
  clusterRowId: string | null;
  matches(pod: Pod): boolean;
}

function matchesRequirement(labels: Record<string, string>, r: LabelRequirement): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case 'eq':
      return has && labels[r.key] === r.value;
    case 'neq':
      return !has || labels[r.key] !== r.value;
    case 'in':
      return has && r.values.includes(labels[r.key]);
    case 'notin':
      return !has || !r.values.includes(labels[r.key]);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

/** Validates the filter (bad ids or selectors are refused before the subscription starts). */
export function compilePodChangeFilter(organizationId: string, filter: PodChangedFilter | null | undefined): PodChangeMatcher {
  const clusterRowId = filter?.clusterId ? uuidFromGlobalId(filter.clusterId, 'Cluster', 'filter.clusterId') : null;
  let requirements: LabelRequirement[] = [];
  if (filter?.labelSelector) {
    try {
      requirements = parseLabelSelector(filter.labelSelector);
    } catch (err) {
      if (err instanceof LabelSelectorError) throw badInput(`Invalid filter.labelSelector: ${err.message}`, { argumentName: 'filter.labelSelector' });
      throw err;
    }
  }
  const namespace = filter?.namespace ?? null;
  const phases = filter?.phases && filter.phases.length > 0 ? new Set<string>(filter.phases) : null;
  const reasons = filter?.reasons && filter.reasons.length > 0 ? new Set(filter.reasons) : null;
  return {
    organizationId,
    clusterRowId,
    matches(pod) {
      if (namespace !== null && pod.namespaceName !== namespace) return false;
      if (phases && !phases.has(pod.phase)) return false;
      if (reasons) {
        const podReasons = [pod.reason, ...pod.containers.flatMap((c) => [c.reason, c.lastTerminationReason])];
        if (!podReasons.some((r) => r !== null && reasons.has(r))) return false;
      }
      return requirements.every((r) => matchesRequirement(pod.labels, r));
    },
  };
}
