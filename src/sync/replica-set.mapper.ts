import { controllerOf, int, type Obj, str, stringMap, timestamp } from './k8s-fields.js';

export type ReplicaSetRow = {
  uid: string;
  namespace: string;
  name: string;
  resourceVersion: string | null;
  ownerKind: string | null;
  ownerName: string | null;
  ownerUid: string | null;
  /** The owning Deployment's uid: the link pods follow to their Deployment. */
  deploymentUid: string | null;
  revision: string | null;
  desiredReplicas: number;
  readyReplicas: number;
  labels: Record<string, string>;
  createdAt: string | null;
  deletedAt: string | null;
};

export function mapReplicaSet(obj: Obj): ReplicaSetRow {
  const owner = controllerOf(obj.metadata);
  return {
    uid: obj.metadata.uid,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    resourceVersion: str(obj.metadata.resourceVersion),
    ownerKind: owner?.kind ?? null,
    ownerName: owner?.name ?? null,
    ownerUid: owner?.uid ?? null,
    deploymentUid: owner?.kind === 'Deployment' ? owner.uid : null,
    revision: str(obj.metadata.annotations?.['deployment.kubernetes.io/revision']),
    desiredReplicas: int(obj.spec?.replicas, 1),
    readyReplicas: int(obj.status?.readyReplicas),
    labels: stringMap(obj.metadata?.labels),
    createdAt: timestamp(obj.metadata.creationTimestamp),
    deletedAt: null,
  };
}
