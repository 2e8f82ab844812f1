import 'reflect-metadata';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSION_THRESHOLD_BYTES, preferredCoding } from '../../src/server/response-compression.js';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { rawRequest } from './support/raw-http.js';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server?.close();
});

/** Introspection runs without a token and answers with tens of kilobytes of JSON. */
const LARGE = '{ __schema { types { name description fields { name description args { name description } } } } }';

const post = (query: string, headers: Record<string, string> = {}) =>
  rawRequest(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

describe('JSON responses of /graphql', () => {
  it('come back as they are to a client that does not ask for compression', async () => {
    const res = await post(LARGE);
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toContain('Accept-Encoding');
    expect(res.body.length).toBeGreaterThan(20 * COMPRESSION_THRESHOLD_BYTES);
    expect(JSON.parse(res.body.toString()).data.__schema.types.some((t: { name: string }) => t.name === 'Pod')).toBe(true);
  });

  it('are compressed with gzip or Brotli as the client accepts, and decode to the same JSON', async () => {
    const plain = await post(LARGE);
    for (const [encoding, decode] of [['gzip', gunzipSync], ['br', brotliDecompressSync]] as const) {
      const res = await post(LARGE, { 'accept-encoding': encoding });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers.vary).toContain('Accept-Encoding');
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      expect(res.body.length).toBeLessThan(plain.body.length / 4);
      expect(JSON.parse(decode(res.body).toString())).toEqual(JSON.parse(plain.body.toString()));
    }
  });

  it('stay as they are below the threshold, and when the client refuses every coding', async () => {
    const small = await post('{ __typename }', { 'accept-encoding': 'gzip, br' });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString())).toEqual({ data: { __typename: 'Query' } });
    for (const header of ['identity', 'gzip;q=0, br;q=0']) {
      const res = await post(LARGE, { 'accept-encoding': header });
      expect(res.headers['content-encoding'], header).toBeUndefined();
      expect(JSON.parse(res.body.toString()).data.__schema).toBeDefined();
    }
  });
});

describe('the coding chosen from Accept-Encoding', () => {
  it('is the highest q-value, Brotli on a tie, none for identity, q=0 or no header', () => {
    expect(preferredCoding('gzip, deflate, br, zstd')).toBe('br');
    expect(preferredCoding('gzip')).toBe('gzip');
    expect(preferredCoding('br;q=0.5, gzip')).toBe('gzip');
    expect(preferredCoding('GZIP; Q=0.8, br;q=0.9')).toBe('br');
    expect(preferredCoding('*')).toBe('br');
    expect(preferredCoding('br;q=0, *')).toBe('gzip');
    expect(preferredCoding('identity')).toBeUndefined();
    expect(preferredCoding('gzip;q=0')).toBeUndefined();
    expect(preferredCoding('')).toBeUndefined();
    expect(preferredCoding(undefined)).toBeUndefined();
  });
});
