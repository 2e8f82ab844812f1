import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentCache } from '../../src/server/document-cache.js';

const schema = buildSchema(`type Query { a: Int, b: Int, c: Int }`);

describe('DocumentCache', () => {
  it('parses and validates a text once and hands the same document to every caller', () => {
    const cache = new DocumentCache(schema);
    const first = cache.get('{ a }');
    expect(first).toHaveProperty('document');
    expect(cache.get('{ a }')).toBe(first);
  });

  it('keeps refusals apart: a parse error and validation errors, each cached as such', () => {
    const cache = new DocumentCache(schema);
    expect(cache.get('{ a')).toHaveProperty('parseError');
    const invalid = cache.get('{ nope }');
    expect('validationErrors' in invalid && invalid.validationErrors.map((e) => e.message)).toEqual(['Cannot query field "nope" on type "Query".']);
  });

  it('drops the least recently used text beyond its size', () => {
    const cache = new DocumentCache(schema, 2);
    const a = cache.get('{ a }');
    const b = cache.get('{ b }');
    // `a` used again: `b` is now the oldest, and goes when `c` comes.
    expect(cache.get('{ a }')).toBe(a);
    cache.get('{ c }');
    expect(cache.get('{ a }')).toBe(a);
    expect(cache.get('{ b }')).not.toBe(b);
  });
});
