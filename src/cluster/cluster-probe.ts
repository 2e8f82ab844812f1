import { performance } from 'node:perf_hooks';
import { ClusterRegistrationError } from './cluster-registration.error.js';
import { KubeApiError, KubeTransportError, type KubeClient } from './kube-client.js';
import { detectProvider, type ClusterProvider } from './provider-detection.js';

export interface ProbeResult {
  gitVersion: string | null;
  provider: ClusterProvider;
  latencyMs: number;
}

interface VersionInfo {
  gitVersion?: string;
}

interface NodeList {
  items?: Array<{
    spec?: { providerID?: string };
    metadata?: { labels?: Record<string, string> };
    status?: { nodeInfo?: { osImage?: string } };
  }>;
}

/** Turns a failed request into the registration error for its cause, naming the server and never the credentials. */
function classify(err: unknown, server: string, what: string): ClusterRegistrationError {
  if (err instanceof KubeTransportError) {
    if (err.reason === 'AddressNotAllowed') return new ClusterRegistrationError(err.message, 'ADDRESS_NOT_ALLOWED');
    const reason = err.reason === 'TLSError' ? 'TLS_FAILURE' : 'UNREACHABLE';
    const prefix = reason === 'UNREACHABLE' ? `the API server at ${server} is unreachable: ` : '';
    return new ClusterRegistrationError(`${prefix}${err.message}`, reason);
  }
  if (err instanceof KubeApiError) {
    if (err.status === 401) {
      return new ClusterRegistrationError(
        `the API server at ${server} rejected the credentials (HTTP 401 Unauthorized): the token or client certificate is not valid there`,
        'UNAUTHORIZED',
      );
    }
    if (err.status === 403) {
      return new ClusterRegistrationError(
        `the API server at ${server} accepted the credentials but refused to let them ${what} (HTTP 403 Forbidden); kubegraph needs get, list and watch on the resources it inventories`,
        'FORBIDDEN',
      );
    }
    return new ClusterRegistrationError(`the API server at ${server} answered with an error while trying to ${what}: ${err.message}`, 'API_ERROR');
  }
  throw err;
}

/**
 * Contacts the cluster before anything is stored: `/version` (reachability, TLS, authentication), then one
 * node and one pod (the permissions the sync needs, and the node's providerID for provider detection).
 */
export async function probeCluster(client: KubeClient, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  let version: VersionInfo;
  try {
    version = await client.getJson<VersionInfo>('/version', { timeoutMs });
  } catch (err) {
    throw classify(err, client.server, 'read /version');
  }
  const latencyMs = Math.round(performance.now() - started);
  let nodes: NodeList;
  try {
    nodes = await client.getJson<NodeList>('/api/v1/nodes?limit=1', { timeoutMs });
    await client.getJson('/api/v1/pods?limit=1', { timeoutMs });
  } catch (err) {
    throw classify(err, client.server, 'list nodes and pods cluster-wide');
  }
  const node = nodes.items?.[0];
  const provider = detectProvider({
    serverUrl: client.server,
    gitVersion: version.gitVersion,
    node: node
      ? {
          providerID: node.spec?.providerID,
          labels: node.metadata?.labels,
          osImage: node.status?.nodeInfo?.osImage,
        }
      : null,
  });
  return { gitVersion: version.gitVersion ?? null, provider, latencyMs };
}
