import type { Server as HttpServer } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { ApiTokenService } from '../auth/api-token.service.js';
import type { Config } from '../common/config.js';
import type { EventBus } from '../events/event-bus.js';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import { logger } from '../common/logger.js';
import type { GraphQLContext, Services } from '../graphql/context.js';
import { answeredCode, ErrorCode, formatError, RETRY_AFTER_SECONDS, serviceUnavailable, unauthenticated } from '../graphql/errors.js';
import { GRAPHIQL_ASSETS_PATH } from './graphiql-assets.js';
import { graphiqlAssets, graphiqlPage } from './graphiql-page.js';
import { compiledExecutor, executorGateway, type ExecutorStats } from './jit-executor.js';
import { createLoaders, type LoaderOptions } from './loaders.js';
import type { Registry } from 'prom-client';
import { GraphQLMetrics, outcomeOf } from './graphql-metrics.js';
import { createMetricsRegistry, metricsRoute } from './metrics-registry.js';
import { refuseNulCharacters } from './nul-characters.js';
import { compressJsonResponses } from './response-compression.js';
import { enforceQueryLimits, rootFieldNames } from './query-limits.js';
import { authenticateBearer, type RequestAuth } from './request-auth.js';
import { buildKubegraphSchema } from './schema.js';
import { startSubscriptionServer } from './subscription-server.js';

const log = logger.child({ component: 'graphql' });

export const GRAPHQL_PATH = '/graphql';
/** Largest request body accepted; a dashboard query is a few kilobytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface GraphQLEndpointDeps {
  config: Config;
  dataSource: DataSource;
  eventBus: EventBus;
  /** Services of other domains (everything but API tokens, which this endpoint creates). */
  services?: Omit<Services, 'apiTokens'>;
  /**
   * The registry the endpoint records into, served on /metrics by its owner (serve). Without one, the endpoint makes
   * its own and serves it on /metrics itself (the endpoint used alone, as tests and benchmarks do).
   */
  metrics?: Registry;
  /** A schema built beforehand; built here otherwise. */
  schema?: GraphQLSchema;
  /** Per-request loader options; `{ batch: false }` only for the benchmark's unbatched baseline. */
  loaders?: LoaderOptions;
}

export interface GraphQLEndpoint {
  schema: GraphQLSchema;
  metrics: GraphQLMetrics;
  /** Compiled-operation cache of the query and mutation executor. */
  executor: ExecutorStats;
  /** Closes every graphql-ws connection and stops Apollo. The HTTP server is closed by its owner. */
  stop(): Promise<void>;
}

export type ContextFactory = (requestAuth: RequestAuth) => GraphQLContext;

/** Only introspection may run without a valid token; any data field needs one. */
function isIntrospectionOnly(fields: string[]): boolean {
  return fields.every((f) => f.startsWith('__'));
}

function accessAndLimitsPlugin(schema: GraphQLSchema, config: Config): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, request }) {
          if (!operation) return;
          if (!contextValue.auth && !isIntrospectionOnly(rootFieldNames(document, operation))) {
            throw unauthenticated(contextValue.authError ?? 'An API token is required: send "Authorization: Bearer <token>"');
          }
          enforceQueryLimits(schema, document, operation, request.variables ?? {}, config.graphql);
          refuseNulCharacters(document, request.variables ?? {});
        },
      };
    },
  };
}

/**
 * A response that could not be answered because the database is away is a 503 with Retry-After, so that load
 * balancers and clients retry later, rather than a 200 (or 500) carrying the error.
 */
const unavailablePlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (!errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) return;
        response.http.status = 503;
        response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
      },
    };
  },
};

function metricsPlugin(metrics: GraphQLMetrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      const codes: string[] = [];
      return {
        async didEncounterErrors({ errors, operation }) {
          const answered = errors.map((e) => answeredCode(e.extensions.code, e));
          metrics.countErrors(operation?.operation ?? 'unknown', answered);
          codes.push(...answered);
        },
        async willSendResponse({ operation, contextValue }) {
          const labels = {
            operation_name: metrics.names.label(operation !== undefined, operation?.name?.value, Boolean(contextValue.auth)),
            operation_type: operation?.operation ?? 'unknown',
            outcome: outcomeOf(codes),
          };
          metrics.operations.inc(labels);
          metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

/**
 * JSON answers for bodies express refuses (too large, not JSON, an unsupported charset or content encoding, a
 * body that does not decompress) instead of its HTML error page, which carries a stack trace.
 */
const bodyErrors: ErrorRequestHandler = (err: { type?: string; status?: number; message?: string }, req, res, next) => {
  const refuse = (status: number, message: string) => res.status(status).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
  const encoding = JSON.stringify(req.headers['content-encoding'] ?? 'identity');
  if (err.type === 'entity.too.large') refuse(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`);
  else if (err.type === 'entity.parse.failed') refuse(400, 'Request body is not valid JSON');
  else if (err.type === 'charset.unsupported') refuse(415, `Request body charset ${JSON.stringify(req.get('content-type'))} is not supported; send JSON in UTF-8`);
  else if (err.type === 'encoding.unsupported') refuse(415, `Request body content encoding ${encoding} is not supported; send it as is or with gzip, deflate or br`);
  // Anything else the body reader refuses as the client's (a body that does not decompress as its encoding says).
  else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) refuse(err.status, `Request body could not be read (content encoding ${encoding}): ${err.message}`);
  else next(err);
};

function corsOptions(origins: string[]): cors.CorsOptions {
  return {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name'],
    maxAge: 600,
  };
}

/**
 * Serves GraphQL on `/graphql`: Apollo for queries and mutations (CSRF prevention on, CORS from config, JSON
 * compressed for clients that accept it), GraphiQL for browsers (its assets under `/graphiql`), and graphql-ws
 * subscriptions on the same path; what it does is counted in `deps.metrics`.
 */
export async function mountGraphQL(app: Express, httpServer: HttpServer, deps: GraphQLEndpointDeps): Promise<GraphQLEndpoint> {
  const { config, dataSource, eventBus } = deps;
  const schema = deps.schema ?? (await buildKubegraphSchema());
  const metrics = new GraphQLMetrics(deps.metrics ?? createMetricsRegistry());
  const apiTokens = new ApiTokenService(dataSource);
  const services: Services = { ...deps.services, apiTokens };
  // Loaders are built on first use: a subscription's own context is only read to open its source stream, and an idle
  // subscriber should not hold a set of DataLoaders it never calls.
  const contextFor: ContextFactory = (requestAuth) => {
    let loaders: GraphQLContext['loaders'] | undefined;
    return {
      ...requestAuth,
      dataSource,
      get loaders() {
        return (loaders ??= createLoaders(dataSource, requestAuth.auth, deps.loaders));
      },
      config,
      eventBus,
      services,
    };
  };

  const subscriptions = startSubscriptionServer({
    httpServer,
    path: GRAPHQL_PATH,
    schema,
    config,
    apiTokens,
    contextFor,
    metrics,
    maxPayloadBytes: MAX_BODY_BYTES,
  });

  // Queries and mutations run compiled (graphql-jit); subscriptions stay on graphql-js (graphql-ws).
  const executor = compiledExecutor(schema);
  const apollo = new ApolloServer<GraphQLContext>({
    gateway: executorGateway(schema, executor),
    introspection: true,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // serve owns SIGINT/SIGTERM and stops components in order; Apollo's own handler would stop it
    // concurrently and then re-raise the signal, killing the process mid-shutdown.
    stopOnTerminationSignals: false,
    formatError,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Responses carry no cache hints; Apollo's default cache-control plugin would wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      accessAndLimitsPlugin(schema, config),
      metricsPlugin(metrics),
      unavailablePlugin,
      { async serverWillStart() { return { drainServer: () => subscriptions.close() }; } },
    ],
  });
  await apollo.start();

  if (!deps.metrics) app.get('/metrics', metricsRoute(metrics.registry));

  app.get(`${GRAPHIQL_ASSETS_PATH}/:file`, graphiqlAssets);
  app.use(
    GRAPHQL_PATH,
    cors(corsOptions(config.corsOrigins)),
    graphiqlPage,
    compressJsonResponses(),
    express.json({ limit: MAX_BODY_BYTES }),
    bodyErrors,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          return contextFor(await authenticateBearer(req.headers.authorization, apiTokens));
        } catch (err) {
          if (!isDatabaseUnavailable(err)) throw err;
          // The token cannot be checked: a 503 the client can retry, not a 500.
          res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
          throw serviceUnavailable();
        }
      },
    }),
  );
  log.info({ path: GRAPHQL_PATH }, 'GraphQL endpoint mounted');

  return {
    schema,
    metrics,
    executor: executor.stats,
    async stop() {
      await apollo.stop();
    },
  };
}
