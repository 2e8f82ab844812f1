import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Config } from '../common/config.js';
import type { Readiness } from '../db/database-readiness.js';
import { logger } from '../common/logger.js';

const log = logger.child({ component: 'http' });

/** Attaches routes (GraphQL, GraphiQL, /metrics) and upgrade handlers (graphql-ws) to the server. */
export type Mount = (app: Express, httpServer: http.Server) => void | Promise<void>;

export interface HttpServer {
  app: Express;
  server: http.Server;
  mount(fn: Mount): Promise<void>;
  /** Listens on config.host:config.port; resolves with the base URL to print. */
  listen(): Promise<string>;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts what is left. */
  close(graceMs?: number): Promise<void>;
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
    async close(graceMs = 5000) {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
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
