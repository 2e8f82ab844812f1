import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { type ClusterController, SimulationError } from '../cluster-controller.js';
import { nodeReady } from '../status-transitions.js';
import type { ObjectStore } from '../object-store.js';
import type { SimChange } from '../sim-change.js';
import type { ProviderProfile } from '../provider-profiles.js';
import { pluralOf, RESOURCE_TYPES, type ResourceType } from '../resource-types.js';
import type { UsageModel } from '../metrics/usage-model.js';
import { serveMetrics } from '../metrics/metrics-api.js';
import { kubeletSummary } from '../metrics/summary-api.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { serveGet, serveList } from './list-handler.js';
import { negotiate } from './negotiation.js';
import { readBody, servesSubresource, serveWrite } from './write-handler.js';
import { servePodLog } from './pod-logs.js';
import { BadRequestError, parseListOptions } from './request-options.js';
import { notFound, sendJson, sendStatus } from './status.js';
import type { WatchHub } from './watch-hub.js';

export interface ApiServerDeps {
  store: ObjectStore;
  controller: ClusterController;
  usage: UsageModel;
  profile: ProviderProfile;
  watches: WatchHub;
  /** The current admin token (a rotated one replaces it). */
  token: () => string;
  /** Authenticates as `unprivilegedUser`, bound to no role: discovery only, 403 for everything else (as RBAC answers). */
  unprivilegedToken: string;
  unprivilegedUser: string;
  now: () => number;
  continueTokenTtlMs: number;
  /** Current injected error status, if any. */
  injectedError: () => 429 | 500 | 503 | undefined;
  /** `/_sim/*` admin requests (faults, ticks, changes); returns the JSON reply. */
  admin: (action: string, body: unknown) => Promise<unknown>;
  /** Applies a change made through the Kubernetes API (kubectl delete / scale). */
  apply: (change: SimChange) => Promise<void>;
  /** False: events.k8s.io is not served (absent from discovery, 404), as before Kubernetes 1.19. */
  eventsApi: boolean;
}

export class AdminError extends Error {}

const ANONYMOUS = new Set(['/version', '/healthz', '/livez', '/readyz']);

/** The simulated kube-apiserver's HTTP(S) front: auth, fault gate, routing. */
export class ApiServer {
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private listening = false;
  port = 0;

  constructor(private readonly deps: ApiServerDeps, tls?: { cert: string; key: string }) {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) sendStatus(res, 500, 'InternalError', `Internal error occurred: ${err.message}`);
        else res.destroy();
      });
    };
    this.server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
    this.server.keepAliveTimeout = 60_000;
    const track = (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    };
    this.server.on(tls ? 'secureConnection' : 'connection', track);
    if (tls) this.server.on('connection', track);
  }

  get isListening(): boolean {
    return this.listening;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.listening = true;
        const addr = this.server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : port;
        resolve(this.port);
      });
    });
  }

  /** Stops listening and cuts every connection, watches included. */
  close(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (path.startsWith('/_sim/')) return this.handleAdmin(req, res, path.slice('/_sim/'.length));

    const injected = this.deps.injectedError();
    if (injected) {
      const reason = injected === 429 ? 'TooManyRequests' : injected === 503 ? 'ServiceUnavailable' : 'InternalError';
      const message = injected === 429 ? 'Too many requests, please try again later.'
        : injected === 503 ? 'the server is currently unable to handle the request' : 'Internal error occurred: injected fault';
      return sendStatus(res, injected, reason, message, injected === 429 ? { retryAfterSeconds: 1 } : undefined, injected === 429 ? { 'Retry-After': '1' } : {});
    }

    if (ANONYMOUS.has(path)) {
      if (path === '/version') return sendJson(res, 200, versionInfo(this.deps.profile));
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('ok');
    }
    const identity = this.identify(req);
    if (!identity) return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
    const privileged = identity === 'admin';

    const seg = path.split('/').filter(Boolean);
    if (seg[0] === 'api') {
      if (seg.length === 1) return sendJson(res, 200, apiVersions(`127.0.0.1:${this.port}`));
      if (seg[1] === 'v1') return this.handleResources(req, res, '', 'v1', seg.slice(2), url.searchParams, privileged);
    } else if (seg[0] === 'apis') {
      if (!this.deps.eventsApi && seg[1] === 'events.k8s.io') return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
      if (seg.length === 1) return sendJson(res, 200, apiGroupList(this.deps.eventsApi));
      if (seg.length === 2) {
        const g = apiGroup(seg[1]);
        return g ? sendJson(res, 200, g) : sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
      }
      if (seg[1] === 'metrics.k8s.io' && seg[2] === 'v1beta1') {
        if (seg.length === 3) return sendJson(res, 200, apiResourceList('metrics.k8s.io', 'v1beta1'));
        if (!privileged) {
          const [resource = '', name] = seg[3] === 'namespaces' ? seg.slice(5) : seg.slice(3);
          return this.forbidden(req, res, { group: 'metrics.k8s.io', name: resource }, seg[3] === 'namespaces' ? seg[4] : undefined, name, url.searchParams);
        }
        return serveMetrics(this.metricsContext(), res, seg.slice(3), url.searchParams);
      }
      return this.handleResources(req, res, seg[1], seg[2], seg.slice(3), url.searchParams, privileged);
    }
    return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
  }

  private metricsContext() {
    return { store: this.deps.store, controller: this.deps.controller, usage: this.deps.usage, now: this.deps.now };
  }

  private identify(req: IncomingMessage): 'admin' | 'unprivileged' | undefined {
    const h = req.headers.authorization;
    const token = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
    if (token === this.deps.token()) return 'admin';
    return token === this.deps.unprivilegedToken ? 'unprivileged' : undefined;
  }

  /** kube-apiserver's RBAC refusal, naming the user, verb, resource and scope. */
  private forbidden(req: IncomingMessage, res: ServerResponse, resource: { group: string; name: string; plural?: string }, namespace: string | undefined, name: string | undefined, query: URLSearchParams): void {
    const watch = query.get('watch') === '1' || query.get('watch') === 'true';
    const verbs: Record<string, string> = { GET: name === undefined ? (watch ? 'watch' : 'list') : 'get', DELETE: 'delete', PATCH: 'patch', PUT: 'update', POST: 'create' };
    const verb = verbs[req.method ?? 'GET'] ?? 'get';
    const type = { group: resource.group, name: resource.plural ?? resource.name };
    const qualified = type.group ? `${type.name}.${type.group}` : type.name;
    const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
    sendStatus(
      res, 403, 'Forbidden',
      `${qualified}${name === undefined ? '' : ` "${name}"`} is forbidden: User "${this.deps.unprivilegedUser}" cannot ${verb} resource "${type.name}" in API group "${type.group}" ${scope}`,
      { name, group: type.group || undefined, kind: type.name },
    );
  }

  private async handleResources(req: IncomingMessage, res: ServerResponse, group: string, version: string, rest: string[], query: URLSearchParams, privileged: boolean): Promise<void> {
    if (rest.length === 0) {
      const list = apiResourceList(group, version);
      return list ? sendJson(res, 200, list) : sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    const find = (name: string) => RESOURCE_TYPES.find((t) => t.group === group && t.version === version && pluralOf(t) === name);
    let type: ResourceType | undefined;
    let namespace: string | undefined;
    let name: string | undefined;
    let sub: string[] = [];
    if (rest[0] === 'namespaces' && rest.length >= 3 && find(rest[2])?.namespaced) {
      namespace = rest[1];
      type = find(rest[2]);
      name = rest[3];
      sub = rest.slice(4);
    } else {
      type = find(rest[0]);
      if (type?.namespaced && rest.length > 1) type = undefined;
      name = rest[1];
      sub = rest.slice(2);
    }
    if (!type) return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (!privileged) return this.forbidden(req, res, type, namespace, name, query);

    if ((req.method !== 'GET' && req.method !== 'HEAD') || (sub.length > 0 && servesSubresource(type, sub[0]))) {
      return serveWrite(this.deps, req, res, type, namespace, name, sub);
    }
    if (sub.length) {
      if (type.name === 'nodes' && name && sub.join('/') === 'proxy/stats/summary') {
        const node = this.deps.store.get('nodes', name);
        if (!node) return notFound(res, type, name);
        if (!nodeReady(node.obj)) {
          const ip = node.obj.status.addresses.find((a: { type: string }) => a.type === 'InternalIP')?.address;
          return sendStatus(res, 503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${ip}:10250: connect: no route to host`);
        }
        return sendJson(res, 200, kubeletSummary(this.metricsContext(), node.obj));
      }
      if (type.name === 'pods' && name && namespace && sub.join('/') === 'log') {
        const pod = this.deps.store.get('pods', `${namespace}/${name}`);
        if (!pod) return notFound(res, type, name);
        return servePodLog(res, pod.obj, query, this.deps.now());
      }
      return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
    }

    let opts;
    try {
      opts = parseListOptions(query, type);
    } catch (err) {
      if (err instanceof BadRequestError) return sendStatus(res, 400, 'BadRequest', err.message);
      throw err;
    }
    const rep = negotiate(req.headers.accept, true);
    if (!rep) return sendStatus(res, 406, 'NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io`);

    if (name !== undefined) {
      if (opts.watch) {
        const other = opts.match;
        const objectName = name;
        return this.deps.watches.serve(res, type, namespace, { ...opts, match: (o) => o.metadata.name === objectName && (!other || other(o)) }, rep);
      }
      const stored = this.deps.store.get(type.name, namespace ? `${namespace}/${name}` : name);
      if (!stored) return notFound(res, type, name);
      return serveGet(res, stored, type, rep, opts.includeObject, this.deps.now());
    }
    if (opts.watch) return this.deps.watches.serve(res, type, namespace, opts, rep);
    return serveList({ store: this.deps.store, now: this.deps.now, continueTokenTtlMs: this.deps.continueTokenTtlMs }, res, type, namespace, opts, rep);
  }

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
    const identity = this.identify(req);
    if (!identity) return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
    if (identity !== 'admin') return sendStatus(res, 403, 'Forbidden', `User "${this.deps.unprivilegedUser}" may not use /_sim/${action}`);
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const text = await readBody(req);
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        return sendStatus(res, 400, 'BadRequest', `request body is not valid JSON: ${text.slice(0, 100)}`);
      }
    } else if (req.method !== 'GET') return sendStatus(res, 405, 'MethodNotAllowed', `${req.method} is not allowed on /_sim/${action}`);
    try {
      const reply = await this.deps.admin(action, body);
      sendJson(res, 200, reply ?? { ok: true });
    } catch (err) {
      if (err instanceof AdminError) return sendStatus(res, 400, 'BadRequest', err.message);
      if (err instanceof SimulationError) return sendStatus(res, 400, 'BadRequest', err.message);
      throw err;
    }
  }
}
