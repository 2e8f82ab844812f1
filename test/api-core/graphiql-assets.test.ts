import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { rawRequest, type RawResponse } from './support/raw-http.js';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server?.close();
});

const ASSET = /\/graphiql\/([\w-]+(?:\.[\w-]+)*)\.([0-9a-f]{16})\.(js|css|ico)/g;

const page = () => rawRequest(server.graphqlUrl, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'accept-encoding': 'gzip, br' } });

function decoded(res: RawResponse): Buffer {
  const encoding = res.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(res.body);
  if (encoding === 'gzip') return gunzipSync(res.body);
  expect(encoding).toBeUndefined();
  return res.body;
}

const contentHash = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 16);

describe('GraphiQL page', () => {
  it('is a small page, revalidated at every load, that names its assets on this server by their content', async () => {
    const res = await page();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.vary).toBe('Accept');
    const html = res.body.toString();
    expect(html).toContain('<title>kubegraph GraphiQL</title>');
    expect(res.body.length).toBeLessThan(2048);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect([...html.matchAll(ASSET)].map((m) => `${m[1]}.${m[3]}`).sort()).toEqual(['favicon.ico', 'graphiql.css', 'graphiql.js', 'graphql-ws.js', 'kubegraph-graphiql.js']);

    const etag = res.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await rawRequest(server.graphqlUrl, { headers: { accept: 'text/html', 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('still answers API clients on the same URL', async () => {
    const res = await rawRequest(server.graphqlUrl, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('GraphiQL assets', () => {
  /** Every asset: those the page names and those its script loads (the editor workers). */
  async function assetUrls(): Promise<string[]> {
    const html = (await page()).body.toString();
    const client = [...html.matchAll(ASSET)].find((m) => m[1] === 'kubegraph-graphiql')!;
    const script = decoded(await rawRequest(new URL(client[0], server.baseUrl).href)).toString();
    return [...new Set([...html.matchAll(ASSET), ...script.matchAll(ASSET)].map((m) => m[0]))];
  }

  const unhashed = (url: string) => url.replace(/\.[0-9a-f]{16}\./, '.');

  async function assetUrl(name: string): Promise<string> {
    const url = (await assetUrls()).find((u) => unhashed(u) === `/graphiql/${name}`);
    if (!url) throw new Error(`no asset ${name}`);
    return new URL(url, server.baseUrl).href;
  }

  it('are cached for a year, sent as Brotli or gzip as the browser accepts, and decode to the content their names hash', async () => {
    const urls = await assetUrls();
    expect(urls.map(unhashed).sort()).toEqual([
      '/graphiql/editor.worker.js', '/graphiql/favicon.ico', '/graphiql/graphiql.css', '/graphiql/graphiql.js',
      '/graphiql/graphql-ws.js', '/graphiql/graphql.worker.js', '/graphiql/json.worker.js', '/graphiql/kubegraph-graphiql.js',
    ]);
    for (const url of urls) {
      const [, , hash, ext] = new RegExp(ASSET.source).exec(url)!;
      const sizes: Record<string, number> = {};
      for (const encoding of ['br', 'gzip', 'identity']) {
        const res = await rawRequest(new URL(url, server.baseUrl).href, { headers: { 'accept-encoding': encoding } });
        expect(res.status, url).toBe(200);
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(res.headers.vary).toBe('Accept-Encoding');
        expect(res.headers['content-encoding']).toBe(encoding === 'identity' ? undefined : encoding);
        expect(res.headers['content-type']).toBe({ js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', ico: 'image/x-icon' }[ext]);
        expect(Number(res.headers['content-length'])).toBe(res.body.length);
        expect(contentHash(decoded(res)), `${url} as ${encoding}`).toBe(hash);
        sizes[encoding] = res.body.length;
      }
      expect(sizes.br).toBeLessThan(sizes.identity);
      expect(sizes.gzip).toBeLessThan(sizes.identity);
    }
  });

  it('prefers Brotli when both are accepted, and revalidate by the encoding\'s own ETag', async () => {
    const url = await assetUrl('graphiql.css');
    const br = await rawRequest(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    const gzip = await rawRequest(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers.etag).not.toBe(br.headers.etag);
    const again = await rawRequest(url, { headers: { 'accept-encoding': 'gzip', 'if-none-match': gzip.headers.etag! } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for a name that is not a current asset (an older hash, or nothing of ours)', async () => {
    const url = await assetUrl('graphiql.js');
    for (const path of [url.replace(/\.[0-9a-f]{16}\./, '.0000000000000000.'), '/graphiql/graphiql.js', '/graphiql/..%2Fpackage.json']) {
      const res = await rawRequest(new URL(path, server.baseUrl).href);
      expect(res.status, path).toBe(404);
      expect(res.headers['cache-control']).toBeUndefined();
      expect(res.body.toString()).toMatch(/^No GraphiQL asset ".+"; reload \/graphql for the current ones\n$/);
    }
  });
});
