import type { AddressInfo } from 'node:net';
import { bootstrapMessage, ensureBootstrapToken } from '../auth/bootstrap-token.js';
import { logger } from '../common/logger.js';
import { graphiqlFiles } from './graphiql-assets.js';
import { GRAPHQL_PATH, mountGraphQL, type GraphQLEndpoint } from './graphql-endpoint.js';
import type { Component, ServeContext } from './serve.js';

function graphiqlUrl(ctx: ServeContext): string {
  const { port } = ctx.http.server.address() as AddressInfo;
  const host = ctx.config.host === '0.0.0.0' || ctx.config.host === '::' ? 'localhost' : ctx.config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${GRAPHQL_PATH}`;
}

/** The GraphQL endpoint inside `serve`; on the first start of the embedded default it prints an admin token. */
export function graphqlComponent(ctx: ServeContext): Component {
  let endpoint: GraphQLEndpoint | undefined;
  return {
    name: 'graphql',
    async start() {
      await ctx.http.mount(async (app, server) => {
        endpoint = await mountGraphQL(app, server, {
          config: ctx.config,
          dataSource: ctx.dataSource,
          eventBus: ctx.eventBus,
          services: ctx.services,
          metrics: ctx.metrics,
        });
      });
      // Compressed now, off the event loop, rather than on the first visit to GraphiQL (about a second of CPU).
      graphiqlFiles().catch((err: unknown) => logger.error({ err }, 'cannot prepare GraphiQL'));
      const token = await ensureBootstrapToken(ctx.dataSource, ctx.config);
      if (token) process.stdout.write(`${bootstrapMessage(token, graphiqlUrl(ctx))}\n`);
    },
    async stop() {
      await endpoint?.stop();
    },
  };
}
