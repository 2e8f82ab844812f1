import type { DataSource } from 'typeorm';
import type { AuthContext } from './access.js';
import type { ApiTokenService } from '../auth/api-token.service.js';
import type { ClusterRegistrationService } from '../cluster/cluster-registration.service.js';
import type { Config } from '../common/config.js';
import type { EventBus } from '../events/event-bus.js';
import type { Loaders } from '../server/loaders.js';

/** Services resolvers call into; each domain adds its own here. */
export interface Services {
  apiTokens: ApiTokenService;
  /** Set by serve's cluster component; absent where no kubeconfig key is configured (then cluster mutations fail). */
  clusterRegistration?: ClusterRegistrationService;
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
