/** Queries and mutations run compiled (graphql-jit): once per operation, with graphql-js's answers and errors. */
import 'reflect-metadata';
import { execute as executeWithGraphQLJs, parse, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../src/auth/api-token.service.js';
import { loadConfig } from '../../src/common/config.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { compiledExecutor } from '../../src/server/jit-executor.js';
import { createLoaders } from '../../src/server/loaders.js';
import { toGlobalId } from '../../src/graphql/relay/index.js';
import { createCaller, startApiServer, type ApiServer, type Caller } from './support/api-server.js';

let server: ApiServer;
let admin: Caller;
let other: Caller;

beforeAll(async () => {
  server = await startApiServer();
  admin = await createCaller(server, 'acme', 'admin');
  other = await createCaller(server, 'globex', 'admin');
});

afterAll(async () => {
  await server?.close();
});

async function post(body: Record<string, unknown>, token = admin.secret): Promise<{ status: number; body: ExecutionResult }> {
  const res = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ExecutionResult };
}

describe('compiled operations', () => {
  it('compiles an operation once and reuses it, keyed by document text and operation name', async () => {
    const stats = server.endpoint.executor;
    const document = `query Role { viewer { role } } query Org { viewer { organization { name } } }`;
    const before = stats.compilations;

    const first = await post({ query: document, operationName: 'Role' });
    expect(first.body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    expect(stats.compilations).toBe(before + 1);
    const again = await post({ query: document, operationName: 'Role' });
    expect(again.body).toEqual(first.body);
    expect(stats.compilations).toBe(before + 1);

    // Same text, other operation: compiled on its own, and the first stays cached.
    const org = await post({ query: document, operationName: 'Org' });
    expect(org.body).toEqual({ data: { viewer: { organization: { name: 'acme' } } } });
    expect(stats.compilations).toBe(before + 2);
    await post({ query: document, operationName: 'Role' });
    await post({ query: document, operationName: 'Org' }, other.secret);
    expect(stats.compilations).toBe(before + 2);

    // Variables change no compiled form.
    const LIST = `query($first: Int) { apiTokens(first: $first) { totalCount nodes { name } } }`;
    await post({ query: LIST, variables: { first: 1 } });
    const two = await post({ query: LIST, variables: { first: 2 } });
    expect((two.body.data as { apiTokens: { nodes: unknown[] } }).apiTokens.nodes).toHaveLength(1);
    expect(stats.compilations).toBe(before + 3);
  });

  it('keeps at most the configured number of operations, forgetting the least recently used', async () => {
    const executor = compiledExecutor(server.endpoint.schema, 2);
    const run = (source: string) =>
      executor.execute({ document: parse(source), source, contextValue: {} });
    await run('{ __typename }');
    await run('{ a: __typename }');
    await run('{ __typename }');
    await run('{ b: __typename }');
    expect(executor.stats).toEqual({ compilations: 3, cached: 2 });
    // `{ __typename }` was used after `a`, so `a` was the one forgotten.
    await run('{ __typename }');
    expect(executor.stats.compilations).toBe(3);
    expect(await run('{ a: __typename }')).toEqual({ data: { a: 'Query' } });
    expect(executor.stats).toEqual({ compilations: 4, cached: 2 });
  });
});

describe('errors under the compiled executor', () => {
  it('keeps a resolver error\'s message, code, path and locations, and nulls up to the nearest nullable field', async () => {
    const REVOKE = `mutation Revoke($id: ID!) {\n  revokeApiToken(id: $id) { id active }\n}`;
    const foreign = await post({ query: REVOKE, variables: { id: toGlobalId('ApiToken', other.tokenId) } });
    expect(foreign.body.data).toBeNull();
    expect(foreign.body.errors).toEqual([
      { message: expect.any(String), locations: [{ line: 2, column: 3 }], path: ['revokeApiToken'], extensions: { code: 'NOT_FOUND' } },
    ]);

    // A failure deep inside non-null fields: Viewer.organization and Query.viewer are both non-null.
    await server.db.dataSource.query(`ALTER TABLE organizations RENAME TO organizations_moved`);
    try {
      const res = await post({ query: `{ viewer { role organization { name } } }` });
      expect(res.body.data).toBeNull();
      expect(res.body.errors!.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(res.body.errors![0].path).toEqual(['viewer', 'organization']);
      expect(res.body.errors![0].locations).toEqual([{ line: 1, column: 17 }]);
    } finally {
      await server.db.dataSource.query(`ALTER TABLE organizations_moved RENAME TO organizations`);
    }
  });

  it('refuses variables with graphql-js\'s messages as BAD_USER_INPUT and HTTP 400, without running', async () => {
    const res = await post({ query: `query($first: Int) { apiTokens(first: $first) { totalCount } }`, variables: { first: 'ten' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        message: 'Variable "$first" got invalid value "ten"; Int cannot represent non-integer value: "ten"',
        locations: [{ line: 1, column: 7 }],
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect('data' in res.body).toBe(false);
  });

  it('answers an operation it cannot find as graphql-js names it, HTTP 400, without running anything', async () => {
    const twoQueries = `query A { viewer { role } } query B { viewer { role } }`;
    for (const [body, message] of [
      [{ query: `query A { viewer { role } }`, operationName: 'Nodes' }, 'Unknown operation named "Nodes".'],
      [{ query: twoQueries, operationName: 'Nodes' }, 'Unknown operation named "Nodes".'],
      [{ query: twoQueries }, 'Must provide operation name if query contains multiple operations.'],
    ] as const) {
      const res = await post(body);
      expect(res.status, message).toBe(400);
      expect(res.body.errors).toEqual([{ message, extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }]);
    }
    // The operation that is named still runs.
    expect((await post({ query: twoQueries, operationName: 'B' })).body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
  });

  it('runs a request whose variables leave out a field of an input object that has a default, with that default', async () => {
    const [{ id }] = await server.db.dataSource.query(`INSERT INTO k8s_clusters (organization_id, name) VALUES ($1, 'priced') RETURNING id`, [admin.organizationId]);
    const pricing = { cpuCoreHour: 0.05, ramGiBHour: 0.006, storageGiBMonth: 0.1, egressZoneGiB: 0.02, egressRegionGiB: 0.03, egressInternetGiB: 0.09 };
    const res = await post({
      query: `mutation($id: ID!, $pricing: ClusterPricingInput) { setClusterPricing(clusterId: $id, pricing: $pricing) { pricing { cpuCoreHour currency } } }`,
      variables: { id: toGlobalId('Cluster', id), pricing },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { setClusterPricing: { pricing: { cpuCoreHour: 0.05, currency: 'USD' } } } });
  });

  it('refuses a subscription sent over HTTP with HTTP 400, saying it is served over WebSocket', async () => {
    const res = await post({ query: `query Q { viewer { role } }\nsubscription Feed { podChanged { type } }`, operationName: 'Feed' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        message: 'Subscriptions are served over WebSocket (the graphql-transport-ws protocol of graphql-ws) on this same path, not over HTTP',
        locations: [{ line: 2, column: 1 }],
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
  });

  it('answers like graphql-js for the same operations: data, nulls, abstract types and errors', async () => {
    const ids = [toGlobalId('ApiToken', admin.tokenId), toGlobalId('ApiToken', other.tokenId), toGlobalId('Organization', admin.organizationId), 'not-an-id'];
    const operations = [
      { query: `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on ApiToken { name role } ... on Organization { name } } }`, variables: { ids: ids.slice(0, 3) } },
      { query: `query($id: ID!) { node(id: $id) { id ... on ApiToken { active } } }`, variables: { id: ids[3] } },
      { query: `{ viewer { role token { name } } apiTokens(first: 1) { totalCount pageInfo { hasNextPage } edges { node { name } } } }` },
      { query: `query($skip: Boolean!) { viewer { role @skip(if: $skip) token @include(if: $skip) { name } } }`, variables: { skip: true } },
    ];
    const auth = await server.tokens.authenticate(admin.secret);
    for (const { query, variables } of operations) {
      const contextValue = () => ({
        auth,
        dataSource: server.db.dataSource,
        loaders: createLoaders(server.db.dataSource, auth),
        config: loadConfig({}),
        eventBus: new InProcessEventBus(),
        services: { apiTokens: new ApiTokenService(server.db.dataSource) },
      });
      const expected = await executeWithGraphQLJs({ schema: server.endpoint.schema, document: parse(query), variableValues: variables, contextValue: contextValue() });
      const compiled = await compiledExecutor(server.endpoint.schema).execute({ document: parse(query), source: query, variables, contextValue: contextValue() });
      expect(JSON.parse(JSON.stringify(compiled))).toEqual(JSON.parse(JSON.stringify(expected)));
      expect(compiled.errors?.map((e) => e.extensions)).toEqual(expected.errors?.map((e) => e.extensions));
    }
  });
});
