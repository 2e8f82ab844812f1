import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { KubeConfig, type Cluster as KcCluster, type Context as KcContext, type User as KcUser } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { loadServiceAccountDir } from '../common/config.js';
import { withoutUrlCredentials } from '../common/formats.js';
import { redactSecrets } from '../common/logger.js';
import { ApiServerAddressGuard } from './api-server-address.js';
import { hasInClusterMarker, ServiceAccountToken } from './in-cluster.js';
import { apiError, KubeApiError, KubeconfigError, KubeTransportError, toTransportError } from './kube-client-errors.js';

export { KubeApiError, KubeconfigError, KubeTransportError, type TransportReason } from './kube-client-errors.js';

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** For getJson: the whole request; for watch: until the response headers arrive. */
  timeoutMs?: number;
}

export interface KubeClientOptions {
  /** Context to use; defaults to the kubeconfig's current-context. */
  context?: string;
  /** Addresses that may be contacted; defaults to the rule of this process's environment. */
  addressGuard?: ApiServerAddressGuard;
  /** Where an in-cluster registration's token is read from; defaults to KUBEGRAPH_SERVICE_ACCOUNT_DIR or the pod's. */
  serviceAccountDir?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('the operation was aborted');
  err.name = 'AbortError';
  return err;
}

/** The kubeconfig as a plain YAML mapping; errors give the position only. */
export function parseKubeconfigYaml(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    // js-yaml quotes the offending lines in its message; they may hold tokens, so report the position only.
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    throw new KubeconfigError(`kubeconfig is not valid YAML${where}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new KubeconfigError('kubeconfig must be a YAML mapping with clusters, users and contexts');
  }
  return doc as Record<string, unknown>;
}

/** The chosen context's cluster, user and context, validated; nothing else from the file is kept. */
function selectContext(text: string, context: string | undefined): { cluster: KcCluster; user: KcUser; context: KcContext; inCluster: boolean } {
  const doc = parseKubeconfigYaml(text);
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    // client-node's messages name the missing field (e.g. "clusters[0].cluster.server is missing").
    const message = err instanceof Error ? err.message : String(err);
    const safe = /^(clusters|users|contexts)\[\d+\][\w.]* is missing$/.test(message) ? message : 'an entry could not be read';
    throw new KubeconfigError(`kubeconfig is invalid: ${safe}`);
  }
  const contextNames = kc.getContexts().map((c) => c.name);
  const available = contextNames.length > 0 ? `available: ${contextNames.join(', ')}` : 'it defines no contexts';
  const name = context ?? kc.getCurrentContext();
  if (!name) throw new KubeconfigError(`kubeconfig has no current-context; choose a context (${available})`, 'context');
  const ctx = kc.getContextObject(name);
  if (!ctx) throw new KubeconfigError(`context "${name}" is not in the kubeconfig (${available})`, 'context');
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new KubeconfigError(`context "${name}" refers to cluster "${ctx.cluster}", which the kubeconfig does not define`);
  let user: KcUser;
  if (ctx.user) {
    const found = kc.getUser(ctx.user);
    if (!found) throw new KubeconfigError(`context "${name}" refers to user "${ctx.user}", which the kubeconfig does not define`);
    user = found;
  } else {
    user = { name: '' };
  }
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw new KubeconfigError(`cluster "${cluster.name}" has an invalid server URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeconfigError(`cluster "${cluster.name}" server must be an https:// URL (got ${url.protocol}//)`);
  }
  if (url.protocol === 'http:' && !cluster.skipTLSVerify) {
    // Same rule as client-node's own agent: plain HTTP only when TLS verification is explicitly off.
    throw new KubeconfigError(`cluster "${cluster.name}" uses an http:// server, which needs insecure-skip-tls-verify: true`);
  }
  const users = Array.isArray(doc.users) ? (doc.users as Array<{ name?: unknown; user?: unknown } | null>) : [];
  const inCluster = !!ctx.user && hasInClusterMarker(users.find((u) => u?.name === ctx.user)?.user);
  return { cluster, user, context: ctx, inCluster };
}

type AuthOptions = https.RequestOptions & { headers?: http.OutgoingHttpHeaders };

/**
 * A Kubernetes API client for one cluster. Authentication (bearer tokens, client certificates, CA data,
 * insecure-skip-tls-verify, exec plugins, auth providers) comes from client-node's KubeConfig, which re-runs
 * exec plugins when their credential expires; the transport is our own keep-alive agent, so requests reuse
 * TLS connections, and our own list/watch code sees raw status codes and NDJSON.
 *
 * Each client owns its own KubeConfig holding only the chosen context, so two clusters whose kubeconfigs
 * reuse user or context names never share cached credentials.
 */
export class KubeClient {
  /** The API server URL without any credentials it carried: safe to show, store and log. */
  readonly server: string;
  readonly contextName: string;
  /** Requests sent and connections opened for them; with keep-alive the second stays small. */
  readonly stats = { requests: 0, connections: 0 };
  private readonly kc: KubeConfig;
  private readonly sockets = new WeakSet<object>();
  private pendingAuth: Promise<AuthOptions> | undefined;
  private readonly base: URL;
  private readonly isHttps: boolean;
  private agent: http.Agent | undefined;
  private agentIdentity = '';
  private closed = false;
  private guard: ApiServerAddressGuard | undefined;

  private constructor(
    kc: KubeConfig,
    contextName: string,
    server: string,
    private readonly addressGuard: ApiServerAddressGuard | undefined,
    /** The service account token of an in-cluster registration, in place of credentials from the kubeconfig. */
    private readonly serviceAccountToken: ServiceAccountToken | undefined,
  ) {
    this.kc = kc;
    this.contextName = contextName;
    // Credentials in the server URL are used to connect (base) and appear nowhere else: not in errors, logs or storage.
    this.server = withoutUrlCredentials(server);
    this.base = new URL(server);
    this.isHttps = this.base.protocol === 'https:';
  }

  static fromKubeconfig(kubeconfig: string, opts: KubeClientOptions = {}): KubeClient {
    const { cluster, user, context, inCluster } = selectContext(kubeconfig, opts.context);
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: user.name ? [user] : [],
      contexts: [context],
      currentContext: context.name,
    });
    const token = inCluster ? new ServiceAccountToken(join(opts.serviceAccountDir ?? loadServiceAccountDir(), 'token')) : undefined;
    return new KubeClient(kc, context.name, cluster.server, opts.addressGuard, token);
  }

  /** GET a JSON document; non-2xx answers throw KubeApiError, transport failures KubeTransportError. */
  async getJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { res, cancel, timedOut } = await this.open(path, opts.signal, timeoutMs, true);
    try {
      const body = await readBody(res);
      if (res.statusCode! < 200 || res.statusCode! >= 300) throw apiError(res.statusCode!, body, 'GET', path);
      try {
        return JSON.parse(body) as T;
      } catch {
        throw new KubeApiError(`GET ${path} returned a body that is not JSON`, res.statusCode!, 'InvalidResponse', res.statusCode!);
      }
    } catch (err) {
      throw this.translate(err, opts.signal, timeoutMs, timedOut());
    } finally {
      cancel();
    }
  }

  /**
   * Stream a watch (the path carries `watch=1` and its query). Yields each NDJSON line as it arrives,
   * ends when the server ends the response cleanly, and throws on an HTTP error or a cut connection.
   * Breaking out of the loop or aborting the signal closes the connection.
   */
  async *watch<T = KubeObject>(path: string, opts: RequestOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { res, cancel, req } = await this.open(path, opts.signal, timeoutMs, false);
    try {
      if (res.statusCode! < 200 || res.statusCode! >= 300) {
        throw apiError(res.statusCode!, await readBody(res), 'GET', path);
      }
      const decoder = new StringDecoder('utf8');
      let pending = '';
      for await (const chunk of res as AsyncIterable<Buffer>) {
        pending += decoder.write(chunk);
        // Cut complete lines by index and keep only the unfinished tail: a chunk may carry many events.
        let start = 0;
        let newline = pending.indexOf('\n', start);
        while (newline >= 0) {
          const line = pending.slice(start, newline).trim();
          start = newline + 1;
          if (line.length > 0) yield parseEvent<T>(line, path);
          newline = pending.indexOf('\n', start);
        }
        pending = pending.slice(start);
      }
      // A response cut mid-body also ends the stream; only a complete one is a clean end.
      if (!res.complete) throw new KubeTransportError(`watch ${path} on ${this.server} was cut off`, 'ConnectionReset', 'ECONNRESET');
      const rest = (pending + decoder.end()).trim();
      if (rest.length > 0) yield parseEvent<T>(rest, path);
    } catch (err) {
      throw this.translate(err, opts.signal, timeoutMs);
    } finally {
      cancel();
      if (!res.complete) req.destroy();
    }
  }

  /** Closes every pooled connection; later requests fail. */
  close(): void {
    this.closed = true;
    this.agent?.destroy();
    this.agent = undefined;
  }

  private translate(err: unknown, signal: AbortSignal | undefined, timeoutMs: number, timedOut = false): unknown {
    if (err instanceof KubeApiError || err instanceof KubeconfigError) return err;
    if (signal?.aborted) return abortError(signal);
    if (timedOut || (err as Error)?.name === 'TimeoutError') {
      return new KubeTransportError(`no answer from ${this.server} within ${timeoutMs} ms`, 'Timeout', 'ETIMEDOUT');
    }
    return toTransportError(err, this.server);
  }

  /** Applies the kubeconfig's credentials; client-node caches exec credentials until they expire. */
  private async authOptions(): Promise<AuthOptions> {
    // Concurrent requests share one credential lookup: a reflector set starting up runs an exec plugin once.
    this.pendingAuth ??= this.loadAuthOptions().finally(() => {
      this.pendingAuth = undefined;
    });
    return this.pendingAuth;
  }

  private async loadAuthOptions(): Promise<AuthOptions> {
    const opts: AuthOptions = {};
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (err) {
      // Exec plugins report on stderr, which may echo credentials: keep only the first line, trimmed, and without
      // whatever in it looks like a credential.
      const first = redactSecrets((err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200));
      throw new KubeconfigError(
        `credentials for context "${this.contextName}" could not be obtained: ${first || 'the credential plugin failed'}`,
        'credentials',
      );
    }
    if (this.serviceAccountToken) {
      opts.headers = { ...(opts.headers as http.OutgoingHttpHeaders), Authorization: `Bearer ${await this.serviceAccountToken.current()}` };
    }
    return opts;
  }

  /** A keep-alive agent for the current TLS identity, rebuilt only when an exec plugin hands out a new client certificate. */
  private agentFor(opts: AuthOptions): http.Agent {
    if (this.kc.getCurrentCluster()?.proxyUrl) return opts.agent as http.Agent;
    const identity = createHash('sha256')
      .update(String(opts.cert ?? ''))
      .update('\0')
      .update(String(opts.key ?? ''))
      .digest('hex');
    if (!this.agent || identity !== this.agentIdentity) {
      const previous = this.agent;
      const common = { keepAlive: true, keepAliveMsecs: 15_000, maxSockets: 64, maxFreeSockets: 16, lookup: this.guard!.lookup };
      this.agent = this.isHttps
        ? new https.Agent({
            ...common,
            ca: opts.ca,
            cert: opts.cert,
            key: opts.key,
            pfx: opts.pfx,
            passphrase: opts.passphrase,
            servername: opts.servername,
            rejectUnauthorized: opts.rejectUnauthorized ?? true,
          })
        : new http.Agent(common);
      this.agentIdentity = identity;
      // Let requests in flight on the old agent finish; only its idle sockets go now.
      if (previous) setTimeout(() => previous.destroy(), 60_000).unref();
    }
    return this.agent;
  }

  private async open(
    path: string,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    wholeRequest: boolean,
  ): Promise<Opened> {
    if (this.closed) throw new KubeTransportError(`client for ${this.server} is closed`, 'NetworkError', undefined);
    if (signal?.aborted) throw abortError(signal);
    await this.checkAddress();
    const url = new URL(path, this.base);
    const opened = await this.sendWithAuth(url, signal, timeoutMs, wholeRequest);
    // A projected service account token is replaced in its file before it expires: on a 401, read it again and, if
    // it changed, retry once with the new one.
    if (opened.res.statusCode !== 401 || !this.serviceAccountToken) return opened;
    const changed = await this.serviceAccountToken.reload().catch((err: unknown) => {
      opened.cancel();
      opened.req.destroy();
      throw err;
    });
    if (!changed) return opened;
    opened.cancel();
    opened.req.destroy();
    return this.sendWithAuth(url, signal, timeoutMs, wholeRequest);
  }

  /** IP literals are checked here (no lookup happens for them), and everything before a proxy, which resolves names itself. */
  private async checkAddress(): Promise<void> {
    try {
      // Resolved on first use: a client built only to validate a kubeconfig never needs it.
      this.guard ??= this.addressGuard ?? ApiServerAddressGuard.fromEnvironment();
      const proxyUrl = this.kc.getCurrentCluster()?.proxyUrl;
      if (proxyUrl) {
        await this.guard.checkResolved(new URL(proxyUrl).hostname);
        await this.guard.checkResolved(this.base.hostname);
      } else {
        this.guard.checkHost(this.base.hostname);
      }
    } catch (err) {
      throw toTransportError(err, this.server);
    }
  }

  private async sendWithAuth(url: URL, signal: AbortSignal | undefined, timeoutMs: number, wholeRequest: boolean): Promise<Opened> {
    const auth = await this.authOptions();
    const headers: http.OutgoingHttpHeaders = { ...(auth.headers as http.OutgoingHttpHeaders), Accept: 'application/json' };
    if (auth.auth) headers.Authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    try {
      return await this.send(url, headers, auth, signal, timeoutMs, wholeRequest);
    } catch (err) {
      // A pooled connection the server already closed fails at once; like other HTTP clients, retry a GET once
      // on a fresh connection before calling the server unreachable.
      if (!(err instanceof StaleConnectionError)) throw err;
      return this.send(url, headers, auth, signal, timeoutMs, wholeRequest);
    }
  }

  private send(
    url: URL,
    headers: http.OutgoingHttpHeaders,
    auth: AuthOptions,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    wholeRequest: boolean,
  ): Promise<Opened> {
    const transport = this.isHttps ? https : http;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      let expired = false;
      const req = transport.request(url, { method: 'GET', headers, agent: this.agentFor(auth) });
      this.stats.requests += 1;
      req.once('socket', (socket) => {
        if (this.sockets.has(socket)) return;
        this.sockets.add(socket);
        this.stats.connections += 1;
      });
      const onAbort = () => req.destroy(abortError(signal!));
      const cancel = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        expired = true;
        const err = new Error('timeout');
        err.name = 'TimeoutError';
        req.destroy(err);
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        cancel();
        const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && !expired && !signal?.aborted;
        reject(stale ? new StaleConnectionError() : this.translate(err, signal, timeoutMs));
      });
      req.on('response', (res) => {
        settled = true;
        if (!wholeRequest && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
        resolve({ req, res, cancel, timedOut: () => expired });
      });
      req.end();
    });
  }
}

interface Opened {
  req: http.ClientRequest;
  res: http.IncomingMessage;
  cancel: () => void;
  timedOut: () => boolean;
}

class StaleConnectionError extends Error {}

function parseEvent<T>(line: string, path: string): WatchEvent<T> {
  try {
    return JSON.parse(line) as WatchEvent<T>;
  } catch {
    throw new KubeApiError(`watch ${path} sent a line that is not JSON`, 200, 'InvalidResponse', 200);
  }
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  if (!res.complete) throw Object.assign(new Error('response cut off'), { code: 'ECONNRESET' });
  return Buffer.concat(chunks).toString('utf8');
}
