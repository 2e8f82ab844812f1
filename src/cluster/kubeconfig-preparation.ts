import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { hasInClusterMarker, IN_CLUSTER_EXTENSION } from './in-cluster.js';
import { KubeClient, KubeconfigError, parseKubeconfigYaml } from './kube-client.js';

export interface PrepareOptions {
  context?: string;
  /**
   * Whether the kubeconfig may run commands (exec plugins, auth-provider cmd-path) and read files on this
   * host. True for the CLI, run by whoever operates the server; false for the API, where a caller must not
   * be able to execute programs or read files through a kubeconfig.
   */
  localCredentials: boolean;
  /** Directory that relative file references are resolved against (the kubeconfig file's own). */
  baseDir?: string;
}

export interface PreparedKubeconfig {
  /** Self-contained YAML holding only the chosen context, its cluster and user, with file references inlined. */
  kubeconfig: string;
  contextName: string;
  server: string;
}

type Entry = { name?: unknown; [k: string]: unknown };
type Fields = Record<string, unknown>;

const FILE_FIELDS: ReadonlyArray<{ section: 'cluster' | 'user'; file: string; data: string; encode: 'base64' | 'text' }> = [
  { section: 'cluster', file: 'certificate-authority', data: 'certificate-authority-data', encode: 'base64' },
  { section: 'user', file: 'client-certificate', data: 'client-certificate-data', encode: 'base64' },
  { section: 'user', file: 'client-key', data: 'client-key-data', encode: 'base64' },
  { section: 'user', file: 'token-file', data: 'token', encode: 'text' },
];

function entries(doc: Fields, key: string): Entry[] {
  const list = doc[key];
  return Array.isArray(list) ? list.filter((e): e is Entry => e !== null && typeof e === 'object') : [];
}

function asFields(value: unknown): Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Fields) } : {};
}

function fieldsOf(entry: Entry | undefined, key: string): Fields {
  return asFields(entry?.[key]);
}

/**
 * Reduces a kubeconfig to what one cluster needs, as `kubectl config view --minify --flatten` would: the chosen
 * context, its cluster and its user, with referenced files read in. Stored kubeconfigs are therefore
 * self-contained (any replica can use them) and carry no other cluster's credentials.
 */
export function prepareKubeconfig(text: string, opts: PrepareOptions): PreparedKubeconfig {
  const doc = parseKubeconfigYaml(text);
  const contextName = opts.context ?? (typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined);
  const contextEntry = entries(doc, 'contexts').find((c) => c.name === contextName);
  const context = fieldsOf(contextEntry, 'context');
  const clusterEntry = entries(doc, 'clusters').find((c) => c.name === context.cluster);
  const userEntry = context.user === undefined ? undefined : entries(doc, 'users').find((u) => u.name === context.user);

  if (contextEntry && clusterEntry && (context.user === undefined || userEntry)) {
    const cluster = fieldsOf(clusterEntry, 'cluster');
    const user = fieldsOf(userEntry, 'user');
    refuseUrlCredentials(String(clusterEntry.name), cluster.server);
    if (hasInClusterMarker(user)) {
      throw new KubeconfigError(`user "${String(userEntry?.name)}" carries the ${IN_CLUSTER_EXTENSION} extension, which only \`kubegraph cluster add --in-cluster\` sets`, 'policy');
    }
    if (!opts.localCredentials) refuseLocalCredentials(String(clusterEntry.name), cluster, String(userEntry?.name ?? ''), user);
    else inlineFiles(String(clusterEntry.name), cluster, String(userEntry?.name ?? ''), user, opts.baseDir ?? process.cwd());
    const minified = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: clusterEntry.name, cluster }],
      users: userEntry ? [{ name: userEntry.name, user }] : [],
      contexts: [{ name: contextEntry.name, context }],
      'current-context': contextEntry.name,
    };
    const kubeconfig = yaml.dump(minified, { lineWidth: -1, noRefs: true });
    // Full validation (and the canonical error for anything still wrong) by the client that will use it.
    const client = KubeClient.fromKubeconfig(kubeconfig);
    client.close();
    return { kubeconfig, contextName: client.contextName, server: client.server };
  }
  // Something is missing: let the client name it exactly (no context, unknown context, dangling reference).
  KubeClient.fromKubeconfig(text, { context: opts.context }).close();
  throw new KubeconfigError('kubeconfig is invalid: the context, its cluster or its user could not be read');
}

/** Refused rather than stripped: a URL's user info would travel wherever the URL is shown, logged or stored. */
function refuseUrlCredentials(clusterName: string, server: unknown): void {
  if (typeof server !== 'string') return;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return;
  }
  if (url.username || url.password) {
    throw new KubeconfigError(
      `cluster "${clusterName}" has a user name or password in its server URL; credentials belong in the kubeconfig's user section (token, client certificate, or username and password)`,
      'url-credentials',
    );
  }
}

function refuseLocalCredentials(clusterName: string, cluster: Fields, userName: string, user: Fields): void {
  const viaCli = 'register it with `kubegraph cluster add` on the server instead';
  if (user.exec !== undefined && user.exec !== null) {
    throw new KubeconfigError(`user "${userName}" uses an exec credential plugin, which would run a command on the server; ${viaCli}`, 'policy');
  }
  const providerConfig = asFields(asFields(user['auth-provider']).config);
  if (providerConfig['cmd-path'] !== undefined || providerConfig.exec !== undefined) {
    throw new KubeconfigError(`user "${userName}" uses an auth-provider that runs a command on the server; ${viaCli}`, 'policy');
  }
  // client-node reads the token of any auth-provider with a tokenFile from that file on this host.
  if (providerConfig.tokenFile !== undefined) {
    throw new KubeconfigError(`user "${userName}" uses an auth-provider that reads a local file (tokenFile); embed the token instead`, 'policy');
  }
  for (const f of FILE_FIELDS) {
    const section = f.section === 'cluster' ? cluster : user;
    if (section[f.file] !== undefined && section[f.file] !== null) {
      const owner = f.section === 'cluster' ? `cluster "${clusterName}"` : `user "${userName}"`;
      throw new KubeconfigError(
        `${owner} refers to a local file (${f.file}); embed it as ${f.data} instead (\`kubectl config view --minify --flatten\` does this)`,
        'policy',
      );
    }
  }
}

function inlineFiles(clusterName: string, cluster: Fields, userName: string, user: Fields, baseDir: string): void {
  for (const f of FILE_FIELDS) {
    const section = f.section === 'cluster' ? cluster : user;
    const ref = section[f.file];
    if (typeof ref !== 'string' || ref.length === 0) continue;
    const file = path.resolve(baseDir, ref);
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch (err) {
      const owner = f.section === 'cluster' ? `cluster "${clusterName}"` : `user "${userName}"`;
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new KubeconfigError(`${owner}: cannot read ${f.file} file ${file} (${code})`, 'invalid');
    }
    section[f.data] = f.encode === 'base64' ? content.toString('base64') : content.toString('utf8').trim();
    delete section[f.file];
  }
}
