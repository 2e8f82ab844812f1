import 'reflect-metadata';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, errorCodes, gql, startApiServer, type ApiServer, type Caller } from './support/api-server.js';

let server: ApiServer;
let admin: Caller;

beforeAll(async () => {
  server = await startApiServer({
    KUBEGRAPH_MAX_QUERY_DEPTH: '2',
    KUBEGRAPH_MAX_QUERY_COMPLEXITY: '1000',
    KUBEGRAPH_CORS_ORIGINS: 'https://dash.example.com, https://ops.example.com',
  });
  admin = await createCaller(server, 'acme', 'admin');
});

afterAll(async () => {
  await server?.close();
});

describe('depth limit', () => {
  it('refuses a query deeper than the limit before it runs', async () => {
    const res = await gql(server, `{ viewer { organization { name } } }`, { token: admin.secret });
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0].message).toBe(
      'Query is too deep: depth 3 exceeds the limit of 2 (connection edges/node wrappers are not counted). Split it into several queries.',
    );
    // No `data` key at all: execution never started.
    expect('data' in res.body).toBe(false);
  });

  it('sees through fragments and inline fragments', async () => {
    const res = await gql(server, `{ ...V } fragment V on Query { viewer { ... on Viewer { token { name } } } }`, { token: admin.secret });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0].message).toContain('depth 3');
  });

  it('does not count connection wrappers nor introspection', async () => {
    const page = await gql(server, `{ apiTokens(first: 5) { edges { node { name } cursor } pageInfo { hasNextPage } } }`, { token: admin.secret });
    expect(page.body.errors).toBeUndefined();
    const introspection = await gql(server, `{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }`);
    expect(introspection.status).toBe(200);
    expect(introspection.body.errors).toBeUndefined();
  });
});

describe('complexity limit', () => {
  const LIST = `query($n: Int) { apiTokens(first: $n) { nodes { id name role prefix } } }`;

  it('weighs connections by first/last, including from variables', async () => {
    // apiTokens × n × (1 + nodes × (1 + 4 fields)) = 6n
    const ok = await gql(server, LIST, { token: admin.secret, variables: { n: 166 } });
    expect(ok.body.errors).toBeUndefined();
    const refused = await gql(server, LIST, { token: admin.secret, variables: { n: 167 } });
    expect(refused.status).toBe(400);
    expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.body.errors![0].message).toBe(
      'Query is too complex: estimated cost 1002 exceeds the limit of 1000. Ask for smaller pages (first/last) or fewer nested connections.',
    );
    expect(refused.body.errors![0].extensions).toMatchObject({ complexity: 1002, maxComplexity: 1000 });
  });

  it('refuses a page larger than the maximum before it runs, naming the argument rather than the cost', async () => {
    const res = await gql(server, LIST, { token: admin.secret, variables: { n: 1_000_000 } });
    expect(res.status).toBe(400);
    expect(res.body.errors!.map((e) => e.message)).toEqual(['Argument "first" must not exceed the maximum page size of 500 (got 1000000)']);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect('data' in res.body).toBe(false);
    const negative = await gql(server, `{ apiTokens(last: -1) { nodes { id } } }`, { token: admin.secret });
    expect(negative.status).toBe(400);
    expect(negative.body.errors!.map((e) => e.message)).toEqual(['Argument "last" must be a non-negative integer (got -1)']);
  });

  it('assumes the default page size when first/last are absent', async () => {
    // 100 × 6 = 600 passes; two aliases of it (1200) do not.
    const one = await gql(server, `{ apiTokens { nodes { id name role prefix } } }`, { token: admin.secret });
    expect(one.body.errors).toBeUndefined();
    const two = await gql(server, `{ a: apiTokens { nodes { id name role prefix } } b: apiTokens { nodes { id name role prefix } } }`, { token: admin.secret });
    expect(two.body.errors![0].message).toContain('estimated cost 1200');
  });

  it('applies to unauthenticated callers only after authentication fails', async () => {
    const res = await gql(server, `{ a: apiTokens { nodes { id name role prefix } } b: apiTokens { nodes { id name role prefix } } }`);
    expect(res.status).toBe(401);
  });
});

describe('CORS with configured origins', () => {
  const preflight = (origin: string) =>
    fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });

  it('allows the listed origins and no other', async () => {
    const allowed = await preflight('https://ops.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(allowed.headers.get('vary')?.toLowerCase()).toContain('origin');
    const refused = await preflight('https://evil.example.net');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { origin: 'https://dash.example.com', 'content-type': 'application/json', authorization: `Bearer ${admin.secret}` },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
    expect(await actual.json()).toEqual({ data: { viewer: { role: 'ADMIN' } } });
  });
});

describe('introspection', () => {
  it('passes GraphiQL\'s full schema query without a token, and refuses a flood of aliased introspection', async () => {
    const full = await gql(server, getIntrospectionQuery({ descriptions: true, schemaDescription: true, inputValueDeprecation: true, directiveIsRepeatable: true }));
    expect(full.status).toBe(200);
    expect(full.body.errors).toBeUndefined();
    // 400 × (__schema + types + name) = 1200 > 1000
    const flood = `{ ${Array.from({ length: 400 }, (_, i) => `a${i}: __schema { types { name } }`).join(' ')} }`;
    const res = await gql(server, flood);
    expect(res.status).toBe(400);
    expect(res.body.errors![0].message).toContain('estimated cost 1200 exceeds the limit of 1000');
  });
});

describe('complexity of variables', () => {
  it('takes page sizes from variable defaults when the request omits them', async () => {
    const q = (n: number) => `query($n: Int = ${n}) { apiTokens(first: $n) { nodes { id name role prefix } } }`;
    expect((await gql(server, q(166), { token: admin.secret })).body.errors).toBeUndefined();
    expect((await gql(server, q(167), { token: admin.secret })).body.errors![0].message).toContain('estimated cost 1002');
    // A value sent by the client wins over the default.
    expect((await gql(server, q(167), { token: admin.secret, variables: { n: 10 } })).body.errors).toBeUndefined();
  });
});
