import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../src/auth/api-token.service.js';
import { ApiServerAddressGuard } from '../../src/cluster/api-server-address.js';
import { ClusterRegistrationService } from '../../src/cluster/cluster-registration.service.js';
import { KubeClient, KubeTransportError } from '../../src/cluster/kube-client.js';
import { KubeconfigCrypto } from '../../src/cluster/kubeconfig-crypto.js';
import { ConfigError, loadApiServerAddressRule, loadConfig } from '../../src/common/config.js';
import { mountGraphQL, type GraphQLEndpoint } from '../../src/server/graphql-endpoint.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { toGlobalId } from '../../src/graphql/relay/index.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { createCaller, errorCodes, gql, ObservedEventBus, type ApiServer, type Caller } from '../api-core/support/api-server.js';
import { runCli } from '../db/support/processes.js';
import { createTestDatabase } from '../support/database.js';
import { captureLogs } from './support/capture-logs.js';

type Doc = { clusters: Array<{ cluster: Record<string, unknown> }> };

function withServer(kubeconfig: string, server: string): string {
  const doc = yaml.load(kubeconfig) as Doc;
  doc.clusters[0]!.cluster.server = server;
  return yaml.dump(doc);
}

const TOKEN = `guard-secret-${randomBytes(10).toString('hex')}`;
const KEY = randomBytes(32);
const LOOPBACK_DENIED = loadApiServerAddressRule({ KUBEGRAPH_API_SERVER_DENY: '127.0.0.0/8,::1/128' });
const NOT_ALLOWED = /^the address of https:\/\/[^ ]+ is not allowed as an API server \(KUBEGRAPH_API_SERVER_DENY, KUBEGRAPH_API_SERVER_ALLOW\)$/;
const USERINFO = 'https://kg-admin:S3cret-Pa55@';

let sim: SimulatedCluster;
let server: ApiServer;
let logs: ReturnType<typeof captureLogs>;
let editor: Caller;
/** Registers without the loopback rule, to have clusters whose kubeconfig the API then tries to change. */
let open: ClusterRegistrationService;

/** A TCP listener that only counts connections: a refused address must not even be tried. */
async function countingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const srv = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as AddressInfo).port, connections: () => connections, close: () => new Promise((r) => srv.close(() => r())) };
}

async function clusterRows(): Promise<unknown[]> {
  return server.db.dataSource.query(`SELECT id, name, api_server_url, kubeconfig_encrypted, updated_at FROM k8s_clusters ORDER BY name`);
}

/** serve's GraphQL endpoint with registration under KUBEGRAPH_API_SERVER_DENY=127.0.0.0/8,::1/128. */
async function startServer(): Promise<ApiServer> {
  const db = await createTestDatabase();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', KUBEGRAPH_API_SERVER_DENY: '127.0.0.0/8,::1/128' });
  const eventBus = new ObservedEventBus();
  const clusterRegistration = new ClusterRegistrationService({
    dataSource: db.dataSource,
    crypto: new KubeconfigCrypto(KEY),
    eventBus,
    log: logs.logger,
    addressGuard: new ApiServerAddressGuard(config.apiServerAddresses),
  });
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
  sim = await SimulatedCluster.start({ nodes: 2, pods: 4, seed: 'guard', token: TOKEN, name: 'guard-sim' });
  server = await startServer();
  editor = await createCaller(server, 'acme', 'editor');
  open = new ClusterRegistrationService({ dataSource: server.db.dataSource, crypto: new KubeconfigCrypto(KEY), probeTimeoutMs: 10_000, addressGuard: new ApiServerAddressGuard(loadApiServerAddressRule({})) });
});

afterAll(async () => {
  await sim?.stop();
  await server?.close();
});

beforeEach(async () => {
  await server.db.dataSource.query(`DELETE FROM k8s_clusters`);
});

describe('the address rule', () => {
  it('denies link-local addresses and the cloud metadata services by default, in every spelling', () => {
    const guard = new ApiServerAddressGuard(loadApiServerAddressRule({}));
    for (const denied of ['169.254.169.254', '169.254.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', 'fe80::1', 'fd00:ec2::254', '100.100.100.200']) {
      expect(guard.allows(denied), denied).toBe(false);
    }
    for (const allowed of ['10.0.0.1', '127.0.0.1', '100.100.100.201', 'fd00:ec2::253', '2001:db8::1']) expect(guard.allows(allowed), allowed).toBe(true);
    // `none` denies nothing; an allow list admits only what it lists, and the deny list still wins inside it.
    expect(new ApiServerAddressGuard(loadApiServerAddressRule({ KUBEGRAPH_API_SERVER_DENY: 'none' })).allows('169.254.169.254')).toBe(true);
    const allowList = new ApiServerAddressGuard(loadApiServerAddressRule({ KUBEGRAPH_API_SERVER_ALLOW: '10.0.0.0/8, 169.254.0.0/16' }));
    expect([allowList.allows('10.1.2.3'), allowList.allows('192.168.1.1'), allowList.allows('169.254.169.254')]).toEqual([true, false, false]);
  });

  it('refuses a bad value at start-up, naming the variable', async () => {
    const bad: Array<[Record<string, string>, string]> = [
      [{ KUBEGRAPH_API_SERVER_DENY: '10.0.0.0/33' }, 'KUBEGRAPH_API_SERVER_DENY: the prefix length of "10.0.0.0/33" must be a whole number from 0 to 32'],
      [{ KUBEGRAPH_API_SERVER_DENY: 'metadata.internal' }, 'KUBEGRAPH_API_SERVER_DENY must list IP addresses or CIDR blocks such as 10.0.0.0/8 or fd00::/8 (got "metadata.internal")'],
      [{ KUBEGRAPH_API_SERVER_ALLOW: 'fd00::/129' }, 'KUBEGRAPH_API_SERVER_ALLOW: the prefix length of "fd00::/129" must be a whole number from 0 to 128'],
      [{ KUBEGRAPH_API_SERVER_ALLOW: '10.0.0.0/8x' }, 'KUBEGRAPH_API_SERVER_ALLOW: the prefix length of "10.0.0.0/8x" must be a whole number from 0 to 32'],
      [{ KUBEGRAPH_IN_CLUSTER_NAME: 'a\u0007b' }, 'KUBEGRAPH_IN_CLUSTER_NAME must be a cluster name of at most 200 characters without control characters'],
    ];
    for (const [env, message] of bad) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
    const serve = await runCli(['serve', '--port', '0'], { KUBEGRAPH_API_SERVER_ALLOW: '10.0.0.0/8,nope' });
    expect(serve.code).toBe(1);
    expect(serve.stderr).toBe('kubegraph: KUBEGRAPH_API_SERVER_ALLOW must list IP addresses or CIDR blocks such as 10.0.0.0/8 or fd00::/8 (got "nope")\n');
  });
});

describe('connections', () => {
  it('refuses a denied address before connecting, with the same answer whether or not anything listens there', async () => {
    const guard = new ApiServerAddressGuard(LOOPBACK_DENIED);
    const listener = await countingListener();
    const closedPort = await countingListener();
    await closedPort.close();
    try {
      const errors: KubeTransportError[] = [];
      for (const port of [listener.port, closedPort.port]) {
        for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
          const client = KubeClient.fromKubeconfig(withServer(sim.kubeconfig(), `https://${host}:${port}`), { addressGuard: guard });
          errors.push(await client.getJson('/version').then(() => Promise.reject(new Error('connected')), (e: KubeTransportError) => e));
          client.close();
        }
      }
      expect(errors.map((e) => [e.constructor.name, e.reason, e.errno])).toEqual(Array(6).fill(['KubeTransportError', 'AddressNotAllowed', 'EADDRNOTALLOWED']));
      for (const e of errors) expect(e.message).toMatch(NOT_ALLOWED);
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('checks every later connection too: a client of a cluster whose address became denied cannot reach it', async () => {
    // The same kubeconfig, first under a rule that admits it, then (as after a restart with a new rule) under one that does not.
    const allowed = KubeClient.fromKubeconfig(sim.kubeconfig(), { addressGuard: new ApiServerAddressGuard(loadApiServerAddressRule({ KUBEGRAPH_API_SERVER_ALLOW: '127.0.0.1/32' })) });
    const denied = KubeClient.fromKubeconfig(sim.kubeconfig(), { addressGuard: new ApiServerAddressGuard(loadApiServerAddressRule({ KUBEGRAPH_API_SERVER_ALLOW: '10.0.0.0/8' })) });
    try {
      expect((await allowed.getJson<{ items: unknown[] }>('/api/v1/nodes')).items).toHaveLength(2);
      await expect(denied.getJson('/api/v1/nodes')).rejects.toMatchObject({ reason: 'AddressNotAllowed' });
      const watch = denied.watch('/api/v1/pods?watch=1');
      await expect(watch.next()).rejects.toMatchObject({ reason: 'AddressNotAllowed' });
    } finally {
      allowed.close();
      denied.close();
    }
  });
});

const REGISTER = `mutation ($input: RegisterClusterInput!) { registerCluster(input: $input) { id name apiServerUrl } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateClusterInput!) { updateCluster(id: $id, input: $input) { id name apiServerUrl } }`;

describe('over GraphQL', () => {
  it('refuses registering a denied address, by IP or by a name that resolves to one, and stores nothing', async () => {
    for (const url of [sim.url, sim.url.replace('127.0.0.1', 'localhost')]) {
      const res = await gql(server, REGISTER, { token: editor.secret, variables: { input: { kubeconfig: withServer(sim.kubeconfig(), url), name: 'denied' } } });
      expect(res.status).toBe(200);
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0]!.extensions!.reason).toBe('ADDRESS_NOT_ALLOWED');
      expect(res.body.errors![0]!.message).toMatch(NOT_ALLOWED);
    }
    expect(await clusterRows()).toEqual([]);
  });

  it('refuses a server URL with credentials, at registration and update, and changes nothing', async () => {
    const before = logs.text().length;
    const userinfo = withServer(sim.kubeconfig(), sim.url.replace('https://', USERINFO));
    const registered = await gql(server, REGISTER, { token: editor.secret, variables: { input: { kubeconfig: userinfo, name: 'userinfo' } } });
    expect(errorCodes(registered)).toEqual(['BAD_USER_INPUT']);
    expect(registered.body.errors![0]).toMatchObject({
      message: `cluster "guard-sim" has a user name or password in its server URL; credentials belong in the kubeconfig's user section (token, client certificate, or username and password)`,
      extensions: { reason: 'CREDENTIALS_IN_URL' },
    });
    expect(await clusterRows()).toEqual([]);

    // A cluster registered where the address is admitted; the API may not give it credentials in the URL, nor a denied address.
    const cluster = await open.register({ organizationId: editor.organizationId, kubeconfig: sim.kubeconfig(), name: 'kept' });
    const rows = await clusterRows();
    const id = toGlobalId('Cluster', cluster.id);
    for (const [kubeconfig, reason] of [
      [userinfo, 'CREDENTIALS_IN_URL'],
      [sim.kubeconfig(), 'ADDRESS_NOT_ALLOWED'],
    ] as const) {
      const res = await gql(server, UPDATE, { token: editor.secret, variables: { id, input: { name: 'renamed', kubeconfig } } });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0]!.extensions!.reason).toBe(reason);
      expect(JSON.stringify(res.body)).not.toContain('S3cret-Pa55');
    }
    expect(await clusterRows()).toEqual(rows);
    expect(logs.text().slice(before)).not.toContain('S3cret-Pa55');

    // A URL with credentials written by other means (an older version, by hand) is still answered without them.
    await server.db.dataSource.query(`UPDATE k8s_clusters SET api_server_url = $2 WHERE id = $1`, [cluster.id, sim.url.replace('https://', USERINFO)]);
    const listed = await gql<{ cluster: { apiServerUrl: string } }>(server, `query ($id: ID!) { cluster(id: $id) { apiServerUrl } }`, { token: editor.secret, variables: { id } });
    expect(listed.body).toEqual({ data: { cluster: { apiServerUrl: sim.url } } });
  });
});

describe('from the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-guard-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses credentials in the server URL and denied addresses with one line, and stores nothing', async () => {
    const env = { DATABASE_URL: server.db.url, BYOK_ENCRYPTION_KEY: KEY.toString('base64') };
    const userinfo = path.join(dir, 'userinfo.yaml');
    await writeFile(userinfo, withServer(sim.kubeconfig(), sim.url.replace('https://', USERINFO)));
    const refused = await runCli(['cluster', 'add', '--kubeconfig', userinfo, '--org', 'acme'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `kubegraph: cannot register the cluster: cluster "guard-sim" has a user name or password in its server URL; credentials belong in the kubeconfig's user section (token, client certificate, or username and password) [CREDENTIALS_IN_URL]\n`,
    );

    const local = path.join(dir, 'localhost.yaml');
    await writeFile(local, withServer(sim.kubeconfig(), sim.url.replace('127.0.0.1', 'localhost')));
    const denied = await runCli(['cluster', 'add', '--kubeconfig', local, '--org', 'acme'], { ...env, KUBEGRAPH_API_SERVER_DENY: '127.0.0.0/8,::1/128' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^kubegraph: cannot register the cluster: the address of https:\/\/localhost:\d+ is not allowed as an API server \(KUBEGRAPH_API_SERVER_DENY, KUBEGRAPH_API_SERVER_ALLOW\) \[ADDRESS_NOT_ALLOWED\]\n$/);
    expect(await clusterRows()).toEqual([]);
  });
});
