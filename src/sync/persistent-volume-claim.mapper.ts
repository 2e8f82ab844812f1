import { byteCount, type Obj, str, stringMap, timestamp } from './k8s-fields.js';

export type PersistentVolumeClaimRow = {
  uid: string;
  namespace: string;
  name: string;
  resourceVersion: string | null;
  storageClass: string | null;
  phase: string | null;
  volumeName: string | null;
  accessModes: string[];
  capacityBytes: number | null;
  requestedBytes: number | null;
  labels: Record<string, string>;
  createdAt: string | null;
  deletedAt: string | null;
};

export function mapPersistentVolumeClaim(obj: Obj): PersistentVolumeClaimRow {
  const where = `persistentvolumeclaim ${obj.metadata.namespace}/${obj.metadata.name}`;
  return {
    uid: obj.metadata.uid,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    resourceVersion: str(obj.metadata.resourceVersion),
    storageClass: str(obj.spec?.storageClassName),
    phase: str(obj.status?.phase),
    volumeName: str(obj.spec?.volumeName),
    accessModes: Array.isArray(obj.status?.accessModes ?? obj.spec?.accessModes)
      ? (obj.status?.accessModes ?? obj.spec?.accessModes).map(String)
      : [],
    capacityBytes: byteCount(obj.status?.capacity?.storage, `${where} status.capacity.storage`),
    requestedBytes: byteCount(obj.spec?.resources?.requests?.storage, `${where} spec.resources.requests.storage`),
    labels: stringMap(obj.metadata?.labels),
    createdAt: timestamp(obj.metadata.creationTimestamp),
    deletedAt: null,
  };
}
