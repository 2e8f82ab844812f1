import { createHash } from 'node:crypto';
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

export interface GraphiQLPage {
  html: Buffer;
  /** Strong validator, so a browser revalidates with a 304 instead of fetching 9 MB again. */
  etag: string;
}

let page: GraphiQLPage | undefined;

/**
 * GraphiQL with its scripts, styles, editor workers and icon inlined (about 9 MB, rendered once), so it
 * works with no internet access and sends requests only to this server: queries over HTTP POST,
 * subscriptions over graphql-ws on the same path.
 */
export function graphiqlPage(): GraphiQLPage {
  if (page) return page;
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
  page = { html, etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"` };
  return page;
}

function withScriptFirst(script: string, html: string): string {
  const at = html.indexOf('<script>');
  if (at === -1) throw new Error('unexpected GraphiQL page: no <script> element');
  return `${html.slice(0, at)}<script>${script}</script>\n${html.slice(at)}`;
}
