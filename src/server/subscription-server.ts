import type { Server as HttpServer } from 'node:http';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError, getOperationAST, getVariableValues, type ExecutionArgs, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AuthContext } from '../graphql/access.js';
import type { ApiTokenService } from '../auth/api-token.service.js';
import type { Config } from '../common/config.js';
import { logger } from '../common/logger.js';
import { answeredCode, ErrorCode, formatError, refusedRequest, unauthenticated } from '../graphql/errors.js';
import type { ContextFactory } from './graphql-endpoint.js';
import { type GraphQLMetrics, outcomeOf } from './graphql-metrics.js';
import { DocumentCache } from './document-cache.js';
import { compiledEventExecutor } from './jit-executor.js';
import { refuseNulCharacters } from './nul-characters.js';
import { enforceQueryLimits } from './query-limits.js';
import { SharedSubscriptions } from './shared-subscriptions.js';
import { authenticateBearer, authorizationFromConnectionParams } from './request-auth.js';

const log = logger.child({ component: 'graphql-ws' });

/** Close code for a connection without a valid token (the HTTP 401 of graphql-ws). */
export const CLOSE_UNAUTHORIZED = 4401;

/** RFC 6455 "Try Again Later" (the HTTP 503 of a WebSocket): the token could not be checked, the database is away. */
const CLOSE_TRY_AGAIN_LATER = 1013;
const UNAVAILABLE = 'Service unavailable: the API token cannot be checked now; try again later';

export interface SubscriptionServerOptions {
  httpServer: HttpServer;
  path: string;
  schema: GraphQLSchema;
  config: Config;
  apiTokens: ApiTokenService;
  contextFor: ContextFactory;
  metrics: GraphQLMetrics;
  /** Largest message a client may send (the HTTP body limit). */
  maxPayloadBytes: number;
}

type ConnectionExtra = {
  auth?: AuthContext;
  /** The credential of connection_init, checked again for each operation. */
  authorization?: string;
};

function asGraphQLErrors(err: unknown): GraphQLError[] {
  return [err instanceof GraphQLError ? err : new GraphQLError(err instanceof Error ? err.message : String(err))];
}

const REVOKED = 'Unauthorized: the API token was revoked or has expired';

/** Above this many bytes waiting on a socket, a send waits for its write again (see sendWithoutWaiting). */
const SOCKET_HIGH_WATER_BYTES = 1 << 20;

/**
 * Messages to one socket leave in one write per turn of the event loop, and graphql-ws does not wait for each write
 * to complete before taking the next result: a commit's events reach a subscriber as one packet of frames instead of
 * one system call and one event-loop turn each (ws corks each frame itself; this outer cork holds them until the turn
 * ends). A socket whose reader falls behind (over SOCKET_HIGH_WATER_BYTES buffered) is waited for again, so its results
 * queue in its bounded subscription queue, which ends it with SUBSCRIBER_TOO_SLOW, rather than in memory here.
 */
function sendWithoutWaiting(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void; destroyed: boolean } })._socket;
  if (!raw) return;
  const send = socket.send.bind(socket) as (data: unknown, options?: unknown, cb?: unknown) => void;
  let corked = false;
  socket.send = ((data: unknown, second?: unknown, third?: unknown) => {
    if (!corked) {
      corked = true;
      raw.cork();
      setImmediate(() => {
        corked = false;
        if (!raw.destroyed) raw.uncork();
      });
    }
    const done = (typeof second === 'function' ? second : third) as ((err?: Error) => void) | undefined;
    if (!done || socket.bufferedAmount >= SOCKET_HIGH_WATER_BYTES) return send(data, second, third);
    send(data, typeof second === 'function' ? undefined : second);
    queueMicrotask(() => done());
  }) as WebSocket['send'];
}

/**
 * graphql-ws on the HTTP server's `path`. The token comes in `connection_init`; without a valid one the
 * socket closes with 4401 before any operation. Operations pass the same depth/complexity limits as HTTP, and
 * a client's mistakes in them are refused with the codes Apollo answers over HTTP.
 * Tokens are checked again before each operation and, for connections left open, every
 * `subscriptionAuthRecheckSeconds`: revoking a token (on any replica) ends the subscriptions it opened.
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const { schema, config, apiTokens, contextFor, metrics } = options;
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: options.maxPayloadBytes });
  wss.on('connection', sendWithoutWaiting);
  const documents = new DocumentCache(schema);
  /** The extras of authenticated connections: their socket and the credential they opened with. */
  const authorized = new Set<ConnectionExtra & { socket: WebSocket }>();
  const recheck = setInterval(() => void closeRevoked(), config.graphql.subscriptionAuthRecheckSeconds * 1000);
  recheck.unref();

  /** One lookup per distinct token, however many connections share it. */
  async function closeRevoked(): Promise<void> {
    const byToken = new Map<string, Array<ConnectionExtra & { socket: WebSocket }>>();
    for (const extra of authorized) {
      const group = byToken.get(extra.authorization!);
      if (group) group.push(extra);
      else byToken.set(extra.authorization!, [extra]);
    }
    for (const [header, connections] of byToken) {
      try {
        if ((await authenticateBearer(header, apiTokens)).auth) continue;
      } catch (err) {
        // The database is away: keep serving what is open, and check again next time.
        log.warn({ err }, 'could not check the tokens of open subscriptions');
        return;
      }
      for (const extra of connections) {
        authorized.delete(extra);
        extra.socket.close(CLOSE_UNAUTHORIZED, REVOKED);
      }
      log.info({ connections: connections.length }, 'closed subscriptions whose API token was revoked or expired');
    }
  }

  const stats = metrics.subscriptions;
  const shared = new SharedSubscriptions({
    contextFor: (context) => contextFor({ auth: (context as { auth: AuthContext | null }).auth }),
    onExecution: () => stats.executions++,
    executeEvent: compiledEventExecutor(schema),
    onDelivered: () => stats.delivered++,
    // Counted while receiving: from the moment a subscription gets every event executed, until it ends.
    onJoin: () => stats.open++,
    onLeave: () => stats.open--,
    onDropped: (results) => (stats.dropped += results),
    onTooSlow: () => stats.slowConsumerCloses++,
  });

  /** Counts a subscribe request once, with what it was answered: refused with errors, or accepted. */
  const countOperation = (operation: OperationDefinitionNode | undefined, authenticated: boolean, codes: readonly unknown[]) => {
    metrics.operations.inc({
      operation_name: metrics.names.label(operation !== undefined, operation?.name?.value, authenticated),
      operation_type: operation?.operation ?? 'unknown',
      outcome: outcomeOf(codes),
    });
  };

  /**
   * The execution of a subscribe message, or why it is refused. `resolved` is told the caller's token and the
   * operation as soon as they are known, so that a refusal is counted under the operation it refused.
   */
  async function prepare(
    extra: ConnectionExtra & { socket: WebSocket },
    payload: SubscribePayload,
    resolved: { operation?: OperationDefinitionNode; auth?: AuthContext | null },
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    // A token revoked or expired since the connection opened starts nothing more on it.
    let auth: AuthContext | null;
    try {
      ({ auth } = extra.authorization === undefined ? { auth: null } : await authenticateBearer(extra.authorization, apiTokens));
    } catch (err) {
      // The operation is refused; the connection and its other subscriptions carry on.
      log.warn({ err }, 'could not check the API token of a new operation');
      return [new GraphQLError(UNAVAILABLE, { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } })];
    }
    if (!auth) {
      extra.socket.close(CLOSE_UNAUTHORIZED, REVOKED);
      return [unauthenticated('The API token was revoked or has expired')];
    }
    resolved.auth = auth;
    const parsed = documents.get(payload.query);
    if ('parseError' in parsed) return asGraphQLErrors(parsed.parseError).map((e) => refusedRequest(e, ApolloServerErrorCode.GRAPHQL_PARSE_FAILED));
    if ('validationErrors' in parsed) return parsed.validationErrors.map((e) => refusedRequest(e, ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED));
    const { document } = parsed;
    const operation = getOperationAST(document, payload.operationName) ?? undefined;
    if (!operation) {
      const message = payload.operationName ? `Unknown operation named "${payload.operationName}".` : 'Must provide operation name if query contains multiple operations.';
      return [new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE } })];
    }
    resolved.operation = operation;
    const variables = payload.variables ?? {};
    try {
      enforceQueryLimits(schema, document, operation, variables, config.graphql);
      refuseNulCharacters(document, variables);
    } catch (err) {
      return asGraphQLErrors(err);
    }
    // Checked here, like over HTTP, so that a bad value is the client's refused request rather than a result.
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors) return coerced.errors.map((e) => refusedRequest(e, ApolloServerErrorCode.BAD_USER_INPUT));
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: variables,
      contextValue: contextFor({ auth }),
    };
  }

  const cleanup = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema,
      subscribe: (args) => shared.subscribe(args),
      async onConnect(ctx) {
        const header = authorizationFromConnectionParams(ctx.connectionParams);
        let auth: AuthContext | null;
        try {
          ({ auth } = header === undefined ? { auth: null } : await authenticateBearer(header, apiTokens));
        } catch (err) {
          // graphql-ws would close with the error's own message (a database address, SQL): the log gets it, the client not.
          log.warn({ err }, 'could not check the API token of a new connection');
          ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, UNAVAILABLE);
          return false;
        }
        if (!auth) {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, header === undefined ? 'Unauthorized: no API token in connection_init' : 'Unauthorized: the API token is unknown, revoked or expired');
          return false;
        }
        Object.assign(ctx.extra, { auth, authorization: header });
        authorized.add(ctx.extra);
        return true;
      },
      async onSubscribe(ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        const resolved: { operation?: OperationDefinitionNode; auth?: AuthContext | null } = {};
        const answer = await prepare(ctx.extra as ConnectionExtra & { socket: WebSocket }, payload, resolved);
        countOperation(resolved.operation, Boolean(resolved.auth), Array.isArray(answer) ? answer.map((e: GraphQLError) => answeredCode(e.extensions?.code, e)) : []);
        return answer;
      },
      onNext(_ctx, _id, _payload, args, result) {
        if (!result.errors) return;
        const errors = result.errors.map((e) => formatError(e.toJSON(), e));
        metrics.countErrors(getOperationAST(args.document, args.operationName)?.operation ?? 'unknown', errors.map((e) => e.extensions?.code));
        return { ...result, errors };
      },
      onError(_ctx, _id, _payload, errors) {
        // Counted as answered: a failure of the stream has no code until formatError makes it INTERNAL_SERVER_ERROR.
        // graphql-ws wraps what the stream threw in a GraphQLError without a path; formatError is given the thrown
        // error itself, so the log keeps its type, SQL text and SQLSTATE as it does over HTTP.
        const formatted = errors.map((e) => formatError(e.toJSON(), e.path === undefined && e.originalError ? e.originalError : e));
        metrics.countErrors('subscription', formatted.map((e) => e.extensions?.code));
        return formatted;
      },
      onClose(ctx) {
        authorized.delete(ctx.extra);
      },
    },
    wss,
  );

  return {
    async close() {
      clearInterval(recheck);
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      log.info('subscription server closed');
    },
  };
}
