import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../src/auth/api-token.service.js';
import { loadConfig } from '../../src/common/config.js';
import { createDataSource } from '../../src/db/data-source.js';
import { closeDataSource } from '../../src/db/pool-connections.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { type GraphQLEndpoint, mountGraphQL } from '../../src/server/graphql-endpoint.js';
import { createHttpServer, type HttpServer } from '../../src/server/http-server.js';
import { DatabaseLink } from '../support/database-link.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The API on a database that goes away: answers a client can retry (503, Retry-After), naming nothing internal.
describe('the GraphQL API while the database is away', () => {
  let db: TestDatabase;
  let link: DatabaseLink;
  let apiDb: DataSource;
  let http: HttpServer;
  let endpoint: GraphQLEndpoint | undefined;
  let url: string;
  let token: string;
  const QUERY = `{ clusters(first: 5) { totalCount } }`;

  beforeAll(async () => {
    db = await createTestDatabase();
    let apiUrl: string;
    ({ link, url: apiUrl } = await DatabaseLink.to(db.url));
    apiDb = createDataSource(apiUrl, { poolSize: 4, applicationName: 'outage-api', connectTimeoutMs: 2000 });
    await apiDb.initialize();
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1' });
    http = createHttpServer({ config, readiness: { check: async () => ({ ready: true, checks: {} }) } });
    await http.mount(async (app, server) => {
      endpoint = await mountGraphQL(app, server, { config, dataSource: apiDb, eventBus: new InProcessEventBus() });
    });
    await http.listen();
    url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/graphql`;
    const tokens = new ApiTokenService(db.dataSource);
    const org = await tokens.ensureOrganization('outage');
    token = (await tokens.create({ organizationId: org.id, name: 'viewer', role: 'viewer' })).secret;
  });

  afterAll(async () => {
    await endpoint?.stop();
    await http?.close(1000);
    if (apiDb) await closeDataSource(apiDb, { timeoutMs: 5000 });
    await link?.close();
    await db?.drop();
  });

  const ask = async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: QUERY }) });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text, body: JSON.parse(text) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
  };

  /** Nothing of where the database is or what failed: its address, port, error or SQL. */
  const expectNothingInternal = (text: string) => {
    for (const internal of ['127.0.0.1', 'ECONNREFUSED', 'Connection terminated', 'k8s_clusters', 'SELECT']) expect(text).not.toContain(internal);
  };

  it('answers 503 with Retry-After while the token cannot be checked, and answers again once the database is back', async () => {
    expect(await ask()).toMatchObject({ status: 200, body: { data: { clusters: { totalCount: 0 } } } });
    await link.cut();
    const away = await ask();
    expect(away).toMatchObject({ status: 503, retryAfter: '5' });
    expect(away.body.errors).toEqual([{ message: 'Service unavailable: the database cannot be reached now; try again later', extensions: { code: 'SERVICE_UNAVAILABLE' } }]);
    expectNothingInternal(away.text);
    await link.open();
    expect(await ask()).toMatchObject({ status: 200, body: { data: { clusters: { totalCount: 0 } } } });
  });

  it('answers 503 with Retry-After when the database goes away in the middle of a query', async () => {
    // The clusters table locked: the query waits on it (the token check before it does not), then the link is cut.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE k8s_clusters IN ACCESS EXCLUSIVE MODE');
      const pending = ask();
      for (const started = Date.now(); ; ) {
        const [{ n }] = await db.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'outage-api' AND wait_event_type = 'Lock'`,
        );
        if (n > 0) break;
        if (Date.now() - started > 30_000) throw new Error('the query never waited on the lock');
        await new Promise((r) => setTimeout(r, 20));
      }
      await link.cut();
      const away = await pending;
      expect(away).toMatchObject({ status: 503, retryAfter: '5' });
      expect(away.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
        ['Service unavailable: the database cannot be reached now; try again later', 'SERVICE_UNAVAILABLE'],
      ]);
      expectNothingInternal(away.text);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
      await link.open();
    }
  });
});
