import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

const DEFAULT_QUERY = `# Put your API token in Headers (below), then Run.
# Docs: the book icon, top left.
query Viewer {
  viewer {
    role
    organization { name }
  }
}
`;

/**
 * GraphiQL sends its header editor's headers with HTTP requests only; its graphql-ws client opens with
 * an empty `connection_init`, which this server refuses (4401). This runs before GraphiQL and adds the
 * active tab's Authorization header (persisted by GraphiQL in localStorage) to `connection_init`.
 */
const WS_AUTHORIZATION_SCRIPT = `(() => {
  const NativeWebSocket = window.WebSocket;
  const activeAuthorization = () => {
    try {
      const state = JSON.parse(localStorage.getItem('graphiql:tabState') || 'null');
      const tab = state && state.tabs && state.tabs[state.activeTabIndex];
      const headers = JSON.parse((tab && tab.headers) || localStorage.getItem('graphiql:headers') || '{}');
      for (const [name, value] of Object.entries(headers)) {
        if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
      }
    } catch (err) {
      console.warn('kubegraph: cannot read the GraphiQL headers', err);
    }
    return undefined;
  };
  window.WebSocket = class extends NativeWebSocket {
    send(data) {
      if (typeof data === 'string' && data.includes('"connection_init"')) {
        const message = JSON.parse(data);
        const authorization = activeAuthorization();
        if (message.type === 'connection_init' && authorization) {
          data = JSON.stringify({ ...message, payload: { ...(message.payload || {}), authorization } });
        }
      }
      super.send(data);
    }
  };
})();`;

/** One encoding of the page, with its own strong validator (a validator names one representation). */
export interface GraphiQLRepresentation {
  body: Buffer;
  etag: string;
}

/** The page as sent: as it is, or compressed for a browser that accepts it (9.1 MB; Brotli 1.9 MB, gzip 2.4 MB). */
export interface GraphiQLPage {
  identity: GraphiQLRepresentation;
  br: GraphiQLRepresentation;
  gzip: GraphiQLRepresentation;
}

let page: Promise<GraphiQLPage> | undefined;

function representation(body: Buffer): GraphiQLRepresentation {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * GraphiQL with its scripts, styles, editor workers and icon inlined (about 9 MB, rendered and compressed once), so
 * it works with no internet access and sends requests only to this server: queries over HTTP POST, subscriptions
 * over graphql-ws on the same path.
 */
export function graphiqlPage(): Promise<GraphiQLPage> {
  page ??= render();
  return page;
}

async function render(): Promise<GraphiQLPage> {
  const html = Buffer.from(withScriptFirst(WS_AUTHORIZATION_SCRIPT, renderGraphiQL({
    title: 'kubegraph GraphiQL',
    endpoint: '/graphql',
    subscriptionsProtocol: 'WS',
    defaultQuery: DEFAULT_QUERY,
    headers: JSON.stringify({ Authorization: 'Bearer <paste your kg_ token here>' }, null, 2),
    defaultEditorToolsVisibility: 'headers',
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    schemaDescription: true,
    credentials: 'omit',
  })));
  // Compressed on libuv's threads, off the event loop (about a second of CPU). Brotli quality 9, not 11: 8 % larger
  // (1.86 MB against 1.71 MB), in a tenth of the time (11 would take about 12 s).
  const [br, gz] = await Promise.all([
    promisify(brotliCompress)(html, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: html.length } }),
    promisify(gzip)(html, { level: 9 }),
  ]);
  return { identity: representation(html), br: representation(br), gzip: representation(gz) };
}

function withScriptFirst(script: string, html: string): string {
  const at = html.indexOf('<script>');
  if (at === -1) throw new Error('unexpected GraphiQL page: no <script> element');
  return `${html.slice(0, at)}<script>${script}</script>\n${html.slice(at)}`;
}
