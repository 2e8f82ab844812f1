import type { DataSource } from 'typeorm';
import type { AuthContext } from './access.js';
import type { Config } from '../common/config.js';
import type { EventBus } from '../events/event-bus.js';
import type { SqlRunner } from './row-source.js';

/** Services resolvers call into; each domain declares its own by augmenting this interface (declaration merging). */
export interface Services {}

/**
 * Per-request DataLoaders (one batch per relation and level), scoped to the caller's organisation. Each domain
 * declares its loaders by augmenting this interface beside the code that builds them.
 */
export interface Loaders {
  /** The caller's organisation; throws UNAUTHENTICATED without a token. */
  organizationId(): string;
  /** Runs one statement (top-level lists and other single queries). */
  sql: SqlRunner;
}

/** Built per HTTP request and per graphql-ws operation. */
export interface GraphQLContext {
  /** Null only for requests without a token, which may do nothing but introspection. */
  auth: AuthContext | null;
  /** Why a credential that was sent was refused (for the UNAUTHENTICATED message). */
  authError?: string;
  dataSource: DataSource;
  /** Per-request DataLoaders (one batch per relation and level), scoped to `auth`'s organisation. */
  loaders: Loaders;
  config: Config;
  eventBus: EventBus;
  services: Services;
}
