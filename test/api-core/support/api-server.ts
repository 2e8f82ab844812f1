import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'typeorm';
import { ApiTokenService } from '../../../src/auth/api-token.service.js';
import type { Role } from '../../../src/graphql/roles.js';
import { loadConfig, type Config } from '../../../src/common/config.js';
import { ChangeLogBus } from '../../../src/events/change-log-bus.js';
import type { ChangeListener, EventBus } from '../../../src/events/event-bus.js';
import { InProcessEventBus } from '../../../src/events/in-process-event-bus.js';
import { mountGraphQL, type GraphQLEndpoint } from '../../../src/server/graphql-endpoint.js';
import { createHttpServer, type HttpServer } from '../../../src/server/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/** The in-process bus, counting its listeners so a test knows when a subscription is live. */
export class ObservedEventBus extends InProcessEventBus {
  listenerCount = 0;
  private readonly missedHandlers = new Set<() => void>();

  override subscribe(listener: ChangeListener, onMissed?: () => void): () => void {
    this.listenerCount++;
    const unsubscribe = super.subscribe(listener);
    if (onMissed) this.missedHandlers.add(onMissed);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.listenerCount--;
      if (onMissed) this.missedHandlers.delete(onMissed);
      unsubscribe();
    };
  }

  /** What a bus shared over PostgreSQL does once its connection to the other replicas is back: changes may be missing. */
  interruptFeed(): void {
    for (const onMissed of [...this.missedHandlers]) onMissed();
  }
}

/** The bus of every replica (the durable change log, resumable with `after:`), counting its listeners likewise. */
export class ObservedChangeLogBus extends ChangeLogBus {
  listenerCount = 0;

  override subscribe(listener: ChangeListener, onMissed?: () => void): () => void {
    this.listenerCount++;
    const unsubscribe = super.subscribe(listener, onMissed);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.listenerCount--;
      unsubscribe();
    };
  }
}

export interface ApiServer<Bus extends EventBus = ObservedEventBus> {
  db: TestDatabase;
  config: Config;
  eventBus: Bus;
  endpoint: GraphQLEndpoint;
  http: HttpServer;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  graphqlUrl: string;
  wsUrl: string;
  tokens: ApiTokenService;
  close(): Promise<void>;
}

/** Records every statement the data source sends, to assert statements per request. */
export class StatementLog implements Logger {
  statements: string[] = [];

  logQuery(query: string): void {
    this.statements.push(query);
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** A fresh database and the real HTTP server with the GraphQL endpoint, on a random loopback port. */
export function startApiServer(env: Record<string, string> = {}, opts: { statements?: StatementLog } = {}): Promise<ApiServer> {
  return startServer(env, opts, () => new ObservedEventBus());
}

/** The same, with the change log as event bus, as `serve` has: events are appended to it and read back from it. */
export function startChangeLogApiServer(env: Record<string, string> = {}): Promise<ApiServer<ObservedChangeLogBus>> {
  return startServer(env, {}, (db) => new ObservedChangeLogBus({ connectionString: db.url, dataSource: db.dataSource }));
}

async function startServer<Bus extends EventBus>(env: Record<string, string>, opts: { statements?: StatementLog }, bus: (db: TestDatabase) => Bus): Promise<ApiServer<Bus>> {
  const db = await createTestDatabase({ dataSource: { logger: opts.statements } });
  const config: Config = { ...loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1' }) };
  const eventBus = bus(db);
  const http = createHttpServer({ config, readiness: { check: async () => ({ ready: true, checks: {} }) } });
  let endpoint: GraphQLEndpoint | undefined;
  await http.mount(async (app, server) => {
    endpoint = await mountGraphQL(app, server, { config, dataSource: db.dataSource, eventBus });
  });
  await http.listen();
  const { port } = http.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    db,
    config,
    eventBus,
    endpoint: endpoint!,
    http,
    baseUrl,
    graphqlUrl: `${baseUrl}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    tokens: new ApiTokenService(db.dataSource),
    async close() {
      await endpoint?.stop();
      await http.close(1000);
      await eventBus.close();
      await db.drop();
    },
  };
}

export interface Caller {
  organizationId: string;
  tokenId: string;
  secret: string;
}

/** An organisation (created when new) and a token with `role` in it. */
export async function createCaller(server: ApiServer<EventBus>, org: string, role: Role, name = `${role} token`): Promise<Caller> {
  const organization = await server.tokens.ensureOrganization(org);
  const created = await server.tokens.create({ organizationId: organization.id, name, role });
  return { organizationId: organization.id, tokenId: created.token.id, secret: created.secret };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown[] }> };
}

/** POST /graphql with a JSON body, as dashboards do. */
export async function gql<T = Record<string, unknown>>(
  server: ApiServer<EventBus>,
  query: string,
  opts: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables: opts.variables }),
  });
  const text = await res.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, body };
}

export function errorCodes(res: GraphQLResponse): unknown[] {
  return (res.body.errors ?? []).map((e) => e.extensions?.code);
}

/**
 * Polls `condition` until it holds (for state changed by another connection), failing after `timeoutMs`: the bound only
 * turns a missing state into a failure, generous as machines are shared.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
