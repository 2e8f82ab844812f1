import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  GraphQLError,
  Source,
  execute as executeWithGraphQLJs,
  getOperationAST,
  getVariableValues,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LruCache } from './lru-cache.js';

type GatewayInterface = ApolloServerOptionsWithGateway<object>['gateway'];

/** Distinct operations kept compiled; a dashboard sends a few dozen. */
const COMPILED_OPERATIONS_MAX = 1000;

export interface ExecutorStats {
  /** Operations compiled since start: a repeated operation is served from the cache and does not count. */
  compilations: number;
  /** Operations currently held compiled. */
  readonly cached: number;
}

export interface ExecuteRequest {
  document: DocumentNode;
  /** The document's text: with the operation name, the key of its compiled form. */
  source: string;
  operationName?: string | null;
  variables?: Record<string, unknown>;
  contextValue: unknown;
}

export interface CompiledExecutor {
  execute(request: ExecuteRequest): Promise<ExecutionResult>;
  stats: ExecutorStats;
}

interface CompiledOperation {
  query: CompiledQuery;
  variableDefinitions: readonly VariableDefinitionNode[];
}

/** Offsets of the first character of every line, to turn a line/column location back into a position. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * graphql-jit's errors are plain objects on GraphQLError's prototype, without `nodes` or a default
 * `extensions`; Apollo and the error formatter expect real GraphQLErrors (extensions always an object).
 * Rebuilt here with the same message, locations, path, original error and extensions as graphql-js gives.
 */
export function asGraphQLErrors(errors: readonly GraphQLError[], text: string): GraphQLError[] {
  let starts: number[] | undefined;
  let source: Source | undefined;
  return errors.map((e) => {
    const positions = e.locations?.map((l) => (starts ??= lineStarts(text))[l.line - 1]! + l.column - 1);
    return new GraphQLError(e.message, {
      source: positions ? (source ??= new Source(text)) : undefined,
      positions,
      path: e.path,
      originalError: e.originalError ?? undefined,
      extensions: e.extensions,
    });
  });
}

/** A subscription sent as a plain HTTP request: it has no stream to answer on, so it is refused, saying where to go. */
function subscriptionOverHttp(definition: OperationDefinitionNode, text: string): GraphQLError {
  return new GraphQLError('Subscriptions are served over WebSocket (the graphql-transport-ws protocol of graphql-ws) on this same path, not over HTTP', {
    source: new Source(text),
    positions: definition.loc ? [definition.loc.start] : undefined,
    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
  });
}

/**
 * Executes queries and mutations with graphql-jit: each operation is compiled once to JavaScript (kept per
 * document text and operation name, least recently used forgotten first) instead of being interpreted
 * field by field by graphql-js, which halves the CPU of responses with thousands of fields. The document
 * must have been validated against `schema`.
 */
export function compiledExecutor(schema: GraphQLSchema, maxOperations = COMPILED_OPERATIONS_MAX): CompiledExecutor {
  const compiled = new LruCache<CompiledOperation>(maxOperations);
  const stats: ExecutorStats = {
    compilations: 0,
    get cached() {
      return compiled.size;
    },
  };

  const execute = async ({ document, source, operationName, variables = {}, contextValue }: ExecuteRequest): Promise<ExecutionResult> => {
    const key = `${operationName ?? ''}\n${source}`;
    let operation = compiled.get(key);
    if (!operation) {
      const definition = getOperationAST(document, operationName);
      // graphql-js names what is missing (Apollo answers it as OPERATION_RESOLUTION_FAILURE), without running anything.
      if (!definition) return executeWithGraphQLJs({ schema, document, operationName });
      if (definition.operation === 'subscription') {
        // Its variables are checked first, so that its errors are those it would get over WebSocket.
        const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], variables);
        return { errors: coerced.errors ?? [subscriptionOverHttp(definition, source)] };
      }
      const result = compileQuery(schema, document, operationName ?? undefined);
      if (!isCompiledQuery(result)) return { errors: asGraphQLErrors(result.errors ?? [], source) };
      operation = { query: result, variableDefinitions: definition.variableDefinitions ?? [] };
      compiled.set(key, operation);
      stats.compilations++;
    }
    // graphql-js coerces variables, so refusals keep its messages and the nodes Apollo reads to answer
    // BAD_USER_INPUT; the compiled query then coerces the same accepted values on its own.
    if (operation.variableDefinitions.length > 0) {
      const coerced = getVariableValues(schema, operation.variableDefinitions, variables);
      if (coerced.errors) return { errors: coerced.errors };
    }
    const result = await operation.query.query(undefined, contextValue, variables);
    // Without data, the compiled query refused variables graphql-js accepted: graphql-jit does not fill in the
    // default values of fields inside input objects. graphql-js runs such a request instead.
    if (!('data' in result)) return executeWithGraphQLJs({ schema, document, operationName, variableValues: variables, contextValue });
    return result.errors ? { ...result, errors: asGraphQLErrors(result.errors, source) } : result;
  };
  return { execute, stats };
}

/**
 * Apollo Server takes a custom executor only from a "gateway"; this one serves `schema` as it is and runs
 * operations with `executor`. Apollo keeps parsing, validation, plugins and error formatting.
 */
export function executorGateway(schema: GraphQLSchema, executor: CompiledExecutor): GatewayInterface {
  let listener: ((schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | undefined;
  return {
    async load() {
      listener?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return {
        executor: (ctx) =>
          executor.execute({
            document: ctx.document,
            source: ctx.source ?? ctx.request.query ?? '',
            // The request's: Apollo's own is null when it found no operation of that name.
            operationName: ctx.request.operationName,
            variables: ctx.request.variables,
            contextValue: ctx.context,
          }),
      };
    },
    onSchemaLoadOrUpdate(callback) {
      listener = callback;
      return () => {
        listener = undefined;
      };
    },
    async stop() {},
  };
}

/**
 * Executes a subscription's events with graphql-jit: the operation is compiled once per shared document (documents
 * are shared per text by the subscription server) and each event is mapped by the compiled function, as graphql-jit's
 * own subscribe does, instead of graphql-js walking the selection for every event and group. An operation graphql-jit
 * cannot compile is executed by graphql-js.
 */
export function compiledEventExecutor(schema: GraphQLSchema): (args: ExecutionArgs, rootValue: unknown, contextValue: unknown) => Promise<ExecutionResult> {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  return async (args, rootValue, contextValue) => {
    const name = args.operationName ?? '';
    let byName = compiled.get(args.document);
    if (!byName) compiled.set(args.document, (byName = new Map()));
    let query = byName.get(name);
    if (query === undefined) {
      const result = compileQuery(schema, args.document, args.operationName ?? undefined);
      query = isCompiledQuery(result) ? result : null;
      byName.set(name, query);
    }
    if (!query) return executeWithGraphQLJs({ ...args, rootValue, contextValue });
    const result = await query.query(rootValue, contextValue, args.variableValues ?? {});
    if (!('data' in result)) return executeWithGraphQLJs({ ...args, rootValue, contextValue });
    return result.errors ? { ...result, errors: asGraphQLErrors(result.errors, args.document.loc?.source.body ?? '') } : result;
  };
}
