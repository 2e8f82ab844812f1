/** What the browser script needs to know: where the API and the editor workers are, and GraphiQL's options. */
export interface GraphiQLClientConfig {
  endpoint: string;
  /** Monaco worker label → URL of its script. */
  workers: Record<string, string>;
  /** Passed to Yoga's GraphiQL as they are (title, default query and headers, …). */
  options: Record<string, unknown>;
}

/**
 * The script that starts GraphiQL, with its own fetcher so that an operation runs with the headers in the editor at
 * the moment of Run (GraphiQL hands them to the fetcher). Queries and mutations are POSTed with those headers.
 * Subscriptions go over graphql-ws on the same origin, authenticated with their Authorization header in
 * `connection_init`: one connection per header value, replaced when the header changes (the server checks the token
 * once per connection). A connection the server refuses or loses ends the subscription with the close reason as a
 * GraphQL error, instead of the browser's CloseEvent, which GraphiQL would show as `{"isTrusted":true}`.
 */
export function graphiqlClientScript(config: GraphiQLClientConfig): string {
  return `(() => {
  'use strict';
  const config = ${JSON.stringify(config)};
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => config.workers[label] };

  const endpoint = new URL(config.endpoint, location.href);
  const wsUrl = endpoint.href.replace(/^http/, 'ws');

  const authorizationOf = (headers) => {
    for (const [name, value] of Object.entries(headers || {})) {
      if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
    }
    return undefined;
  };

  const operationOf = (documentAST, operationName) => {
    const operations = ((documentAST && documentAST.definitions) || []).filter((d) => d.kind === 'OperationDefinition');
    return operationName ? operations.find((o) => o.name && o.name.value === operationName) : operations[0];
  };

  /** The result pane's text for a subscription that failed: the server's own words. */
  const failure = (error) => {
    if (Array.isArray(error)) return { errors: error };
    if (error && typeof error.code === 'number' && typeof error.reason === 'string') {
      const message = error.reason || 'The WebSocket connection to ' + wsUrl + ' closed (code ' + error.code + ') before the subscription ended';
      return { errors: [{ message, extensions: { closeCode: error.code } }] };
    }
    if (error instanceof Error) return { errors: [{ message: error.message }] };
    return { errors: [{ message: 'The WebSocket connection to ' + wsUrl + ' failed' }] };
  };

  let connection;
  const clientFor = (headers) => {
    const authorization = authorizationOf(headers);
    const connectionParams = authorization === undefined ? {} : { authorization };
    const key = JSON.stringify(connectionParams);
    if (connection && connection.key === key) return connection.client;
    if (connection) connection.client.dispose();
    // No retries: a refused or lost connection is reported at once, and the next Run connects again.
    connection = { key, client: graphqlWs.createClient({ url: wsUrl, connectionParams, retryAttempts: 0 }) };
    return connection.client;
  };

  const subscription = (client, payload) => ({
    subscribe(observer) {
      const dispose = client.subscribe(payload, {
        next: (value) => observer.next(value),
        error: (error) => {
          observer.next(failure(error));
          observer.complete();
        },
        complete: () => observer.complete(),
      });
      return { unsubscribe: dispose };
    },
  });

  const post = async (params, headers) => {
    let response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        credentials: 'omit',
        headers: { ...headers, accept: 'application/graphql-response+json, application/json', 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
    } catch (error) {
      return { errors: [{ message: 'Cannot reach ' + endpoint.href + ': ' + error.message }] };
    }
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: 'HTTP ' + response.status + ' ' + response.statusText + ': ' + text.slice(0, 500) }] };
    }
  };

  const fetcher = (params, opts) => {
    const headers = (opts && opts.headers) || {};
    const operation = operationOf(opts && opts.documentAST, params.operationName);
    if (operation && operation.operation === 'subscription') return subscription(clientFor(headers), params);
    return post(params, headers);
  };

  YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), { ...config.options, fetcher });
})();
`;
}
