/** The inventory API through the real HTTP server: tokens, org scoping, errors and statements per request. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toGlobalId } from '../../src/graphql/relay/index.js';
import { createCaller, errorCodes, gql, startApiServer, StatementLog, type ApiServer, type Caller } from '../api-core/support/api-server.js';
import { clusterRow, insertRows, seedInventory } from '../support/seed.js';

const FOUR_LEVELS = `{ clusters(first: 200) { totalCount nodes { name namespaces(first: 2) { nodes { name deployments(first: 2) { nodes { name pods(first: 2) { totalCount nodes { name node { name } } } } } } } } } }`;

const statements = new StatementLog();
let server: ApiServer;
let small: Caller;
let large: Caller;
let admin: Caller;
let unreachable: string;

beforeAll(async () => {
  server = await startApiServer({}, { statements });
  small = await createCaller(server, 'small', 'viewer');
  large = await createCaller(server, 'large', 'viewer');
  admin = await createCaller(server, 'small', 'admin');
  const shape = { namespacesPerCluster: 2, deploymentsPerNamespace: 2, podsPerDeployment: 2, nodesPerCluster: 2 };
  await seedInventory(server.db.dataSource, small.organizationId, { clusters: 2, ...shape });
  await seedInventory(server.db.dataSource, large.organizationId, { clusters: 200, ...shape });
  [unreachable] = await insertRows(server.db.dataSource, 'k8s_clusters', [
    clusterRow({ organization_id: small.organizationId, name: 'zz-gone', status: 'unreachable', status_message: 'dial tcp 10.1.2.3:443: i/o timeout', last_seen_at: new Date('2026-01-02T03:04:05Z') }),
  ]);
});

afterAll(async () => {
  await server?.close();
});

describe('over HTTP', () => {
  test('the four-level query costs the same statements for 2 and 200 clusters: token lookup plus one per level', async () => {
    const counts: number[] = [];
    const shapes: string[][] = [];
    for (const caller of [small, large]) {
      await gql(server, FOUR_LEVELS, { token: caller.secret });
      statements.statements = [];
      const res = await gql<{ clusters: { totalCount: number } }>(server, FOUR_LEVELS, { token: caller.secret });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      counts.push(statements.statements.length);
      shapes.push(statements.statements.map((s) => s.replace(/\s+/g, ' ')));
    }
    expect(counts).toEqual([6, 6]);
    expect(shapes[1]).toEqual(shapes[0]);
    // One statement authenticates the token (a CTE that also touches last_used_at); the rest read the inventory.
    expect(shapes[0].map((s) => (s.includes('api_tokens') ? 'auth' : 'inventory'))).toEqual(['auth', 'inventory', 'inventory', 'inventory', 'inventory', 'inventory']);
  });

  test('a cursor whose values were changed is refused as BAD_USER_INPUT on every kind of connection, not run', async () => {
    const forge = (cursor: string) => {
      const [tag, ...key] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, ...unknown[]];
      return Buffer.from(JSON.stringify([tag, ...key.map(() => 'x')])).toString('base64url');
    };
    const connections = ['clusters', 'namespaces', 'deployments', 'pods', 'clusterNodes', 'apiTokens'];
    for (const field of connections) {
      const first = await gql<Record<string, { edges: Array<{ cursor: string }> }>>(server, `{ ${field}(first: 1) { edges { cursor } } }`, { token: admin.secret });
      expect(first.body.errors, field).toBeUndefined();
      const cursor = first.body.data![field]!.edges[0]!.cursor;
      for (const arg of ['after', 'before']) {
        const res = await gql(server, `query($c: String) { ${field}(first: 1, ${arg}: $c) { totalCount } }`, { token: admin.secret, variables: { c: forge(cursor) } });
        expect(errorCodes(res), `${field} ${arg}`).toEqual(['BAD_USER_INPUT']);
        expect(res.body.errors![0]!.message).toBe(`Argument "${arg}" is not a valid cursor (its values do not fit this ordering); use a cursor returned by this connection`);
      }
    }
  });

  test('an unreachable cluster answers from the database with its reason', async () => {
    const res = await gql(server, `query($id: ID!) { cluster(id: $id) { name status statusMessage lastSeenAt health { status podCount } namespaces { totalCount } } }`, {
      token: small.secret,
      variables: { id: toGlobalId('Cluster', unreachable) },
    });
    expect(res.body).toEqual({
      data: { cluster: { name: 'zz-gone', status: 'UNREACHABLE', statusMessage: 'dial tcp 10.1.2.3:443: i/o timeout', lastSeenAt: '2026-01-02T03:04:05.000Z', health: { status: 'UNREACHABLE', podCount: 0 }, namespaces: { totalCount: 0 } } },
    });
  });

  test('another organisation’s cluster is NOT_FOUND, a bad cursor BAD_USER_INPUT, no token 401', async () => {
    const foreign = await gql(server, `query($id: ID!) { cluster(id: $id) { name } }`, { token: large.secret, variables: { id: toGlobalId('Cluster', unreachable) } });
    expect(errorCodes(foreign)).toEqual(['NOT_FOUND']);
    const cursor = await gql(server, `{ pods(after: "bm90LWEtY3Vyc29y") { totalCount } }`, { token: small.secret });
    expect(errorCodes(cursor)).toEqual(['BAD_USER_INPUT']);
    const anonymous = await gql(server, `{ clusters { totalCount } }`);
    expect(anonymous.status).toBe(401);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });

  test('setClusterPricing: a viewer token is refused with 403, an admin token sets the prices', async () => {
    const mutation = `mutation($id: ID!) { setClusterPricing(clusterId: $id, pricing: { cpuCoreHour: 0.04, ramGiBHour: 0.005, storageGiBMonth: 0.1, egressZoneGiB: 0, egressRegionGiB: 0.02, egressInternetGiB: 0.09 }) { pricing { cpuCoreHour egressZoneGiB currency isDefault } } }`;
    const variables = { id: toGlobalId('Cluster', unreachable) };
    const refused = await gql(server, mutation, { token: small.secret, variables });
    expect(refused.status).toBe(403);
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    const done = await gql(server, mutation, { token: admin.secret, variables });
    expect(done.body).toEqual({ data: { setClusterPricing: { pricing: { cpuCoreHour: 0.04, egressZoneGiB: 0, currency: 'USD', isDefault: false } } } });
  });
});
