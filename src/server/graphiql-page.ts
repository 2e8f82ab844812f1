import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

const DEFAULT_QUERY = `# Paste your API token into the Headers tab below ("Authorization": "Bearer kg_…"), then run.
query Viewer {
  viewer {
    role
    organization { name }
  }
}
`;

let page: string | undefined;

/**
 * GraphiQL with its scripts, styles, editor workers and icon inlined (about 9 MB, rendered once), so it
 * works with no internet access and sends requests only to this server: queries over HTTP POST,
 * subscriptions over graphql-ws on the same path.
 */
export function graphiqlPage(): string {
  page ??= renderGraphiQL({
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
  });
  return page;
}
