import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../common/config.js';
import { registerPartitionMetrics, registerPoolMetrics } from '../db/database-metrics.js';
import { DatabaseReadiness } from '../db/database-readiness.js';
import { type OpenDatabase, openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migration-runner.js';
import { PartitionMaintainer } from '../db/partition-maintenance.js';
import { ChangeLogPruner } from '../events/change-log-pruner.js';
import type { EventBus } from '../events/event-bus.js';
import { sharedEventBus } from '../events/shared-event-bus.js';
import { logger } from '../common/logger.js';
import { clusterComponent } from './cluster.component.js';
import { costComponent } from './cost.component.js';
import type { Services } from '../graphql/context.js';
import { graphqlComponent } from './graphql.component.js';
import { createHttpServer, type HttpServer } from './http-server.js';
import { createMetricsRegistry, metricsRoute } from './metrics-registry.js';

const log = logger.child({ component: 'serve' });

/** Something serve starts after the database is ready and stops, in reverse order, on shutdown. */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What every component can build on. */
export interface ServeContext {
  config: Config;
  /** `serve --demo`: register a simulated demo cluster while no cluster is registered. */
  demo: boolean;
  /** The API's pool; every other part takes its own from `database.pool(part)`. */
  dataSource: DataSource;
  database: OpenDatabase;
  /** Served on /metrics: each part registers what it reports. */
  metrics: Registry;
  eventBus: EventBus;
  /** Routes and upgrade handlers are added with `http.mount(...)` (GraphQL, GraphiQL, graphql-ws); serve itself serves /metrics. */
  http: HttpServer;
  /** Services components offer to the GraphQL API (filled in start order). */
  services: Omit<Services, 'apiTokens'>;
}

/** Builds a component from the context, or returns undefined when it does not apply. */
export type ComponentFactory = (ctx: ServeContext) => Component | undefined | Promise<Component | undefined>;

/**
 * The parts of kubegraph that serve runs, in start order. Each part adds one factory here: the
 * GraphQL endpoint mounts itself through `ctx.http.mount` in its start(), the sync coordinator owns
 * the cluster syncs, the demo cluster registers itself when `ctx.demo` is set.
 */
export const components: ComponentFactory[] = [
  async (ctx) => new PartitionMaintainer(await ctx.database.pool('maintenance'), ctx.config),
  async (ctx) => new ChangeLogPruner(await ctx.database.pool('maintenance'), ctx.config.eventRetentionMs),
  clusterComponent,
  costComponent,
  graphqlComponent,
];

export class ServeAborted extends Error {
  override name = 'ServeAborted';
}

export interface RunningServer {
  /** Base URL, e.g. http://localhost:4000. */
  url: string;
  context: ServeContext;
  stop(): Promise<void>;
}

export interface ServeOptions {
  config: Config;
  demo?: boolean;
  /** Aborting during start tears down whatever was started and rejects with ServeAborted. */
  signal?: AbortSignal;
  /** Defaults to `components`. */
  components?: ComponentFactory[];
  /** Told each step of the shutdown as it begins (e.g. "clusters", "database"), to name one that does not finish. */
  onStopping?: (what: string) => void;
}

/**
 * config → database (embedded when DATABASE_URL is unset) → migrations → components → ready.
 * The HTTP server listens first, so /healthz answers and /readyz explains the wait during startup.
 * Shutdown marks the server not ready and, once it was serving, keeps serving for `shutdownDelayMs` (load balancers
 * notice), then stops accepting connections and answers the requests in flight. Then it undoes each completed step in
 * reverse: components (GraphQL closes subscriptions with 1001, the syncs commit what they hold and give their leases
 * back), event bus, database (pool, then the embedded server), and last the HTTP server.
 */
export async function startServe(opts: ServeOptions): Promise<RunningServer> {
  const { config } = opts;
  const readiness = new DatabaseReadiness();
  const undo: Array<{ what: string; fn: () => Promise<void> }> = [];
  let http: HttpServer | undefined;
  let serving = false;
  const stopAll = async (): Promise<void> => {
    readiness.stopping();
    if (serving && http) {
      // Still serving while reported not ready, until load balancers have noticed and send nothing new.
      opts.onStopping?.('draining');
      if (config.shutdownDelayMs > 0) {
        log.info({ delayMs: config.shutdownDelayMs }, 'not ready; serving on until load balancers have noticed');
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      }
      // Then no new connection, and every request in flight answered while the API and the database are still up.
      opts.onStopping?.('requests in flight');
      await http.stopAccepting(Math.max(1000, config.shutdownGraceMs - config.shutdownDelayMs - 10_000));
      log.info('stopped accepting connections; requests in flight answered');
    }
    while (undo.length > 0) {
      const { what, fn } = undo.pop()!;
      opts.onStopping?.(what);
      try {
        await fn();
        log.info({ what }, 'stopped');
      } catch (err) {
        log.error({ err, what }, 'error while stopping');
      }
    }
  };
  const checkpoint = (): void => {
    if (opts.signal?.aborted) throw new ServeAborted('stopped during startup');
  };

  try {
    const metrics = createMetricsRegistry();
    const server = createHttpServer({ config, readiness, mount: (app) => void app.get('/metrics', metricsRoute(metrics)) });
    http = server;
    const url = await server.listen();
    undo.push({ what: 'http server', fn: () => server.close() });
    checkpoint();

    readiness.starting(config.databaseUrl ? 'connecting to the database' : 'starting the embedded database');
    const database = await openDatabase(config, { part: 'api' });
    undo.push({ what: 'database', fn: () => database.close(Math.min(5000, config.shutdownGraceMs / 2)) });
    log.info({ database: database.description }, 'database connected');
    checkpoint();

    readiness.starting('applying migrations');
    const applied = await applyMigrations(await database.pool('maintenance'));
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    readiness.attach(database.dataSource);
    registerPoolMetrics(metrics, database.pools, config.poolMax);
    registerPartitionMetrics(metrics, () => database.pool('maintenance'));
    checkpoint();

    // Every replica reads changes from the database's change log, which writers append to as they commit.
    const eventBus = sharedEventBus(await database.pool('events'));
    await eventBus.listen();
    undo.push({ what: 'event bus', fn: () => eventBus.close() });
    const context: ServeContext = { config, demo: opts.demo ?? false, dataSource: database.dataSource, database, metrics, eventBus, http: server, services: {} };

    for (const factory of opts.components ?? components) {
      const component = await factory(context);
      if (!component) continue;
      readiness.starting(`starting ${component.name}`);
      await component.start();
      undo.push({ what: component.name, fn: () => component.stop() });
      log.info({ component: component.name }, 'started');
      checkpoint();
    }

    // Only now: the GraphQL endpoint is mounted by its component, and a replica reported ready gets traffic.
    readiness.serving();
    serving = true;
    return { url, context, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
