import { firstLabel, type Obj, str, stringMap, timestamp } from './k8s-fields.js';

export interface NamespaceLabelKeys {
  teamLabelKeys: readonly string[];
  costCenterLabelKeys: readonly string[];
}

export type NamespaceRow = {
  uid: string;
  name: string;
  resourceVersion: string | null;
  phase: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  team: string | null;
  costCenter: string | null;
  createdAt: string | null;
  deletedAt: string | null;
};

/** Team and cost centre come from namespace labels whose keys are configurable. */
export function mapNamespace(obj: Obj, keys: NamespaceLabelKeys): NamespaceRow {
  const labels = stringMap(obj.metadata?.labels);
  return {
    uid: obj.metadata.uid,
    name: obj.metadata.name,
    resourceVersion: str(obj.metadata.resourceVersion),
    phase: str(obj.status?.phase),
    labels,
    annotations: stringMap(obj.metadata?.annotations),
    team: firstLabel(labels, keys.teamLabelKeys),
    costCenter: firstLabel(labels, keys.costCenterLabelKeys),
    createdAt: timestamp(obj.metadata.creationTimestamp),
    deletedAt: null,
  };
}
