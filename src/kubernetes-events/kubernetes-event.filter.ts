import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { checkDateTimeArgument } from '../graphql/date-time-argument.js';
import { badInput } from '../graphql/errors.js';
import { idsCondition } from '../graphql/filter-sql.js';
import { OrderDirection } from '../graphql/order-direction.js';
import type { Ordering } from '../graphql/page-query.js';
import type { SqlParams } from '../graphql/sql-params.js';
import { KubernetesEventType } from './kubernetes-event.type.js';

@InputType({ description: 'Narrows a list of Kubernetes Events; every given field must match (AND). Expired Events (deleted by the cluster) are included.' })
export class KubernetesEventFilter {
  @Field(() => ID, { nullable: true, description: 'Only Events of this cluster (a Cluster id).' })
  clusterId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only Events written in the namespace with this name.' })
  namespace?: string | null;

  @Field(() => String, { nullable: true, description: 'Only Events with this reason, for example BackOff (exact, case-sensitive).' })
  reason?: string | null;

  @Field(() => KubernetesEventType, { nullable: true, description: 'Only NORMAL or only WARNING Events.' })
  type?: KubernetesEventType | null;

  @Field(() => String, { nullable: true, description: 'Only Events about objects of this kind, for example Pod.' })
  involvedKind?: string | null;

  @Field(() => String, { nullable: true, description: 'Only Events about objects with this name.' })
  involvedName?: string | null;

  @Field(() => String, { nullable: true, description: 'Only Events about the object with this Kubernetes uid.' })
  involvedUid?: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Only Events last seen at or after this time.' })
  since?: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Only Events last seen before this time.' })
  until?: Date | null;
}

export enum KubernetesEventOrderField {
  LAST_SEEN = 'LAST_SEEN',
  FIRST_SEEN = 'FIRST_SEEN',
  COUNT = 'COUNT',
}

registerEnumType(KubernetesEventOrderField, {
  name: 'KubernetesEventOrderField',
  description: 'What to sort Kubernetes Events by (ties are broken by last seen, then id).',
  valuesConfig: {
    LAST_SEEN: { description: 'When it last happened.' },
    FIRST_SEEN: { description: 'When it first happened.' },
    COUNT: { description: 'How many times it happened.' },
  },
});

@InputType({ description: 'Sort order of a list of Kubernetes Events.' })
export class KubernetesEventOrder {
  @Field(() => KubernetesEventOrderField, { description: 'Sort key.' })
  field: KubernetesEventOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Sort direction (default: newest or largest first).' })
  direction: OrderDirection;
}

const LAST = { expr: 'e.last_timestamp', type: 'timestamptz' } as const;
const EVENT_SORT: Record<KubernetesEventOrderField, Ordering['keys']> = {
  LAST_SEEN: [LAST],
  FIRST_SEEN: [{ expr: 'e.first_timestamp', type: 'timestamptz' }, LAST],
  COUNT: [{ expr: 'e.count', type: 'integer' }, LAST],
};

/** Newest first unless asked otherwise: what someone reading Events wants first. */
export function kubernetesEventOrdering(order: KubernetesEventOrder | null | undefined): Ordering {
  const field = order?.field ?? KubernetesEventOrderField.LAST_SEEN;
  const direction = order?.direction ?? OrderDirection.DESC;
  return {
    keys: [...EVENT_SORT[field], { expr: 'e.id', type: 'uuid' }],
    descending: direction === OrderDirection.DESC,
    tag: `kubernetes-event:${field}:${direction}`,
  };
}

const MAX_TEXT = 253;

function text(value: string, argName: string): string {
  if (value.length === 0 || value.length > MAX_TEXT) throw badInput(`Argument "${argName}" must be 1 to ${MAX_TEXT} characters`, { argumentName: argName });
  return value;
}

/** Conditions over `e` (k8s_events); the caller joins the organisation's clusters. */
export function kubernetesEventConditions(filter: KubernetesEventFilter | null | undefined, params: SqlParams, argName = 'filter'): string[] {
  const where: string[] = [];
  if (!filter) return where;
  if (filter.clusterId != null) where.push(idsCondition('e.cluster_id', [filter.clusterId], 'Cluster', `${argName}.clusterId`, params));
  const exact: Array<[keyof KubernetesEventFilter, string]> = [
    ['namespace', 'e.namespace'],
    ['reason', 'e.reason'],
    ['involvedKind', 'e.involved_kind'],
    ['involvedName', 'e.involved_name'],
    ['involvedUid', 'e.involved_uid'],
  ];
  for (const [field, column] of exact) {
    const value = filter[field] as string | null | undefined;
    if (value != null) where.push(`${column} = ${params.add(text(value, `${argName}.${field}`))}`);
  }
  if (filter.type != null) where.push(`e.type = ${params.add(filter.type)}`);
  if (filter.since != null) {
    checkDateTimeArgument(filter.since, `${argName}.since`);
    where.push(`e.last_timestamp >= ${params.add(filter.since)}::timestamptz`);
  }
  if (filter.until != null) {
    checkDateTimeArgument(filter.until, `${argName}.until`);
    if (filter.since != null && filter.since.getTime() > filter.until.getTime()) {
      throw badInput(`Argument "${argName}.since" must not be after "${argName}.until"`, { argumentName: `${argName}.since` });
    }
    where.push(`e.last_timestamp < ${params.add(filter.until)}::timestamptz`);
  }
  return where;
}
