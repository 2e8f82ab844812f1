/** Where Kubernetes Events are read from, and how a row becomes a KubernetesEvent. */
import { toGlobalId } from '../graphql/relay/index.js';
import type { Row, RowSource } from '../graphql/row-source.js';
import { InvolvedObject, KubernetesEvent, KubernetesEventType } from './kubernetes-event.type.js';

const TYPES = new Set<string>(Object.values(KubernetesEventType));

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function toKubernetesEvent(r: Row): KubernetesEvent {
  const e = new KubernetesEvent();
  e.id = toGlobalId('KubernetesEvent', r.id as string);
  e.rowId = r.id as string;
  e.clusterRowId = r.cluster_id as string;
  e.namespaceRowId = str(r.namespace_id);
  e.uid = r.uid as string;
  e.name = r.name as string;
  e.namespaceName = r.namespace as string;
  e.reason = str(r.reason);
  e.type = TYPES.has(r.type as string) ? (r.type as KubernetesEventType) : null;
  e.message = str(r.note);
  e.count = r.count as number;
  e.firstSeen = r.first_timestamp as Date;
  e.lastSeen = r.last_timestamp as Date;
  const involved = new InvolvedObject();
  involved.kind = str(r.involved_kind);
  involved.name = str(r.involved_name);
  involved.namespace = str(r.involved_namespace);
  involved.uid = str(r.involved_uid);
  e.involvedObject = involved;
  e.reportingController = str(r.reporting_controller);
  e.reportingInstance = str(r.reporting_instance);
  e.action = str(r.action);
  e.expiredAt = (r.deleted_at as Date | null) ?? null;
  return e;
}

export const kubernetesEventSource: RowSource<KubernetesEvent> = { table: 'k8s_events', alias: 'e', key: ['id', 'created_at'], select: 'e.*', map: toKubernetesEvent };

/**
 * Events of objects stored one row per uid in `table`: the nested connection's parent is that row's id, joined to
 * the Events whose involved object has its kind and uid in its cluster. Any kind with such a table gets its Events
 * this way (a workload's, for instance).
 */
export function involvedObjectEventSource(table: string, kind: string): RowSource<KubernetesEvent> {
  // Both are written into the SQL: code names them, never a client.
  if (!/^[a-z0-9_]+$/.test(table) || !/^[A-Za-z]+$/.test(kind)) throw new Error(`not a table and kind: ${table}, ${kind}`);
  return {
    ...kubernetesEventSource,
    joins: `JOIN ${table} io ON io.cluster_id = e.cluster_id AND io.uid = e.involved_uid AND e.involved_kind = '${kind}'`,
  };
}

/** A kubelet names its node as the uid of the node's Events, so nodes are matched by name. */
export const nodeEventSource: RowSource<KubernetesEvent> = {
  ...kubernetesEventSource,
  joins: `JOIN k8s_nodes io ON io.cluster_id = e.cluster_id AND e.involved_kind = 'Node' AND e.involved_name = io.name`,
};
