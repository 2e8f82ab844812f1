/**
import 'reflect-metadata';
 * Nested loading is one SQL statement per level whatever the number of parents: the same four-level
 * query over 2 and over 200 clusters sends exactly the same statements.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertOrganization, seedInventory } from '../support/seed.js';
import { authFor, data, StatementCounter } from './support/api-context.js';

const FOUR_LEVELS = `query FourLevels {
  clusters(first: 500) {
    totalCount
    nodes {
      name
      namespaces(first: 10) {
        totalCount
        nodes {
          name
          deployments(first: 10) {
            totalCount
            nodes {
              name
              pods(first: 10) {
                totalCount
                nodes { name phase node { name ready } }
              }
            }
          }
        }
      }
    }
  }
}`;

const counter = new StatementCounter();
let db: TestDatabase;
let small: string;
let large: string;

beforeAll(async () => {
  db = await createTestDatabase({ dataSource: { logger: counter } });
  small = await insertOrganization(db.dataSource, 'small');
  large = await insertOrganization(db.dataSource, 'large');
  const shape = { namespacesPerCluster: 2, deploymentsPerNamespace: 2, podsPerDeployment: 2, nodesPerCluster: 2 };
  await seedInventory(db.dataSource, small, { clusters: 2, ...shape });
  await seedInventory(db.dataSource, large, { clusters: 200, ...shape });
});

afterAll(async () => {
  await db?.drop();
});

type FourLevelResult = {
  clusters: {
    totalCount: number;
    nodes: Array<{ namespaces: { nodes: Array<{ deployments: { nodes: Array<{ pods: { nodes: Array<{ node: { name: string } | null }> } }> } }> } }>;
  };
};

async function countStatements(organizationId: string, batch: boolean): Promise<{ statements: string[]; result: FourLevelResult }> {
  counter.reset();
  const result = await data<FourLevelResult>(db.dataSource, authFor(organizationId), FOUR_LEVELS, { loaders: { batch } });
  return { statements: [...counter.statements], result };
}

function podsIn(result: FourLevelResult) {
  return result.clusters.nodes.flatMap((c) => c.namespaces.nodes.flatMap((n) => n.deployments.nodes.flatMap((d) => d.pods.nodes)));
}

describe('four-level query (clusters → namespaces → deployments → pods with node)', () => {
  test('2 clusters and 200 clusters send the same five statements: one per level plus the nodes', async () => {
    const two = await countStatements(small, true);
    const twoHundred = await countStatements(large, true);

    expect(two.result.clusters.totalCount).toBe(2);
    expect(twoHundred.result.clusters.totalCount).toBe(200);
    expect(podsIn(two.result)).toHaveLength(2 * 2 * 2 * 2);
    expect(podsIn(twoHundred.result)).toHaveLength(200 * 2 * 2 * 2);
    expect(podsIn(twoHundred.result).every((p) => p.node !== null)).toBe(true);

    expect(two.statements).toHaveLength(5);
    expect(twoHundred.statements).toHaveLength(5);
    // Same statements, only the bound ids differ.
    expect(twoHundred.statements).toEqual(two.statements);
    for (const sql of twoHundred.statements) expect(sql).toMatch(/organization_id = \$\d+::uuid/);
  });

  test('with batching switched off every parent costs a statement of its own', async () => {
    const two = await countStatements(small, false);
    // 1 cluster page + 2 namespace pages + 4 deployment pages + 8 pod pages + 4 distinct (cluster, node) lookups.
    expect(two.statements).toHaveLength(1 + 2 + 4 + 8 + 4);
    const twoHundred = await countStatements(large, false);
    expect(twoHundred.statements).toHaveLength(1 + 200 + 400 + 800 + 400);
    expect(podsIn(twoHundred.result)).toEqual(podsIn((await countStatements(large, true)).result));
  });

  test('navigating upwards from a page of pods is one statement per relation', async () => {
    counter.reset();
    const result = await data<{ pods: { nodes: Array<{ cluster: { name: string }; namespace: { name: string }; deployment: { name: string }; node: { name: string } }> } }>(
      db.dataSource,
      authFor(large),
      `{ pods(first: 100) { nodes { name cluster { name } namespace { name } deployment { name } node { name } } } }`,
    );
    expect(result.pods.nodes).toHaveLength(100);
    expect(counter.count).toBe(5);
  });

  test('a list reads only the columns its selected fields need, fragments included', async () => {
    counter.reset();
    await data(db.dataSource, authFor(small), `{ pods(first: 1) { nodes { name phase } } }`);
    const narrow = counter.statements[0];
    expect(narrow).toContain('SELECT p.id, p.name, p.phase, CASE WHEN');
    expect(narrow).not.toContain('container_statuses');

    counter.reset();
    const fragment = await data<{ pods: { edges: Array<{ node: { containers: Array<{ state: string }> } }> } }>(
      db.dataSource,
      authFor(small),
      `{ pods(first: 1) { edges { node { ...Status } } } } fragment Status on Pod { containers { state } }`,
    );
    expect(counter.statements[0]).toContain('p.container_statuses');
    expect(fragment.pods.edges[0].node.containers).toEqual([{ state: 'running' }]);
  });
});

