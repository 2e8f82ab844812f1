import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';
import { graphiqlClientScript } from './graphiql-client.js';

/** URL prefix of GraphiQL's scripts, styles and icon. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql';

const DEFAULT_QUERY = `# Put your API token in Headers (below), then Run.
# Docs: the book icon, top left.
query Viewer {
  viewer {
    role
    organization { name }
  }
}
`;

/** One encoding of a file, with its own strong validator (a validator names one representation). */
export interface Representation {
  body: Buffer;
  etag: string;
}

/** A file as sent: as it is, and compressed for browsers that accept Brotli or gzip. */
export interface StaticFile {
  contentType: string;
  identity: Representation;
  br: Representation;
  gzip: Representation;
}

export interface GraphiQLFiles {
  /** The page on /graphql: a few hundred bytes that name the assets. */
  page: { contentType: string; identity: Representation };
  /** Assets by file name (under GRAPHIQL_ASSETS_PATH), each name carrying a hash of its content. */
  assets: Map<string, StaticFile>;
}

const JS = 'text/javascript; charset=utf-8';

function representation(body: Buffer): Representation {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** `graphiql.js` → `graphiql.0f3a9c51d2e4b687.js`: a new content gets a new name, so the old one may be cached forever. */
function hashedName(name: string, body: Buffer): string {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const dot = name.lastIndexOf('.');
  return `${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
}

async function compressed(contentType: string, body: Buffer): Promise<StaticFile> {
  // Off the event loop (about 0.8 s of CPU for all files). Brotli quality 9, not 11: a few percent larger, in a tenth
  // of the time.
  const br = await promisify(brotliCompress)(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
  const gz = await promisify(gzip)(body, { level: 9 });
  return { contentType, identity: representation(body), br: representation(br), gzip: representation(gz) };
}

/** graphql-ws's browser build, which the page's subscriptions use. */
async function graphqlWsClient(): Promise<Buffer> {
  const packageJson = createRequire(import.meta.url).resolve('graphql-ws/package.json');
  return readFile(path.join(path.dirname(packageJson), 'umd/graphql-ws.min.js'));
}

function dataUri(uri: string): { contentType: string; body: Buffer } {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(uri);
  if (!m) throw new Error('unexpected GraphiQL icon: not a base64 data URI');
  return { contentType: m[1], body: Buffer.from(m[2], 'base64') };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

let files: Promise<GraphiQLFiles> | undefined;

/**
 * GraphiQL as a small page and separate, content-named assets, all from this server (no CDN: it works offline and
 * sends requests only here), compressed once per process and kept in memory (about 13 MB with their encodings).
 */
export function graphiqlFiles(): Promise<GraphiQLFiles> {
  files ??= build();
  return files;
}

async function build(): Promise<GraphiQLFiles> {
  const title = 'kubegraph GraphiQL';
  const sources: Array<[name: string, contentType: string, body: Buffer]> = [
    ['graphiql.css', 'text/css; charset=utf-8', Buffer.from(css)],
    ['graphiql.js', JS, Buffer.from(js)],
    ['graphql-ws.js', JS, await graphqlWsClient()],
    ['editor.worker.js', JS, Buffer.from(editorWorkerService)],
    ['json.worker.js', JS, Buffer.from(jsonWorker)],
    ['graphql.worker.js', JS, Buffer.from(graphqlWorker)],
  ];
  const icon = dataUri(favicon);
  sources.push(['favicon.ico', icon.contentType, icon.body]);
  const url = new Map(sources.map(([name, , body]) => [name, `${GRAPHIQL_ASSETS_PATH}/${hashedName(name, body)}`]));
  const client = Buffer.from(graphiqlClientScript({
    endpoint: '/graphql',
    workers: { editorWorkerService: url.get('editor.worker.js')!, json: url.get('json.worker.js')!, graphql: url.get('graphql.worker.js')! },
    options: {
      title,
      defaultQuery: DEFAULT_QUERY,
      headers: JSON.stringify({ Authorization: 'Bearer <paste your kg_ token here>' }, null, 2),
      defaultEditorToolsVisibility: 'headers',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      schemaDescription: true,
    },
  }));
  sources.push(['kubegraph-graphiql.js', JS, client]);
  url.set('kubegraph-graphiql.js', `${GRAPHIQL_ASSETS_PATH}/${hashedName('kubegraph-graphiql.js', client)}`);

  // One file after the other, on one of libuv's threads at a time: at a server's start this leaves the other cores to
  // the event loop and the database (filesystem and DNS work queue on the same four threads).
  const assets = new Map<string, StaticFile>();
  for (const [name, contentType, body] of sources) assets.set(path.posix.basename(url.get(name)!), await compressed(contentType, body));
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>${escapeHtml(title)}</title>
    <link rel="icon" href="${url.get('favicon.ico')}">
    <link rel="stylesheet" href="${url.get('graphiql.css')}">
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script src="${url.get('graphql-ws.js')}"></script>
    <script src="${url.get('graphiql.js')}"></script>
    <script src="${url.get('kubegraph-graphiql.js')}"></script>
  </body>
</html>
`;
  return { page: { contentType: 'text/html; charset=utf-8', identity: representation(Buffer.from(page)) }, assets };
}
