import type { ClusterProvider } from '../db/entities/cluster.entity.js';

export type { ClusterProvider };

/** What the API server tells about itself: its URL, `/version`, and one node (when nodes may be listed). */
export interface ProviderSignals {
  serverUrl: string;
  gitVersion: string | undefined;
  /** The first node; null when the cluster has none, undefined when it was not looked at (then a plain version proves nothing). */
  node:
    | {
        providerID?: string;
        labels?: Record<string, string>;
        osImage?: string;
      }
    | null
    | undefined;
}

/**
 * Distribution markers, most specific first. OpenShift comes before EKS/AKS/GKE because it runs on their
 * machines and its nodes carry their providerIDs.
 */
export function detectProvider(signals: ProviderSignals): ClusterProvider {
  const version = signals.gitVersion ?? '';
  const host = hostOf(signals.serverUrl);
  const node = signals.node ?? undefined;
  const providerId = node?.providerID ?? '';
  const labelKeys = Object.keys(node?.labels ?? {});

  if (
    labelKeys.some((k) => k.startsWith('node.openshift.io/')) ||
    /red hat enterprise linux coreos/i.test(node?.osImage ?? '') ||
    host.endsWith('.openshiftapps.com')
  ) {
    return 'openshift';
  }
  if (/\+k3s\d*/.test(version) || providerId.startsWith('k3s://')) return 'k3s';
  if (providerId.startsWith('kind://')) return 'kind';
  if (/-eks-/.test(version) || host.endsWith('.eks.amazonaws.com') || providerId.startsWith('aws://')) return 'eks';
  if (/-gke\./.test(version) || providerId.startsWith('gce://')) return 'gke';
  if (host.endsWith('.azmk8s.io') || providerId.startsWith('azure://')) return 'aks';
  if (!version) return 'unknown';
  // A plain upstream version with an unseen node could still be AKS (whose versions carry no marker).
  return signals.node === undefined ? 'unknown' : 'vanilla';
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}
