import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { KubeconfigError } from './kube-client-errors.js';

/**
 * Marks the user of a stored kubeconfig whose credential is this process's service account token, read from its
 * file at connection time. Only kubegraph writes it (see {@link inClusterKubeconfig}); a kubeconfig given by anyone
 * is refused when it carries it, so nobody can have the server send its own token elsewhere.
 */
export const IN_CLUSTER_EXTENSION = 'kubegraph.io/in-cluster';

export const IN_CLUSTER_CONTEXT = 'in-cluster';

/** How long a token read from its file is used before the file is read again (client-go re-reads every minute). */
const TOKEN_MAX_AGE_MS = 60_000;

type Env = Record<string, string | undefined>;

export interface InClusterEnvironment {
  server: string;
  /** PEM of the cluster's CA (not secret; stored, so a replica in another cluster cannot pass for this one). */
  caCert: string;
  /** The pod's namespace, when the service account directory has it. */
  namespace: string | undefined;
}

/** The API server, CA and namespace of the pod this process runs in; a missing piece is named. */
export function readInClusterEnvironment(env: Env, serviceAccountDir: string): InClusterEnvironment {
  const host = env.KUBERNETES_SERVICE_HOST?.trim();
  const port = env.KUBERNETES_SERVICE_PORT?.trim();
  if (!host || !port) {
    throw new KubeconfigError('not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set', 'context');
  }
  const read = (file: string): string => {
    const full = path.join(serviceAccountDir, file);
    try {
      return readFileSync(full, 'utf8');
    } catch (err) {
      throw new KubeconfigError(`cannot read the service account's ${file} at ${full} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, 'credentials');
    }
  };
  const caCert = read('ca.crt');
  // Read now only to fail early with a clear message; the token itself is never stored.
  if (read('token').trim().length === 0) throw new KubeconfigError(`the service account token at ${path.join(serviceAccountDir, 'token')} is empty`, 'credentials');
  let namespace: string | undefined;
  try {
    namespace = readFileSync(path.join(serviceAccountDir, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    namespace = undefined;
  }
  return { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, caCert, namespace };
}

/** The stored form of an in-cluster registration: server and CA, and a user holding only the in-cluster marker. */
export function inClusterKubeconfig(environment: InClusterEnvironment): string {
  return yaml.dump(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: IN_CLUSTER_CONTEXT, cluster: { server: environment.server, 'certificate-authority-data': Buffer.from(environment.caCert).toString('base64') } }],
      users: [{ name: IN_CLUSTER_CONTEXT, user: { extensions: [{ name: IN_CLUSTER_EXTENSION, extension: { namespace: environment.namespace ?? null } }] } }],
      contexts: [{ name: IN_CLUSTER_CONTEXT, context: { cluster: IN_CLUSTER_CONTEXT, user: IN_CLUSTER_CONTEXT } }],
      'current-context': IN_CLUSTER_CONTEXT,
    },
    { lineWidth: -1, noRefs: true },
  );
}

/** Whether a kubeconfig user section (as parsed YAML) carries the in-cluster marker. */
export function hasInClusterMarker(user: unknown): boolean {
  const extensions = (user as { extensions?: unknown } | null)?.extensions;
  return Array.isArray(extensions) && extensions.some((e) => (e as { name?: unknown } | null)?.name === IN_CLUSTER_EXTENSION);
}

/**
 * The pod's projected service account token, read from its file: again once it is a minute old, and at once when
 * the API server refuses it ({@link reload}), since the kubelet replaces the file well before the token expires.
 */
export class ServiceAccountToken {
  private value: string | undefined;
  private readAt = 0;

  constructor(readonly file: string) {}

  async current(): Promise<string> {
    if (this.value === undefined || Date.now() - this.readAt > TOKEN_MAX_AGE_MS) await this.reload();
    return this.value!;
  }

  /** Reads the file again; returns whether the token changed. */
  async reload(): Promise<boolean> {
    let text: string;
    try {
      text = (await readFile(this.file, 'utf8')).trim();
    } catch (err) {
      throw new KubeconfigError(`cannot read the service account token at ${this.file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, 'credentials');
    }
    if (text.length === 0) throw new KubeconfigError(`the service account token at ${this.file} is empty`, 'credentials');
    const changed = text !== this.value;
    this.value = text;
    this.readAt = Date.now();
    return changed;
  }
}
