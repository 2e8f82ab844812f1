import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../common/config.js';
import type { Readiness } from '../db/database-readiness.js';
import { logger, withLogContext } from '../common/logger.js';

const log = logger.child({ component: 'http' });

/** Attaches routes (GraphQL, GraphiQL, /metrics) and upgrade handlers (graphql-ws) to the server. */
export type Mount = (app: Express, httpServer: http.Server) => void | Promise<void>;

export interface HttpServer {
  app: Express;
  server: http.Server;
  mount(fn: Mount): Promise<void>;
  /** Listens on config.host:config.port; resolves with the base URL to print. */
  listen(): Promise<string>;
  /**
   * Stops accepting connections and resolves once every HTTP request in flight has been answered (or `graceMs` has
   * passed, when the connections still busy are cut). Upgraded connections (graphql-ws) are their owner's to close.
   */
  stopAccepting(graceMs?: number): Promise<void>;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts what is left. */
  close(graceMs?: number): Promise<void>;
}

/** The request id a client or a proxy in front sent, when it is one we can log and echo as it is. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Gives every request an id: the `x-request-id` it came with when sane, a new one otherwise. It is echoed in the
 * response header, and every line logged while the request is handled carries it (the body reader hands the body on
 * in the context the request began in).
 */
function requestIds(req: Request, res: Response, next: NextFunction): void {
  const sent = req.headers['x-request-id'];
  const requestId = typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  withLogContext({ requestId }, () => {
    const started = performance.now();
    // Taken now, before routers rewrite it; without the query string, which may carry anything.
    const path = req.path;
    res.once('close', () => {
      log.debug({ method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    next();
  });
}

/**
 * The express app and its http.Server. `/healthz` answers while the process runs; `/readyz` answers
 * 200 only when `readiness` says so, 503 with the reason otherwise.
 */
export function createHttpServer(opts: { config: Config; readiness: Readiness; mount?: Mount }): HttpServer {
  const { config, readiness } = opts;
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);
  /** Responses not yet finished, so that a shutdown can wait for them and ask their connections to close. */
  const inFlight = new Set<Response>();
  let drained: (() => void) | undefined;
  let stopping = false;
  let closing: Promise<void> | undefined;
  /** Stops listening; resolves once every connection, upgraded ones included, has ended. */
  const closeServer = (): Promise<void> => (closing ??= new Promise<void>((resolve) => server.close(() => resolve())));

  app.use(requestIds);
  app.use((_req, res, next) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) drained?.();
    });
    // No keep-alive once stopping: the client's next request opens a connection, to a replica still serving.
    if (stopping) res.setHeader('Connection', 'close');
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await readiness.check();
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', ...report });
  });

  let mounted: Promise<void> = Promise.resolve();
  const handle: HttpServer = {
    app,
    server,
    async mount(fn) {
      await fn(app, server);
    },
    async listen() {
      await mounted;
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          reject(
            err.code === 'EADDRINUSE'
              ? new Error(`port ${config.port} on ${config.host} is already in use; choose a free one with --port or PORT`)
              : new Error(`cannot listen on ${config.host}:${config.port}: ${err.message}`),
          );
        };
        server.once('error', onError);
        server.listen(config.port, config.host, () => {
          server.off('error', onError);
          const { port } = server.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
          const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
          log.info({ url }, 'listening');
          resolve(url);
        });
      });
    },
    async stopAccepting(graceMs = 5000) {
      stopping = true;
      if (server.listening) void closeServer();
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      server.closeIdleConnections();
      if (inFlight.size === 0) return;
      log.info({ requests: inFlight.size }, 'waiting for requests in flight');
      const timer = setTimeout(() => {
        log.warn({ requests: inFlight.size }, 'requests still in flight past the grace period; closing their connections');
        server.closeAllConnections();
      }, graceMs);
      await new Promise<void>((resolve) => (drained = resolve));
      clearTimeout(timer);
    },
    async close(graceMs = 5000) {
      if (!server.listening && !closing) return;
      const closed = closeServer();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
  // A mount given here is applied before listen() resolves (and its failure fails listen()).
  if (opts.mount) mounted = handle.mount(opts.mount);
  return handle;
}
