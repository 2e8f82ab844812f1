/** Executes operations against the real schema with a real per-request context and executor, as the HTTP endpoint does. */
import 'reflect-metadata';
import { GraphQLError, parse, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { DataSource, Logger } from 'typeorm';
import type { AuthContext } from '../../../src/graphql/access.js';
import { ApiTokenService } from '../../../src/auth/api-token.service.js';
import type { Role } from '../../../src/graphql/roles.js';
import { loadConfig, type Config } from '../../../src/common/config.js';
import { InProcessEventBus } from '../../../src/events/in-process-event-bus.js';
import type { GraphQLContext } from '../../../src/graphql/context.js';
import { compiledExecutor, type CompiledExecutor } from '../../../src/server/jit-executor.js';
import { createLoaders, type LoaderOptions } from '../../../src/server/loaders.js';
import { buildKubegraphSchema } from '../../../src/server/schema.js';

let schemaPromise: Promise<GraphQLSchema> | undefined;
let executor: CompiledExecutor | undefined;

export function apiSchema(): Promise<GraphQLSchema> {
  schemaPromise ??= buildKubegraphSchema();
  return schemaPromise;
}

export function authFor(organizationId: string, role: Role = 'viewer'): AuthContext {
  return { organizationId, role, tokenId: '00000000-0000-4000-8000-000000000000' };
}

export interface ExecuteOptions {
  variables?: Record<string, unknown>;
  loaders?: LoaderOptions;
  config?: Config;
}

export async function execute<T = Record<string, any>>(
  dataSource: DataSource,
  auth: AuthContext | null,
  query: string,
  options: ExecuteOptions = {},
): Promise<ExecutionResult<T>> {
  const context: GraphQLContext = {
    auth,
    dataSource,
    loaders: createLoaders(dataSource, auth, options.loaders),
    config: options.config ?? loadConfig({}),
    eventBus: new InProcessEventBus(),
    services: { apiTokens: new ApiTokenService(dataSource) },
  };
  const schema = await apiSchema();
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (err) {
    return { errors: [err as GraphQLError] };
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return { errors: invalid };
  executor ??= compiledExecutor(schema);
  return executor.execute({ document, source: query, variables: options.variables, contextValue: context }) as Promise<ExecutionResult<T>>;
}

/** Data of a successful execution; fails the test with the errors otherwise. */
export async function data<T = Record<string, any>>(dataSource: DataSource, auth: AuthContext | null, query: string, options: ExecuteOptions = {}): Promise<T> {
  const result = await execute<T>(dataSource, auth, query, options);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${result.errors.map((e) => `${e.message} (${e.extensions?.code ?? 'no code'}) at ${e.path?.join('.')}`).join('; ')}`);
  return result.data as T;
}

export function errorCodes(result: ExecutionResult): unknown[] {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}

/** A TypeORM logger that counts the statements sent, so tests can assert statements per request. */
export class StatementCounter implements Logger {
  statements: string[] = [];

  reset(): void {
    this.statements = [];
  }

  get count(): number {
    return this.statements.length;
  }

  logQuery(query: string): void {
    this.statements.push(query);
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
