import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../src/auth/api-token.service.js';
import { ClusterRegistrationService, CLUSTER_REGISTRY_CHANNEL } from '../../src/cluster/cluster-registration.service.js';
import { KubeconfigCrypto } from '../../src/cluster/kubeconfig-crypto.js';
import { loadConfig } from '../../src/common/config.js';
import { mountGraphQL, type GraphQLEndpoint } from '../../src/server/graphql-endpoint.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { toGlobalId, uuidFromGlobalId } from '../../src/graphql/relay/index.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { createCaller, errorCodes, gql, ObservedEventBus, waitFor, type ApiServer, type Caller } from '../api-core/support/api-server.js';
import { createTestDatabase } from '../support/database.js';
import { captureLogs } from './support/capture-logs.js';
import { findInDatabase } from './support/secret-scan.js';

const TOKEN = `gql-secret-${randomBytes(10).toString('hex')}`;

let server: ApiServer;
let sim: SimulatedCluster;
let logs: ReturnType<typeof captureLogs>;
let editor: Caller;
let viewer: Caller;
let admin: Caller;
let outsider: Caller;

const REGISTER = `mutation ($input: RegisterClusterInput!) {
  registerCluster(input: $input) { id name provider kubernetesVersion contextName status labels apiServerUrl }
}`;

/** The GraphQL endpoint of `serve`, with cluster registration offered as serve's cluster component does. */
async function startServer(): Promise<ApiServer> {
  const db = await createTestDatabase();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1' });
  const eventBus = new ObservedEventBus();
  const clusterRegistration = new ClusterRegistrationService({ dataSource: db.dataSource, crypto: new KubeconfigCrypto(randomBytes(32)), eventBus, log: logs.logger });
  const http = createHttpServer({ config, readiness: { check: async () => ({ ready: true, checks: {} }) } });
  let endpoint: GraphQLEndpoint | undefined;
  await http.mount(async (app, s) => {
    endpoint = await mountGraphQL(app, s, { config, dataSource: db.dataSource, eventBus, services: { clusterRegistration } });
  });
  await http.listen();
  const baseUrl = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  return {
    db,
    config,
    eventBus,
    endpoint: endpoint!,
    http,
    baseUrl,
    graphqlUrl: `${baseUrl}/graphql`,
    wsUrl: baseUrl.replace('http', 'ws') + '/graphql',
    tokens: new ApiTokenService(db.dataSource),
    async close() {
      await endpoint?.stop();
      await http.close(1000);
      await db.drop();
    },
  };
}

beforeAll(async () => {
  logs = captureLogs();
  server = await startServer();
  sim = await SimulatedCluster.start({ nodes: 2, pods: 4, seed: 'gql', token: TOKEN, provider: 'aks', name: 'gql-sim' });
  editor = await createCaller(server, 'acme', 'editor');
  viewer = await createCaller(server, 'acme', 'viewer');
  admin = await createCaller(server, 'acme', 'admin');
  outsider = await createCaller(server, 'other', 'admin');
});

afterAll(async () => {
  await sim?.stop();
  await server?.close();
});

describe('cluster mutations', () => {
  it('registers a cluster for an editor and never answers with the kubeconfig', async () => {
    const res = await gql<{ registerCluster: Record<string, unknown> }>(server, REGISTER, {
      token: editor.secret,
      variables: { input: { kubeconfig: sim.kubeconfig(), name: 'east', labels: { env: 'prod' } } },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.registerCluster).toMatchObject({
      name: 'east',
      provider: 'AKS',
      kubernetesVersion: 'v1.30.3',
      contextName: 'gql-sim',
      status: 'PENDING',
      labels: { env: 'prod' },
      apiServerUrl: sim.url,
    });
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);

    const asked = await gql(server, '{ clusters { edges { node { name kubeconfig } } } }', { token: admin.secret });
    expect(errorCodes(asked)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(asked.body)).not.toContain(TOKEN);
    const listed = await gql(server, '{ clusters { edges { node { id name provider status labels contextName apiServerUrl kubernetesVersion } } } }', { token: viewer.secret });
    expect(JSON.stringify(listed.body)).toContain('"east"');
    expect(JSON.stringify(listed.body)).not.toContain(TOKEN);
  });

  it('answers a refused registration with BAD_USER_INPUT and its cause, and stores nothing', async () => {
    const [{ n: before }] = await server.db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_clusters`);
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ kubeconfig: 'a: [' }, 'INVALID_KUBECONFIG', /not valid YAML/],
      [{ kubeconfig: sim.kubeconfig(), context: 'nope' }, 'UNKNOWN_CONTEXT', /context "nope" is not in the kubeconfig/],
      [{ kubeconfig: sim.kubeconfig().replace(TOKEN, 'bad') }, 'UNAUTHORIZED', /HTTP 401/],
      [{ kubeconfig: sim.kubeconfig(), name: 'east' }, 'NAME_TAKEN', /already exists/],
    ];
    for (const [input, reason, message] of cases) {
      const res = await gql(server, REGISTER, { token: editor.secret, variables: { input } });
      expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason });
      expect(res.body.errors?.[0]?.message).toMatch(message);
      expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    }
    const [{ n: after }] = await server.db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_clusters`);
    expect(after).toBe(before);
  });

  it('enforces roles: viewers register nothing, only admins remove', async () => {
    expect(errorCodes(await gql(server, REGISTER, { variables: { input: { kubeconfig: sim.kubeconfig(), name: 'x' } } }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(server, REGISTER, { token: viewer.secret, variables: { input: { kubeconfig: sim.kubeconfig(), name: 'x' } } }))).toEqual(['FORBIDDEN']);
    const [{ id }] = await server.db.dataSource.query(`SELECT id FROM k8s_clusters WHERE name = 'east'`);
    const globalId = toGlobalId('Cluster', id);
    const remove = `mutation ($id: ID!) { removeCluster(id: $id) { name } }`;
    expect(errorCodes(await gql(server, remove, { token: editor.secret, variables: { id: globalId } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(server, remove, { token: outsider.secret, variables: { id: globalId } }))).toEqual(['NOT_FOUND']);
    const update = `mutation ($id: ID!) { updateCluster(id: $id, input: { name: "stolen" }) { name } }`;
    expect(errorCodes(await gql(server, update, { token: outsider.secret, variables: { id: globalId } }))).toEqual(['NOT_FOUND']);
    const [{ name }] = await server.db.dataSource.query(`SELECT name FROM k8s_clusters WHERE id = $1`, [id]);
    expect(name).toBe('east');
  });

  it('updates, asks for a resync through PostgreSQL, and removes with or without data', async () => {
    const listener = new pg.Client({ connectionString: server.db.url });
    await listener.connect();
    const notices: Array<{ change: string; clusterId: string }> = [];
    listener.on('notification', (m) => notices.push(JSON.parse(m.payload!)));
    await listener.query(`LISTEN ${CLUSTER_REGISTRY_CHANNEL}`);
    try {
      const created = await gql<{ registerCluster: { id: string } }>(server, REGISTER, {
        token: editor.secret,
        variables: { input: { kubeconfig: sim.kubeconfig(), name: 'west' } },
      });
      const id = created.body.data!.registerCluster.id;
      const updated = await gql<{ updateCluster: Record<string, unknown> }>(
        server,
        `mutation ($id: ID!, $kc: String) { updateCluster(id: $id, input: { name: "west-2", labels: { tier: "gold" }, kubeconfig: $kc, context: "gql-sim" }) { id name labels status } }`,
        { token: editor.secret, variables: { id, kc: sim.kubeconfig() } },
      );
      expect(updated.body.data!.updateCluster).toEqual({ id, name: 'west-2', labels: { tier: 'gold' }, status: 'PENDING' });
      const contextAlone = await gql(server, `mutation ($id: ID!) { updateCluster(id: $id, input: { context: "x" }) { id } }`, { token: editor.secret, variables: { id } });
      expect(contextAlone.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_INPUT' });

      const resync = await gql<{ resyncCluster: { name: string } }>(server, `mutation ($id: ID!) { resyncCluster(id: $id) { name } }`, { token: editor.secret, variables: { id } });
      expect(resync.body.data!.resyncCluster.name).toBe('west-2');

      const kept = await gql<{ removeCluster: Record<string, unknown> }>(server, `mutation ($id: ID!) { removeCluster(id: $id, keepData: true) { name status statusMessage } }`, {
        token: admin.secret,
        variables: { id },
      });
      expect(kept.body.data!.removeCluster).toMatchObject({ name: 'west-2', status: 'ERROR' });
      const gone = await gql<{ removeCluster: Record<string, unknown> }>(server, `mutation ($id: ID!) { removeCluster(id: $id) { id name } }`, { token: admin.secret, variables: { id } });
      expect(gone.body.data!.removeCluster).toEqual({ id, name: 'west-2' });
      expect(await server.db.dataSource.query(`SELECT name FROM k8s_clusters ORDER BY name`)).toEqual([{ name: 'east' }]);

      // Notifications arrive in commit order: once one sent after the mutations has arrived, so has every one of theirs.
      await server.db.dataSource.query('SELECT pg_notify($1, $2)', [CLUSTER_REGISTRY_CHANNEL, JSON.stringify({ change: 'fence', clusterId: 'fence' })]);
      await waitFor(() => notices.some((n) => n.change === 'fence'), 'the fence notification');
      const uuid = uuidFromGlobalId(id, 'Cluster');
      expect(notices.filter((n) => n.clusterId === uuid).map((n) => n.change)).toEqual(['registered', 'updated', 'resync', 'removed', 'removed']);
    } finally {
      await listener.end();
    }
  });

  it('leaves the token in clear nowhere: not in the database, not in the logs', async () => {
    expect(await findInDatabase(server.db.dataSource, TOKEN)).toEqual([]);
    expect(logs.text()).toContain('registered cluster');
    expect(logs.text()).not.toContain(TOKEN);
  });
});

describe('live cluster feed', () => {
  it('tells subscribers of the organisation about registrations and removals as they commit', async () => {
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${viewer.secret}` }, retryAttempts: 0 });
    const outsiderClient = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${outsider.secret}` }, retryAttempts: 0 });
    const query = 'subscription { clusterStatusChanged { type cluster { name status provider } } }';
    const seen: string[] = [];
    const outsiderSeen: string[] = [];
    try {
      const listening = server.eventBus.listenerCount;
      const done = new Promise<void>((resolve, reject) => {
        client.subscribe<{ clusterStatusChanged: { type: string; cluster: { name: string; status: string; provider: string } } }>(
          { query },
          {
            next: ({ data }) => {
              const e = data!.clusterStatusChanged;
              seen.push(`${e.type} ${e.cluster.name} ${e.cluster.status} ${e.cluster.provider}`);
              if (e.type === 'DELETED') resolve();
            },
            error: reject,
            complete: () => resolve(),
          },
        );
      });
      outsiderClient.subscribe<{ clusterStatusChanged: { type: string; cluster: { name: string } } }>(
        { query },
        { next: ({ data }) => outsiderSeen.push(`${data!.clusterStatusChanged.type} ${data!.clusterStatusChanged.cluster.name}`), error: () => undefined, complete: () => undefined },
      );
      await waitFor(() => server.eventBus.listenerCount >= listening + 2, 'the subscriptions to start');
      const registered = await gql<{ registerCluster: { id: string } }>(server, REGISTER, {
        token: editor.secret,
        variables: { input: { kubeconfig: sim.kubeconfig(), name: 'feed' } },
      });
      expect(registered.body.errors).toBeUndefined();
      const removed = await gql(server, `mutation ($id: ID!) { removeCluster(id: $id) { name } }`, { token: admin.secret, variables: { id: registered.body.data!.registerCluster.id } });
      expect(removed.body.errors).toBeUndefined();
      await done;
      expect(seen).toEqual(['ADDED feed PENDING AKS', 'DELETED feed PENDING AKS']);
      // The outsider's own registration, made after: once its event has arrived, any of acme's sent to it would have too.
      const fence = await gql<{ registerCluster: { id: string } }>(server, REGISTER, {
        token: outsider.secret,
        variables: { input: { kubeconfig: sim.kubeconfig(), name: 'outsider-fence' } },
      });
      expect(fence.body.errors).toBeUndefined();
      await waitFor(() => outsiderSeen.includes('ADDED outsider-fence'), "the outsider's own event");
      expect(outsiderSeen).toEqual(['ADDED outsider-fence']);
    } finally {
      await client.dispose();
      await outsiderClient.dispose();
    }
  });
});
