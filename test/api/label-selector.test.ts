/** kubectl label selectors: parsing, errors that name the problem, and the SQL they compile to. */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labelRequirementsToSql, LabelSelectorError, parseLabelSelector } from '../../src/graphql/label-selector.js';
import { SqlParams } from '../../src/graphql/sql-params.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { clusterRow, insertOrganization, insertRows, podRow } from '../support/seed.js';
import { authFor, errorCodes, execute } from './support/api-context.js';

describe('parsing', () => {
  test('every operator, with and without spaces', () => {
    expect(parseLabelSelector('a=b, c==d,e!=f , g in (x, y),h notin (z),i,!j')).toEqual([
      { key: 'a', op: 'eq', value: 'b' },
      { key: 'c', op: 'eq', value: 'd' },
      { key: 'e', op: 'neq', value: 'f' },
      { key: 'g', op: 'in', values: ['x', 'y'] },
      { key: 'h', op: 'notin', values: ['z'] },
      { key: 'i', op: 'exists' },
      { key: 'j', op: 'notexists' },
    ]);
    expect(parseLabelSelector('app.kubernetes.io/name=web,team=')).toEqual([
      { key: 'app.kubernetes.io/name', op: 'eq', value: 'web' },
      { key: 'team', op: 'eq', value: '' },
    ]);
    expect(parseLabelSelector('   ')).toEqual([]);
  });

  test.each([
    ['a=b,', 'expected a label key or "!" but found end of input'],
    ['=b', 'expected a label key or "!" but found "=" at position 1'],
    ['a in x', 'expected "(" after "in" but found "x" at position 6'],
    ['a in (x', 'expected "," or ")" in the "in" list but found end of input'],
    ['a in ()', 'expected a value in the "in" list but found ")" at position 7'],
    ['a b', 'expected "=", "==", "!=", "in", "notin" or "," after label key "a" but found "b" at position 3'],
    ['a=b c', 'expected "," between requirements but found "c" at position 5'],
    ['-a=b', 'invalid label key "-a" at position 1'],
    ['Example.com/a=b', 'invalid label key "Example.com/a" at position 1: the prefix must be a DNS subdomain'],
    ['a=b$', 'invalid label value "b$" at position 3'],
    [`a=${'x'.repeat(64)}`, 'invalid label value'],
    ['!', 'expected a label key after "!" but found end of input'],
  ])('%s is refused: %s', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(message);
  });

  test('values are bind parameters, never SQL text', () => {
    const params = new SqlParams();
    const sql = labelRequirementsToSql(parseLabelSelector("a=x,b in (y,z),c"), 'p.labels', params);
    expect(sql).toBe('(p.labels @> $1::jsonb) AND ((p.labels ->> $2) = ANY($3::text[])) AND (jsonb_exists(p.labels, $4))');
    expect(params.values).toEqual(['{"a":"x"}', 'b', ['y', 'z'], 'c']);
  });
});

describe('matching in PostgreSQL', () => {
  let db: TestDatabase;
  let org: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    org = await insertOrganization(db.dataSource, 'acme');
    const [cluster] = await insertRows(db.dataSource, 'k8s_clusters', [clusterRow({ organization_id: org, name: 'c' })]);
    await insertRows(db.dataSource, 'k8s_pods', [
      podRow({ cluster_id: cluster, namespace: 'ns', name: 'web-a', labels: { app: 'web', env: 'prod' } }),
      podRow({ cluster_id: cluster, namespace: 'ns', name: 'web-b', labels: { app: 'web', env: 'dev', canary: 'true' } }),
      podRow({ cluster_id: cluster, namespace: 'ns', name: 'db', labels: { app: 'db' } }),
      podRow({ cluster_id: cluster, namespace: 'ns', name: 'bare', labels: {} }),
    ]);
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function match(selector: string): Promise<string[]> {
    const result = await execute(db.dataSource, authFor(org), `query($s: String) { pods(filter: { labelSelector: $s }) { nodes { name } } }`, { variables: { s: selector } });
    if (result.errors) throw result.errors[0];
    return (result.data as any).pods.nodes.map((n: { name: string }) => n.name);
  }

  test.each([
    ['app=web', ['web-a', 'web-b']],
    ['app==web,env=prod', ['web-a']],
    ['env!=prod', ['bare', 'db', 'web-b']],
    ['env in (prod,dev)', ['web-a', 'web-b']],
    ['env notin (prod)', ['bare', 'db', 'web-b']],
    ['canary', ['web-b']],
    ['!canary', ['bare', 'db', 'web-a']],
    ['app=web,!canary', ['web-a']],
    ["app=web') OR TRUE --", null],
    ['', ['bare', 'db', 'web-a', 'web-b']],
  ])('%s', async (selector, expected) => {
    if (expected === null) {
      const result = await execute(db.dataSource, authFor(org), `query($s: String) { pods(filter: { labelSelector: $s }) { nodes { name } } }`, { variables: { s: selector } });
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      return;
    }
    expect(await match(selector)).toEqual(expected);
  });

  test('an invalid selector answers BAD_USER_INPUT naming the argument and the problem', async () => {
    const result = await execute(db.dataSource, authFor(org), `{ deployments(filter: { labelSelector: "app in (web" }) { totalCount } }`);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].message).toBe('Argument "filter.labelSelector" is not a valid label selector: expected "," or ")" in the "in" list but found end of input');
    expect(result.errors![0].extensions).toMatchObject({ argumentName: 'filter.labelSelector' });
  });
});
