import { int, type Obj, str, timestamp } from './k8s-fields.js';

export type KubernetesEventRow = {
  uid: string;
  namespace: string;
  name: string;
  resourceVersion: string | null;
  reason: string | null;
  type: string | null;
  note: string | null;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  involvedKind: string | null;
  involvedName: string | null;
  involvedNamespace: string | null;
  involvedUid: string | null;
  reportingController: string | null;
  reportingInstance: string | null;
  action: string | null;
  createdAt: string;
  deletedAt: string | null;
};

/**
 * One Event as events.k8s.io/v1 serves it (`regarding`, `note`, `series`, `deprecated*`) or as core v1 does
 * (`involvedObject`, `message`, `count`, `firstTimestamp`/`lastTimestamp`, `source`). Either API may carry an Event
 * written through the other: one recorded with `eventTime` and a `series` (the scheduler) has no core count or
 * timestamps, one recorded with a count (the kubelet) has no series, so each field falls back across both spellings.
 */
export function mapKubernetesEvent(obj: Obj): KubernetesEventRow {
  const meta = obj.metadata;
  const created = timestamp(meta.creationTimestamp);
  const first = timestamp(obj.eventTime) ?? timestamp(obj.firstTimestamp) ?? timestamp(obj.deprecatedFirstTimestamp) ?? created;
  // The partition key: without a creation time the row would land in a new place at each update.
  if (!created || !first) throw new Error(`Event ${meta.namespace}/${meta.name} has no creationTimestamp`);
  const last = timestamp(obj.series?.lastObservedTime) ?? timestamp(obj.lastTimestamp) ?? timestamp(obj.deprecatedLastTimestamp) ?? first;
  const regarding: Obj = obj.regarding ?? obj.involvedObject ?? {};
  const source: Obj = obj.deprecatedSource ?? obj.source ?? {};
  return {
    uid: meta.uid,
    namespace: meta.namespace,
    name: meta.name,
    resourceVersion: str(meta.resourceVersion),
    reason: str(obj.reason),
    type: str(obj.type),
    note: str(obj.note) ?? str(obj.message),
    count: Math.max(1, int(obj.series?.count, 0) || int(obj.count, 0) || int(obj.deprecatedCount, 1)),
    firstTimestamp: first,
    lastTimestamp: last,
    involvedKind: str(regarding.kind),
    involvedName: str(regarding.name),
    involvedNamespace: str(regarding.namespace),
    involvedUid: str(regarding.uid),
    reportingController: str(obj.reportingController) ?? str(obj.reportingComponent) ?? str(source.component),
    reportingInstance: str(obj.reportingInstance) ?? str(source.host),
    action: str(obj.action),
    createdAt: created,
    deletedAt: null,
  };
}
