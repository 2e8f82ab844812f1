/** Kinds of inventory object whose changes are published after they are committed. */
export type ChangeKind =
  | 'Cluster'
  | 'Namespace'
  | 'Node'
  | 'Deployment'
  | 'ReplicaSet'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'Job'
  | 'CronJob'
  | 'Pod'
  | 'HelmRelease'
  | 'PersistentVolumeClaim';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One object that changed in one committed batch. */
export interface ChangeEvent {
  organizationId: string;
  clusterId: string;
  kind: ChangeKind;
  type: ChangeType;
  namespace: string | null;
  name: string;
  uid: string;
  /** Database columns whose values changed (empty for ADDED/DELETED). */
  changedFields: string[];
  /** The row's state after the change, as stored (column names in camelCase). */
  state: Record<string, unknown>;
  /** When the batch committed. */
  committedAt: Date;
  /** Position in the change log (commit order); set once the event is written there. */
  seq?: number;
}
