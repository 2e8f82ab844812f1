/** Cursor pagination edges, top-level and nested: empty, exact page, last page, backwards, bad cursors. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeCursor, toGlobalId } from '../../src/graphql/relay/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertOrganization, seedInventory, type SeededCluster } from '../support/seed.js';
import { authFor, data, errorCodes, execute } from './support/api-context.js';

let db: TestDatabase;
let org: string;
let clusters: SeededCluster[];

beforeAll(async () => {
  db = await createTestDatabase();
  org = await insertOrganization(db.dataSource, 'acme');
  // 3 clusters × 4 namespaces × 3 deployments × 5 pods = 180 pods.
  clusters = await seedInventory(db.dataSource, org, { clusters: 3, namespacesPerCluster: 4, deploymentsPerNamespace: 3, podsPerDeployment: 5, nodesPerCluster: 2 });
});

afterAll(async () => {
  await db?.drop();
});

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: Array<{ cursor: string; node: { name: string } }>;
}

const PAGE = 'totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } }';

async function podPage(args: Record<string, unknown>, order = '{ field: NAME }'): Promise<Page> {
  const result = await data<{ pods: Page }>(
    db.dataSource,
    authFor(org),
    `query($first: Int, $after: String, $last: Int, $before: String, $filter: PodFilter) { pods(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: ${order}) { ${PAGE} } }`,
    { variables: args },
  );
  return result.pods;
}

const allPodNames = () => clusters.flatMap((c) => c.namespaces.flatMap((n) => n.deployments.flatMap((d) => d.podIds.map((_, k) => `${d.name}-p${String(k).padStart(3, '0')}`)))).sort();

describe('top-level connection', () => {
  test('walks forwards through every pod exactly once, in order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Page = await podPage({ first: 50, after });
      pages++;
      expect(page.totalCount).toBe(180);
      seen.push(...page.edges.map((e) => e.node.name));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(4);
    // Names repeat across clusters; ties are broken by id, so each row appears once.
    expect(seen).toHaveLength(180);
    expect(seen).toEqual(allPodNames());
  });

  test('walks backwards with last/before to the same rows', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const page: Page = await podPage({ last: 70, before });
      seen.unshift(...page.edges.map((e) => e.node.name));
      expect(page.pageInfo.hasNextPage).toBe(before !== null);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(seen).toEqual(allPodNames());
  });

  test('an exact final page says there is nothing next; the page after it is empty', async () => {
    const first = await podPage({ first: 90 });
    const second = await podPage({ first: 90, after: first.pageInfo.endCursor });
    expect(second.edges).toHaveLength(90);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const third = await podPage({ first: 90, after: second.pageInfo.endCursor });
    expect(third).toEqual({ totalCount: 180, pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null }, edges: [] });
  });

  test('an empty result has a total of zero and no cursors', async () => {
    const page = await podPage({ first: 10, filter: { search: 'no-such-pod' } });
    expect(page).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, edges: [] });
  });

  test('after and before together bound a window; descending orderings page the same way', async () => {
    const all = await podPage({ first: 20 }, '{ field: CREATED_AT, direction: DESC }');
    const window = await podPage({ after: all.edges[4].cursor, before: all.edges[10].cursor, first: 100 }, '{ field: CREATED_AT, direction: DESC }');
    expect(window.edges.map((e) => e.node.name)).toEqual(all.edges.slice(5, 10).map((e) => e.node.name));
    expect(window.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const tail = await podPage({ last: 3, before: all.edges[10].cursor }, '{ field: CREATED_AT, direction: DESC }');
    expect(tail.edges.map((e) => e.cursor)).toEqual(all.edges.slice(7, 10).map((e) => e.cursor));
  });

  test('bad cursors and page sizes are refused with BAD_USER_INPUT naming the argument', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ first: 5, after: 'not a cursor' }, 'after'],
      [{ first: 5, after: encodeCursor(['x']) }, 'after'],
      [{ last: 5, before: encodeCursor(['ns000-dep000-p000', '00000000-0000-4000-8000-000000000000'], 'pod:CREATED_AT:ASC') }, 'before'],
      [{ first: -1 }, 'first'],
      [{ first: 501 }, 'first'],
      [{ first: 1, last: 1 }, 'last'],
    ];
    for (const [variables, arg] of cases) {
      const result = await execute(db.dataSource, authFor(org), `query($first: Int, $after: String, $last: Int, $before: String) { pods(first: $first, after: $after, last: $last, before: $before) { totalCount } }`, { variables });
      expect(errorCodes(result), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0].message).toContain(`"${arg}"`);
    }
  });

  test('first: 0 returns no edges but the total', async () => {
    const page = await podPage({ first: 0 });
    expect(page.totalCount).toBe(180);
    expect(page.edges).toEqual([]);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });
});

describe('nested connections', () => {
  test('each parent gets its own first page and total, from one statement per level', async () => {
    const result = await data(db.dataSource, authFor(org), `{ clusters { nodes { name namespaces(first: 2) { ${PAGE} } } } }`);
    for (const cluster of result.clusters.nodes) {
      expect(cluster.namespaces.totalCount).toBe(4);
      expect(cluster.namespaces.edges.map((e: any) => e.node.name)).toEqual(['ns000', 'ns001']);
      expect(cluster.namespaces.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    }
  });

  test('a nested cursor continues that parent’s list; last/before pages backwards', async () => {
    const id = toGlobalId('Cluster', clusters[1].id);
    const q = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { cluster(id: $id) { namespaces(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } } }`;
    const first = (await data(db.dataSource, authFor(org), q, { variables: { id, first: 3 } })).cluster.namespaces as Page;
    const rest = (await data(db.dataSource, authFor(org), q, { variables: { id, first: 3, after: first.pageInfo.endCursor } })).cluster.namespaces as Page;
    expect(rest.edges.map((e) => e.node.name)).toEqual(['ns003']);
    expect(rest.totalCount).toBe(4);
    expect(rest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const back = (await data(db.dataSource, authFor(org), q, { variables: { id, last: 2, before: rest.pageInfo.startCursor } })).cluster.namespaces as Page;
    expect(back.edges.map((e) => e.node.name)).toEqual(['ns001', 'ns002']);
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const past = (await data(db.dataSource, authFor(org), q, { variables: { id, first: 3, after: rest.pageInfo.endCursor } })).cluster.namespaces as Page;
    expect(past).toEqual({ totalCount: 4, pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null }, edges: [] });
  });

  test('the same nested list with and without cursors selected, in one document, pages alike', async () => {
    const result = await data(db.dataSource, authFor(org), `{ clusters { nodes {
      bare: namespaces(first: 2) { totalCount nodes { name } }
      paged: namespaces(first: 2) { ${PAGE} } } } }`);
    for (const cluster of result.clusters.nodes) {
      expect(cluster.bare).toEqual({ totalCount: 4, nodes: [{ name: 'ns000' }, { name: 'ns001' }] });
      expect(cluster.paged.edges.map((e: any) => e.node.name)).toEqual(['ns000', 'ns001']);
      expect(cluster.paged.edges.every((e: any) => typeof e.cursor === 'string' && e.cursor.length > 0)).toBe(true);
    }
    const next = await data(db.dataSource, authFor(org), `query($id: ID!, $after: String) { cluster(id: $id) { namespaces(first: 2, after: $after) { totalCount nodes { name } } } }`, {
      variables: { id: toGlobalId('Cluster', clusters[0].id), after: result.clusters.nodes[0].paged.pageInfo.endCursor },
    });
    expect(next.cluster.namespaces).toEqual({ totalCount: 4, nodes: [{ name: 'ns002' }, { name: 'ns003' }] });
  });

  test('a bad nested cursor fails that field only', async () => {
    const result = await execute(db.dataSource, authFor(org), `{ clusters(first: 1) { nodes { name namespaces(after: "garbage") { totalCount } } } }`);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].path).toEqual(['clusters', 'nodes', 0, 'namespaces']);
  });

  test('a parent without children has an empty connection with a total of zero', async () => {
    const result = await data(db.dataSource, authFor(org), `{ clusters(first: 1) { nodes { helmReleases { ${PAGE} } } } }`);
    expect(result.clusters.nodes[0].helmReleases).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, edges: [] });
  });
});
