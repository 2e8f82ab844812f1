import type DataLoader from 'dataloader';
import type { LoaderKit, NestedConnectionLoader } from '../graphql/connection-loader.js';
import { involvedObjectEventSource, kubernetesEventSource, nodeEventSource } from './kubernetes-event.source.js';
import type { KubernetesEvent } from './kubernetes-event.type.js';

/**
 * Tables of the kinds whose Events are looked up by involved object: the row's cluster and uid, and the kind, find
 * its Events. A kind stored one row per uid joins by adding its table here.
 */
const INVOLVED_OBJECT_TABLES: Record<string, string> = {
  Pod: 'k8s_pods',
  Deployment: 'k8s_deployments',
  ReplicaSet: 'k8s_replica_sets',
  PersistentVolumeClaim: 'k8s_persistent_volume_claims',
  StatefulSet: 'k8s_workloads',
  DaemonSet: 'k8s_workloads',
  Job: 'k8s_workloads',
  CronJob: 'k8s_workloads',
};

declare module '../graphql/context.js' {
  interface Loaders {
    kubernetesEvent: DataLoader<string, KubernetesEvent | null>;
    /** Events of one namespace row (by namespace_id). */
    kubernetesEventsOfNamespace: NestedConnectionLoader<KubernetesEvent>;
    /** Events of one node row (by the node's name). */
    kubernetesEventsOfNode: NestedConnectionLoader<KubernetesEvent>;
    /** Events of an object of `kind` (a key of INVOLVED_OBJECT_TABLES), keyed by the object's row id; one loader per kind. */
    kubernetesEventsOfObject: (kind: string) => NestedConnectionLoader<KubernetesEvent>;
  }
}

export function kubernetesEventLoaders(kit: LoaderKit) {
  const byKind = new Map<string, NestedConnectionLoader<KubernetesEvent>>();
  return {
    kubernetesEvent: kit.byId(kubernetesEventSource),
    kubernetesEventsOfNamespace: kit.nested(kubernetesEventSource, 'e.namespace_id'),
    kubernetesEventsOfNode: kit.nested(nodeEventSource, 'io.id'),
    kubernetesEventsOfObject: (kind: string): NestedConnectionLoader<KubernetesEvent> => {
      let loader = byKind.get(kind);
      if (!loader) {
        const table = INVOLVED_OBJECT_TABLES[kind];
        if (!table) throw new Error(`no table of involved objects of kind ${kind}`);
        loader = kit.nested(involvedObjectEventSource(table, kind), 'io.id');
        byKind.set(kind, loader);
      }
      return loader;
    },
  };
}
