import { InitialSchema1764230400000 } from '../../migrations/1764230400000-initial-schema.js';
import { ClusterLeases1764316800000 } from '../../migrations/1764316800000-cluster-leases.js';
import { ReplicaKeys1764403200000 } from '../../migrations/1764403200000-replica-keys.js';
import { PodHealthCoveringIndex1764489600000 } from '../../migrations/1764489600000-pod-health-covering-index.js';
import { ClusterHealthPodsByPhase1764576000000 } from '../../migrations/1764576000000-cluster-health-pods-by-phase.js';
import { ApiServerUrlWithoutCredentials1764662400000 } from '../../migrations/1764662400000-api-server-url-without-credentials.js';
import { ChangeEventLog1764748800000 } from '../../migrations/1764748800000-change-event-log.js';
import { PodStatusMessage1764835200000 } from '../../migrations/1764835200000-pod-status-message.js';
import { KubernetesEvents1764838800000 } from '../../migrations/1764838800000-kubernetes-events.js';
import { Workloads1764842400000 } from '../../migrations/1764842400000-workloads.js';

/** Every migration, oldest first. A schema change is a new file appended here; committed ones never change. */
export const migrations = [
  InitialSchema1764230400000,
  ClusterLeases1764316800000,
  ReplicaKeys1764403200000,
  PodHealthCoveringIndex1764489600000,
  ClusterHealthPodsByPhase1764576000000,
  ApiServerUrlWithoutCredentials1764662400000,
  ChangeEventLog1764748800000,
  PodStatusMessage1764835200000,
  KubernetesEvents1764838800000,
  Workloads1764842400000,
];
