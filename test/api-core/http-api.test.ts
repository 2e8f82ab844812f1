import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../src/graphql/relay/global-id.js';
import { createCaller, errorCodes, gql, startApiServer, type ApiServer, type Caller } from './support/api-server.js';

/** What fetch's untyped json() gives for a refused request. */
type GraphQLErrorBody = { errors: Array<{ message: string; extensions: Record<string, unknown> }> };

let server: ApiServer;
let admin: Caller;
let editor: Caller;
let viewer: Caller;
let otherAdmin: Caller;

beforeAll(async () => {
  server = await startApiServer();
  admin = await createCaller(server, 'acme', 'admin');
  editor = await createCaller(server, 'acme', 'editor');
  viewer = await createCaller(server, 'acme', 'viewer');
  otherAdmin = await createCaller(server, 'globex', 'admin');
});

afterAll(async () => {
  await server?.close();
});

const VIEWER = `{ viewer { role organization { id name } token { id name role prefix lastUsedAt active } } }`;
const CREATE = `mutation($name: String!, $role: Role!, $expiresAt: DateTime) {
  createApiToken(name: $name, role: $role, expiresAt: $expiresAt) { secret token { id name role prefix active } }
}`;
const REVOKE = `mutation($id: ID!) { revokeApiToken(id: $id) { id active revokedAt } }`;
const LIST = `query($first: Int, $after: String) { apiTokens(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name role } } }`;

describe('authentication', () => {
  it('answers introspection without a token', async () => {
    const res = await gql(server, `{ __schema { queryType { name } } __type(name: "Pod") { name } }`);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ __schema: { queryType: { name: 'Query' } } });
  });

  it('refuses data without a token with UNAUTHENTICATED and HTTP 401', async () => {
    const res = await gql(server, VIEWER);
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.body.errors![0].message).toContain('Authorization: Bearer');
    expect(res.body.data ?? null).toBeNull();
  });

  it('refuses data mixed with introspection without a token', async () => {
    const res = await gql(server, `{ __typename viewer { role } }`);
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses unknown tokens and malformed headers with 401', async () => {
    const unknown = await gql(server, VIEWER, { token: `kg_${'A'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors![0].message).toContain('unknown, revoked or expired');
    const basic = await gql(server, VIEWER, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect(basic.body.errors![0].message).toContain('"Bearer <token>"');
  });

  it('still lets GraphiQL introspect while its header holds a placeholder', async () => {
    const res = await gql(server, `{ __schema { types { name } } }`, { headers: { authorization: 'Bearer <paste your kg_ token here>' } });
    expect(res.status).toBe(200);
  });

  it('tells the caller who it is and records when the token was used', async () => {
    const res = await gql<{ viewer: { role: string; organization: { id: string; name: string }; token: Record<string, unknown> } }>(server, VIEWER, {
      token: viewer.secret,
    });
    expect(res.status).toBe(200);
    expect(res.body.data!.viewer).toMatchObject({
      role: 'VIEWER',
      organization: { id: toGlobalId('Organization', viewer.organizationId), name: 'acme' },
      token: { id: toGlobalId('ApiToken', viewer.tokenId), name: 'viewer token', role: 'VIEWER', prefix: viewer.secret.slice(0, 9), active: true },
    });
    const again = await gql<{ viewer: { token: { lastUsedAt: string | null } } }>(server, VIEWER, { token: viewer.secret });
    expect(again.body.data!.viewer.token.lastUsedAt).not.toBeNull();
  });
});

describe('API tokens', () => {
  it('lets only admins create tokens, and returns the secret once', async () => {
    for (const caller of [viewer, editor]) {
      const refused = await gql(server, CREATE, { token: caller.secret, variables: { name: 'x', role: 'VIEWER' } });
      expect(refused.status).toBe(403);
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    }
    const before = await server.db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`);
    const res = await gql<{ createApiToken: { secret: string; token: { id: string; name: string; role: string } } }>(server, CREATE, {
      token: admin.secret,
      variables: { name: 'dashboard', role: 'VIEWER' },
    });
    expect(res.status).toBe(200);
    const { secret, token } = res.body.data!.createApiToken;
    expect(secret).toMatch(/^kg_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ name: 'dashboard', role: 'VIEWER' });
    const after = await server.db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`);
    expect(after[0].n).toBe(before[0].n + 1);
    // Stored as a hash only.
    const stored = await server.db.dataSource.query(`SELECT token_hash, token_prefix FROM api_tokens WHERE name = 'dashboard'`);
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).not.toContain(secret.slice(3));
    expect(stored[0].token_prefix).toBe(secret.slice(0, 9));
    const works = await gql<{ viewer: { role: string } }>(server, `{ viewer { role } }`, { token: secret });
    expect(works.body.data!.viewer.role).toBe('VIEWER');
  });

  it('never exposes a secret or hash field on ApiToken', async () => {
    const res = await gql<{ __type: { fields: Array<{ name: string }> } }>(server, `{ __type(name: "ApiToken") { fields { name } } }`);
    const names = res.body.data!.__type.fields.map((f) => f.name);
    expect(names).not.toContain('secret');
    expect(names.some((n) => /hash|secret|token$/i.test(n))).toBe(false);
  });

  it('refuses bad input to createApiToken and changes nothing', async () => {
    const before = await server.db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`);
    const past = await gql(server, CREATE, { token: admin.secret, variables: { name: 'old', role: 'ADMIN', expiresAt: '2020-01-01T00:00:00Z' } });
    expect(errorCodes(past)).toEqual(['BAD_USER_INPUT']);
    expect(past.body.errors![0].message).toContain('expiresAt must be in the future');
    const blank = await gql(server, CREATE, { token: admin.secret, variables: { name: '   ', role: 'ADMIN' } });
    expect(errorCodes(blank)).toEqual(['BAD_USER_INPUT']);
    const badRole = await gql(server, CREATE, { token: admin.secret, variables: { name: 'x', role: 'ROOT' } });
    expect(badRole.status).toBe(400);
    expect(errorCodes(badRole)).toEqual(['BAD_USER_INPUT']);
    const after = await server.db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('lists tokens to admins only, paged by cursor, within the organisation', async () => {
    for (const caller of [viewer, editor]) {
      expect(errorCodes(await gql(server, LIST, { token: caller.secret }))).toEqual(['FORBIDDEN']);
    }
    const [{ n }] = await server.db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens t JOIN organizations o ON o.id = t.organization_id WHERE o.name = 'acme'`);
    type List = { apiTokens: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Array<{ name: string }> } };
    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: Awaited<ReturnType<typeof gql<List>>> = await gql<List>(server, LIST, { token: admin.secret, variables: { first: 2, after } });
      expect(res.body.errors).toBeUndefined();
      const page: List['apiTokens'] = res.body.data!.apiTokens;
      expect(page.totalCount).toBe(n);
      names.push(...page.nodes.map((t) => t.name));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(names).toHaveLength(n);
    expect(new Set(names).size).toBe(n);
    expect(pages).toBe(Math.ceil(n / 2));
    const other = await gql<List>(server, LIST, { token: otherAdmin.secret, variables: { first: 50 } });
    expect(other.body.data!.apiTokens.totalCount).toBe(1);
    const garbage = await gql(server, LIST, { token: admin.secret, variables: { first: 2, after: 'not-a-cursor' } });
    expect(errorCodes(garbage)).toEqual(['BAD_USER_INPUT']);
    const tooBig = await gql(server, LIST, { token: admin.secret, variables: { first: 501 } });
    expect(tooBig.body.errors![0].message).toBe('Argument "first" must not exceed the maximum page size of 500 (got 501)');
  });

  it('revokes: admins only, own organisation only, and the token stops working at once', async () => {
    const victim = await createCaller(server, 'acme', 'viewer', 'to revoke');
    const id = toGlobalId('ApiToken', victim.tokenId);
    for (const caller of [viewer, editor]) {
      expect(errorCodes(await gql(server, REVOKE, { token: caller.secret, variables: { id } }))).toEqual(['FORBIDDEN']);
    }
    const foreign = await gql(server, REVOKE, { token: otherAdmin.secret, variables: { id } });
    expect(errorCodes(foreign)).toEqual(['NOT_FOUND']);
    expect((await gql(server, `{ viewer { role } }`, { token: victim.secret })).status).toBe(200);
    const res = await gql<{ revokeApiToken: { active: boolean; revokedAt: string } }>(server, REVOKE, { token: admin.secret, variables: { id } });
    expect(res.body.data!.revokeApiToken.active).toBe(false);
    expect(res.body.data!.revokeApiToken.revokedAt).not.toBeNull();
    const refused = await gql(server, `{ viewer { role } }`, { token: victim.secret });
    expect(refused.status).toBe(401);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
  });

  it('rejects expired tokens', async () => {
    const created = await server.tokens.create({ organizationId: viewer.organizationId, name: 'short-lived', role: 'viewer', expiresAt: new Date(Date.now() + 60_000) });
    expect((await gql(server, `{ viewer { role } }`, { token: created.secret })).status).toBe(200);
    await server.db.dataSource.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [created.token.id]);
    const res = await gql(server, `{ viewer { role } }`, { token: created.secret });
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('global ids and nodes', () => {
  it('refuses garbage and wrongly typed ids with BAD_USER_INPUT', async () => {
    const garbage = await gql(server, `{ node(id: "definitely-not-an-id") { id } }`, { token: viewer.secret });
    expect(errorCodes(garbage)).toEqual(['BAD_USER_INPUT']);
    expect(garbage.body.errors![0].message).toContain('Argument "id" is not a valid id');
    const wrongType = await gql(server, REVOKE, { token: admin.secret, variables: { id: toGlobalId('Organization', admin.organizationId) } });
    expect(errorCodes(wrongType)).toEqual(['BAD_USER_INPUT']);
    expect(wrongType.body.errors![0].message).toBe('Argument "id" is a Organization id; expected a ApiToken id');
  });

  it('resolves nodes of the caller\'s organisation only', async () => {
    const q = `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Organization { name } ... on ApiToken { name } } }`;
    const ids = [toGlobalId('Organization', viewer.organizationId), toGlobalId('Organization', otherAdmin.organizationId), toGlobalId('ApiToken', viewer.tokenId), toGlobalId('ApiToken', admin.tokenId)];
    const asViewer = await gql<{ nodes: Array<Record<string, unknown> | null> }>(server, q, { token: viewer.secret, variables: { ids } });
    expect(asViewer.body.errors).toBeUndefined();
    expect(asViewer.body.data!.nodes).toEqual([
      { id: ids[0], __typename: 'Organization', name: 'acme' },
      null,
      { id: ids[2], __typename: 'ApiToken', name: 'viewer token' },
      null,
    ]);
    const asAdmin = await gql<{ nodes: Array<Record<string, unknown> | null> }>(server, q, { token: admin.secret, variables: { ids } });
    expect(asAdmin.body.data!.nodes[3]).toEqual({ id: ids[3], __typename: 'ApiToken', name: 'admin token' });
    const foreign = await gql<{ node: unknown }>(server, `query($id: ID!) { node(id: $id) { id } }`, { token: otherAdmin.secret, variables: { id: ids[2] } });
    expect(foreign.body.data!.node).toBeNull();
  });
});

describe('CSRF and CORS', () => {
  it('refuses simple GET and POST requests that a browser could send cross-site', async () => {
    const get = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('CSRF');
    const form = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(form.status).toBe(400);
    const formEncoded = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B__typename%7D' });
    expect(formEncoded.status).toBe(400);
    const preflighted = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
    expect(await preflighted.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers CORS preflights for any origin by default', async () => {
    const res = await fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://dashboard.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });
});

describe('request limits and errors', () => {
  it('refuses bodies over 1 MB with a JSON 413, and malformed JSON with a JSON 400', async () => {
    const res = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as GraphQLErrorBody).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    const malformed = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses bodies in an unsupported charset or content encoding, or that do not decompress, with JSON errors', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ __typename }' }) });
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ 'content-type': 'application/json; charset=latin1' }, 415, 'Request body charset "application/json; charset=latin1" is not supported'],
      [{ 'content-encoding': 'xyz' }, 415, 'Request body content encoding "xyz" is not supported'],
      [{ 'content-encoding': 'gzip' }, 400, 'Request body could not be read (content encoding "gzip")'],
    ];
    for (const [headers, status, message] of cases) {
      const res = await post(headers);
      expect(res.status, message).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as GraphQLErrorBody;
      expect(body.errors[0]!.message).toContain(message);
      expect(body.errors[0]!.extensions).toEqual({ code: 'BAD_REQUEST' });
    }
  });

  it('refuses a persisted-query hash that does not match its query as BAD_REQUEST, and counts it so', async () => {
    const metric = async (code: string) => {
      const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
      return Number(new RegExp(`^kubegraph_graphql_errors_total\\{code="${code}",operation_type="unknown"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    const before = { badRequest: await metric('BAD_REQUEST'), internal: await metric('INTERNAL_SERVER_ERROR') };
    const res = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as GraphQLErrorBody).errors).toEqual([{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }]);
    expect(await metric('BAD_REQUEST')).toBe(before.badRequest + 1);
    expect(await metric('INTERNAL_SERVER_ERROR')).toBe(before.internal);
  });

  it('refuses a NUL character in any variable or string literal with BAD_USER_INPUT, storing nothing', async () => {
    const tokens = async () => (await server.db.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`))[0].n;
    const before = await tokens();
    const created = await gql(server, CREATE, { token: admin.secret, variables: { name: 'ci\u0000bot', role: 'VIEWER' } });
    expect(errorCodes(created)).toEqual(['BAD_USER_INPUT']);
    expect(created.body.errors![0].message).toBe('Variable "$name" holds a NUL character (\\u0000), which no text value may contain');
    const labelled = await gql(server, `mutation($labels: JSONObject) { registerCluster(input: { kubeconfig: "x", labels: $labels }) { id } }`, {
      token: admin.secret,
      variables: { labels: { 'te\u0000am': 'a' } },
    });
    expect(errorCodes(labelled)).toEqual(['BAD_USER_INPUT']);
    const searched = await gql(server, `{ pods(filter: { search: "a\\u0000b" }) { totalCount } }`, { token: viewer.secret });
    expect(errorCodes(searched)).toEqual(['BAD_USER_INPUT']);
    expect(searched.body.errors![0].message).toBe('A string in the query holds a NUL character (\\u0000), which no text value may contain');
    expect(await tokens()).toBe(before);
  });

  it('masks unexpected failures as INTERNAL_SERVER_ERROR without internals', async () => {
    await server.db.dataSource.query(`ALTER TABLE organizations RENAME TO organizations_moved`);
    try {
      const res = await gql(server, `{ viewer { role organization { name } } }`, { token: otherAdmin.secret });
      expect(errorCodes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
      const [error] = res.body.errors!;
      expect(error.message).toMatch(/^Internal server error \(error id [0-9a-f-]{36}\)$/);
      expect(JSON.stringify(res.body)).not.toMatch(/organizations|relation|SELECT|stack/i);
      expect(error.path).toEqual(['viewer', 'organization']);
    } finally {
      await server.db.dataSource.query(`ALTER TABLE organizations_moved RENAME TO organizations`);
    }
  });

  it('counts requests, errors and durations on /metrics', async () => {
    const read = async () => {
      const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
      const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      return {
        text,
        answered: value('kubegraph_graphql_operations_total{operation_name="anonymous",operation_type="query",outcome="success"}'),
        refused: value('kubegraph_graphql_operations_total{operation_name="anonymous",operation_type="query",outcome="client_error"}'),
        unauthenticated: value('kubegraph_graphql_errors_total{code="UNAUTHENTICATED",operation_type="query"}'),
        durations: value('kubegraph_graphql_operation_duration_seconds_count{operation_name="anonymous",operation_type="query",outcome="success"}'),
      };
    };
    const before = await read();
    for (let i = 0; i < 3; i++) await gql(server, `{ viewer { role } }`, { token: viewer.secret });
    await gql(server, `{ viewer { role } }`);
    const after = await read();
    expect(after.answered - before.answered).toBe(3);
    expect(after.refused - before.refused).toBe(1);
    expect(after.durations - before.durations).toBe(3);
    expect(after.unauthenticated - before.unauthenticated).toBe(1);
    expect(after.text).toContain('# TYPE kubegraph_graphql_active_subscriptions gauge');
  });
});
