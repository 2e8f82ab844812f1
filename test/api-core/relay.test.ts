import 'reflect-metadata';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildConnection } from '../../src/graphql/relay/connection.js';
import { pageRequest, type PageRequest } from '../../src/graphql/relay/connection-args.js';
import { decodeCursor, encodeCursor } from '../../src/graphql/relay/cursor.js';
import { fromGlobalId, toGlobalId } from '../../src/graphql/relay/global-id.js';

const uuid = '3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    return (err as GraphQLError).extensions.code;
  }
  throw new Error('expected an error');
}

describe('global ids', () => {
  it('round-trips and is opaque base64url', () => {
    const id = toGlobalId('Pod', uuid);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id).not.toContain(uuid);
    expect(fromGlobalId(id)).toEqual({ type: 'Pod', id: uuid });
    expect(fromGlobalId(id, 'Pod')).toEqual({ type: 'Pod', id: uuid });
  });

  it('refuses garbage, non-canonical encodings and the wrong type with BAD_USER_INPUT', () => {
    for (const garbage of ['', 'not an id', '!!!', Buffer.from('Pod:123').toString('base64url'), Buffer.from(`pod:${uuid}`).toString('base64url'), `${toGlobalId('Pod', uuid)}=`, 'x'.repeat(500)]) {
      expect(codeOf(() => fromGlobalId(garbage))).toBe('BAD_USER_INPUT');
    }
    expect(() => fromGlobalId(toGlobalId('Pod', uuid), 'Cluster', 'clusterId')).toThrow('Argument "clusterId" is a Pod id; expected a Cluster id');
  });
});

describe('cursors', () => {
  it('carry the sort key and the ordering tag', () => {
    const cursor = encodeCursor(['web-1', 42, null, true], 'name');
    expect(decodeCursor(cursor, { tag: 'name', arity: 4 })).toEqual(['web-1', 42, null, true]);
    expect(codeOf(() => decodeCursor(cursor, { tag: 'createdAt' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor(cursor, { tag: 'name', arity: 2 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor('%%%'))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url')))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor(Buffer.from('["",{"x":1}]').toString('base64url')))).toBe('BAD_USER_INPUT');
  });
});

describe('typed cursors', () => {
  const types = ['text', 'uuid', 'timestamptz', 'bigint', 'integer', 'double precision', 'numeric'] as const;
  const good = ['web-1', uuid, '2026-11-27 13:04:05.123456+00', '-9223372036854775808', '2147483647', '1.5e-3', '12.50'];

  it('keep values of their sort key types, PostgreSQL infinities included', () => {
    expect(decodeCursor(encodeCursor(good, 't'), { tag: 't', types })).toEqual(good);
    const infinite = ['', uuid, '-infinity', '0', '-1', '-0.0', '0'];
    expect(decodeCursor(encodeCursor(infinite, 't'), { tag: 't', types })).toEqual(infinite);
  });

  it('refuse, as BAD_USER_INPUT, a value PostgreSQL would not take as its type', () => {
    const bad: Array<[number, unknown]> = [
      [0, 'a\u0000b'],
      [1, 'not-a-uuid'],
      [1, 42],
      [2, '2026-02-30 00:00:00+00'],
      [2, '2026-11-27 24:00:00+00'],
      [2, 'yesterday'],
      [3, '9223372036854775808'],
      [3, '1.5'],
      [4, '2147483648'],
      [5, '1e999'],
      [5, 'one'],
      [6, '12,5'],
      [0, null],
      [3, true],
    ];
    for (const [i, value] of bad) {
      const key = good.map((g, j) => (j === i ? value : g));
      const cursor = Buffer.from(JSON.stringify(['t', ...key])).toString('base64url');
      expect(() => decodeCursor(cursor, { tag: 't', types, argName: 'before' }), `${types[i]} ${JSON.stringify(value)}`).toThrow(
        'Argument "before" is not a valid cursor (its values do not fit this ordering)',
      );
      expect(codeOf(() => decodeCursor(cursor, { tag: 't', types }))).toBe('BAD_USER_INPUT');
    }
  });
});

/** What a keyset page query returns: rows after/before the cursor keys, in page order, at most limit + 1. */
function keysetRows(items: Array<{ n: number }>, page: PageRequest): Array<{ n: number }> {
  const inRange = items.filter((x) => (page.after === null || x.n > (page.after[0] as number)) && (page.before === null || x.n < (page.before[0] as number)));
  return page.direction === 'forward' ? inRange.slice(0, page.limit + 1) : inRange.reverse().slice(0, page.limit + 1);
}

function connectionOf(items: Array<{ n: number }>, page: PageRequest) {
  return buildConnection(keysetRows(items, page), page, { cursorKey: (x) => [x.n], totalCount: items.length });
}

describe('page requests', () => {
  const opts = { maxPageSize: 50, arity: 1 };
  it('validates first/last against the maximum page size', () => {
    expect(pageRequest({}, opts)).toMatchObject({ direction: 'forward', limit: 50, after: null, before: null });
    expect(pageRequest({ first: 10 }, { maxPageSize: 500 })).toMatchObject({ direction: 'forward', limit: 10 });
    expect(pageRequest({}, { maxPageSize: 500 }).limit).toBe(100);
    expect(pageRequest({ last: 3, before: encodeCursor([5]) }, opts)).toMatchObject({ direction: 'backward', limit: 3, before: [5] });
    expect(() => pageRequest({ first: 51 }, opts)).toThrow('Argument "first" must not exceed the maximum page size of 50 (got 51)');
    expect(codeOf(() => pageRequest({ first: -1 }, opts))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => pageRequest({ first: 1, last: 1 }, opts))).toBe('BAD_USER_INPUT');
    expect(() => pageRequest({ after: 'garbage!' }, opts)).toThrow('Argument "after" is not a valid cursor');
  });

  it('pages forward and backward through a list with exact pageInfo', () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ n: i }));
    const p1 = connectionOf(items, pageRequest({ first: 3 }, opts));
    expect(p1.nodes.map((x) => x.n)).toEqual([0, 1, 2]);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p3 = connectionOf(items, pageRequest({ first: 3, after: encodeCursor([5]) }, opts));
    expect(p3.nodes.map((x) => x.n)).toEqual([6]);
    expect(p3.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const exact = connectionOf(items, pageRequest({ first: 7 }, opts));
    expect(exact.pageInfo.hasNextPage).toBe(false);
    const back = connectionOf(items, pageRequest({ last: 2, before: p3.pageInfo.startCursor }, opts));
    expect(back.nodes.map((x) => x.n)).toEqual([4, 5]);
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const empty = connectionOf([], pageRequest({ first: 3 }, opts));
    expect(empty.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
  });
});
