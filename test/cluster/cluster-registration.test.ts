import { randomBytes } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import yaml from 'js-yaml';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterRegistrationError, type RegistrationFailure } from '../../src/cluster/cluster-registration.error.js';
import { ClusterRegistrationService, CLUSTER_REGISTRY_CHANNEL } from '../../src/cluster/cluster-registration.service.js';
import { KubeconfigCrypto, KubeconfigDecryptionError, keyIdOf } from '../../src/cluster/kubeconfig-crypto.js';
import { rotateKubeconfigKeys } from '../../src/cluster/kubeconfig-rotation.js';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { InProcessEventBus } from '../../src/events/in-process-event-bus.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { PROVIDERS } from '../../src/simulator/provider-profiles.js';
import { servingCertificate } from '../../src/simulator/tls.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { captureLogs } from './support/capture-logs.js';
import { findInDatabase, scannedColumnCount } from './support/secret-scan.js';

type Doc = { clusters: Array<{ name: string; cluster: Record<string, unknown> }>; users: Array<{ name: string; user: Record<string, unknown> }>; contexts: Array<{ name: string; context: Record<string, unknown> }> };

function edit(kubeconfig: string, change: (doc: Doc) => void): string {
  const doc = yaml.load(kubeconfig) as Doc;
  change(doc);
  return yaml.dump(doc);
}

const TOKEN = `sim-secret-${randomBytes(12).toString('hex')}`;

let db: TestDatabase;
let sim: SimulatedCluster;
let orgId: string;
let key: Buffer;
let crypto: KubeconfigCrypto;
let logs: ReturnType<typeof captureLogs>;
let service: ClusterRegistrationService;

async function clusterCount(): Promise<number> {
  const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_clusters`);
  return n;
}

async function expectFailure(run: () => Promise<unknown>, reason: RegistrationFailure, message: RegExp): Promise<void> {
  const before = await clusterCount();
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${reason}`).toBeInstanceOf(ClusterRegistrationError);
  expect((err as ClusterRegistrationError).reason).toBe(reason);
  expect((err as Error).message).toMatch(message);
  expect((err as Error).message).not.toContain(TOKEN);
  expect(await clusterCount()).toBe(before);
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await SimulatedCluster.start({ nodes: 3, pods: 20, seed: 'registration', token: TOKEN, provider: 'eks' });
  [{ id: orgId }] = await db.dataSource.query(`INSERT INTO organizations (name) VALUES ('acme') RETURNING id`);
  key = randomBytes(32);
  crypto = new KubeconfigCrypto(key);
  logs = captureLogs();
  // A budget the simulator answers within on a loaded machine too; the silent-server case uses a short one of its own.
  service = new ClusterRegistrationService({ dataSource: db.dataSource, crypto, probeTimeoutMs: 10_000, log: logs.logger });
});

afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

beforeEach(async () => {
  await db.dataSource.query(`DELETE FROM k8s_clusters`);
});

describe('register', () => {
  it('contacts the cluster, detects provider and version, and stores the kubeconfig only encrypted', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const notices: string[] = [];
    listener.on('notification', (m) => notices.push(m.payload ?? ''));
    await listener.query(`LISTEN ${CLUSTER_REGISTRY_CHANNEL}`);
    try {
      const cluster = await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), labels: { env: 'prod', 'example.com/team': 'core' } });
      expect(cluster).toMatchObject({
        organizationId: orgId,
        name: sim.name,
        provider: 'eks',
        kubernetesVersion: 'v1.30.4-eks-a737599',
        contextName: sim.name,
        apiServerUrl: sim.url,
        status: 'pending',
        labels: { env: 'prod', 'example.com/team': 'core' },
      });
      const [row] = await db.dataSource.query(`SELECT kubeconfig_encrypted, encryption_key_id FROM k8s_clusters WHERE id = $1`, [cluster.id]);
      expect(row.encryption_key_id).toBe(keyIdOf(key));
      const stored = crypto.decrypt({ ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id }, cluster.id);
      const doc = yaml.load(stored) as Doc & { 'current-context': string };
      expect(doc.contexts.map((c) => c.name)).toEqual([sim.name]);
      expect(doc.users[0]!.user.token).toBe(TOKEN);

      // Notifications arrive in commit order: once one sent after the registration has arrived, so has all it sent.
      await db.dataSource.query('SELECT pg_notify($1, $2)', [CLUSTER_REGISTRY_CHANNEL, 'fence']);
      for (const started = Date.now(); !notices.includes('fence'); ) {
        if (Date.now() - started > 30_000) throw new Error('the fence notification did not arrive');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(notices.filter((n) => n !== 'fence').map((n) => JSON.parse(n))).toEqual([{ change: 'registered', clusterId: cluster.id }]);

      expect(await scannedColumnCount(db.dataSource)).toBeGreaterThan(50);
      // The scan finds what is there: the server URL is stored in clear, the token is not.
      expect(await findInDatabase(db.dataSource, sim.url)).toEqual(['k8s_clusters.api_server_url']);
      expect(await findInDatabase(db.dataSource, TOKEN)).toEqual([]);
      expect(await findInDatabase(db.dataSource, Buffer.from(TOKEN).toString('base64'))).toEqual([]);
      expect(logs.text()).toContain('registered cluster');
      expect(logs.text()).not.toContain(TOKEN);
    } finally {
      await listener.end();
    }
  });

  it('keeps only the chosen context of a kubeconfig with several', async () => {
    const other = `other-secret-${randomBytes(6).toString('hex')}`;
    const multi = edit(sim.kubeconfig(), (d) => {
      d.clusters.push({ name: 'elsewhere', cluster: { server: 'https://10.0.0.1:6443' } });
      d.users.push({ name: 'someone', user: { token: other } });
      d.contexts.push({ name: 'elsewhere', context: { cluster: 'elsewhere', user: 'someone' } });
    });
    const cluster = await service.register({ organizationId: orgId, kubeconfig: multi, context: sim.name, name: 'chosen' });
    const [row] = await db.dataSource.query(`SELECT kubeconfig_encrypted, encryption_key_id FROM k8s_clusters WHERE id = $1`, [cluster.id]);
    const stored = crypto.decrypt({ ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id }, cluster.id);
    expect(stored).not.toContain(other);
    expect(stored).not.toContain('elsewhere');
  });

  it('refuses a second cluster with the same name in the organisation, but not in another one', async () => {
    await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'prod' });
    await expectFailure(() => service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'prod' }), 'NAME_TAKEN', /a cluster named "prod" already exists in this organisation/);
    const [{ id: other }] = await db.dataSource.query(`INSERT INTO organizations (name) VALUES ('other-org') RETURNING id`);
    expect((await service.register({ organizationId: other, kubeconfig: sim.kubeconfig(), name: 'prod' })).name).toBe('prod');
    await db.dataSource.query(`DELETE FROM k8s_clusters WHERE organization_id = $1`, [other]);
    await db.dataSource.query(`DELETE FROM organizations WHERE id = $1`, [other]);
  });

  it('refuses credentials in the server URL, at registration and update, naming where they belong and changing nothing', async () => {
    const withCredentials = (server: string) => server.replace('https://', 'https://kg-admin:S3cret-Pa55@');
    const userinfo = edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = withCredentials(sim.url)));
    const belongs = /^cluster "[^"]+" has a user name or password in its server URL; credentials belong in the kubeconfig's user section/;
    await expectFailure(() => service.register({ organizationId: orgId, kubeconfig: userinfo, name: 'with-userinfo' }), 'CREDENTIALS_IN_URL', belongs);
    // From the CLI's side too (local credentials allowed), and with a password alone.
    const passwordOnly = edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = sim.url.replace('https://', 'https://:S3cret-Pa55@')));
    await expectFailure(() => service.register({ organizationId: orgId, kubeconfig: passwordOnly, localCredentials: true }), 'CREDENTIALS_IN_URL', belongs);

    const cluster = await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'plain' });
    const before = await db.dataSource.query(`SELECT api_server_url, kubeconfig_encrypted, updated_at FROM k8s_clusters WHERE id = $1`, [cluster.id]);
    await expectFailure(() => service.update(cluster.id, orgId, { name: 'renamed', connection: { kubeconfig: userinfo } }), 'CREDENTIALS_IN_URL', belongs);
    expect(await db.dataSource.query(`SELECT api_server_url, kubeconfig_encrypted, updated_at FROM k8s_clusters WHERE id = $1`, [cluster.id])).toEqual(before);
    expect((await service.find(cluster.id, orgId)).name).toBe('plain');
    expect(logs.text()).not.toContain('S3cret-Pa55');
    expect(logs.text()).not.toContain('kg-admin');
  });

  it('creates a named organisation with its first cluster, only when the registration commits', async () => {
    const orgsNamed = async (name: string): Promise<string[]> =>
      (await db.dataSource.query(`SELECT id FROM organizations WHERE name = $1`, [name])).map((r: { id: string }) => r.id);
    const unreachable = edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = 'https://kubegraph-test.invalid:6443'));

    await expectFailure(() => service.register({ organizationName: 'new-team', kubeconfig: unreachable }), 'UNREACHABLE', /cannot resolve the host/);
    expect(await orgsNamed('new-team')).toEqual([]);

    // Two registrations into the same new organisation at once, one of them failing: one organisation, the
    // good cluster in it. (Created beforehand and removed after a failure, another command's cluster could lose it.)
    const [good, bad] = await Promise.allSettled([
      service.register({ organizationName: 'new-team', kubeconfig: sim.kubeconfig(), name: 'a' }),
      service.register({ organizationName: 'new-team', kubeconfig: unreachable, name: 'b' }),
      service.register({ organizationName: 'new-team', kubeconfig: sim.kubeconfig(), name: 'c' }),
    ]).then((r) => [[r[0], r[2]], [r[1]]] as const);
    expect(good.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(bad[0]!.status).toBe('rejected');
    const ids = await orgsNamed('new-team');
    expect(ids).toHaveLength(1);
    expect(good.map((r) => (r as PromiseFulfilledResult<{ organizationId: string }>).value.organizationId)).toEqual([ids[0], ids[0]]);

    // An existing organisation is used, and a name taken in it is refused before the cluster is contacted.
    expect((await service.register({ organizationName: 'acme', kubeconfig: sim.kubeconfig(), name: 'in-acme' })).organizationId).toBe(orgId);
    await expectFailure(() => service.register({ organizationName: 'new-team', kubeconfig: unreachable, name: 'a' }), 'NAME_TAKEN', /a cluster named "a" already exists/);
    await db.dataSource.query(`DELETE FROM k8s_clusters WHERE organization_id = $1`, [ids[0]]);
    await db.dataSource.query(`DELETE FROM organizations WHERE id = $1`, [ids[0]]);
  });

  it('gives one distinct error per cause and stores nothing', async () => {
    const register = (kubeconfig: string, extra: { context?: string; localCredentials?: boolean } = {}) => () =>
      service.register({ organizationId: orgId, kubeconfig, ...extra });

    await expectFailure(register(`apiVersion: v1\nusers:\n- name: u\n  user: {token: "${TOKEN}"\n`), 'INVALID_KUBECONFIG', /^kubeconfig is not valid YAML at line \d+, column \d+$/);
    await expectFailure(register(''), 'INVALID_KUBECONFIG', /kubeconfig is empty/);
    await expectFailure(register(sim.kubeconfig(), { context: 'staging' }), 'UNKNOWN_CONTEXT', /^context "staging" is not in the kubeconfig \(available: kubegraph-sim\)$/);
    await expectFailure(register(edit(sim.kubeconfig(), (d) => (d.users[0]!.user.token = 'wrong-token'))), 'UNAUTHORIZED', /rejected the credentials \(HTTP 401 Unauthorized\)/);
    await expectFailure(register(edit(sim.kubeconfig(), (d) => delete d.clusters[0]!.cluster['certificate-authority-data'])), 'TLS_FAILURE', /not signed by a trusted certificate authority/);
    await expectFailure(register(edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster['tls-server-name'] = 'api.example.com'))), 'TLS_FAILURE', /does not match its host name/);
    await expectFailure(register(edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = 'https://kubegraph-test.invalid:6443'))), 'UNREACHABLE', /unreachable: cannot resolve the host of https:\/\/kubegraph-test\.invalid:6443/);

    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expectFailure(register(edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = `https://127.0.0.1:${closedPort}`))), 'UNREACHABLE', /connection refused \(ECONNREFUSED\)/);

    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      // A server that never answers: a short budget cannot be missed for a slow machine's sake.
      const impatient = new ClusterRegistrationService({ dataSource: db.dataSource, crypto, probeTimeoutMs: 1000, log: logs.logger });
      const kubeconfig = edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`));
      await expectFailure(() => impatient.register({ organizationId: orgId, kubeconfig }), 'UNREACHABLE', /no answer from .* within 1000 ms/);
    } finally {
      silent.close();
    }

    // A token that authenticates but is bound to no role, as the simulator's RBAC answers it.
    await expectFailure(register(sim.kubeconfig({ unprivileged: true })), 'FORBIDDEN', /accepted the credentials but refused to let them list nodes and pods cluster-wide \(HTTP 403 Forbidden\)/);

    const forbidding = await forbiddingServer();
    try {
      await expectFailure(register(edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = forbidding.url))), 'FORBIDDEN', /accepted the credentials but refused to let them list nodes and pods cluster-wide \(HTTP 403 Forbidden\)/);
    } finally {
      forbidding.close();
    }

    const exec = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', 'touch /tmp/pwned'] } };
    await expectFailure(register(edit(sim.kubeconfig(), (d) => (d.users[0]!.user = exec))), 'CREDENTIALS_NOT_ALLOWED', /uses an exec credential plugin, which would run a command on the server/);
    await expectFailure(register(edit(sim.kubeconfig(), (d) => (d.users[0]!.user = { 'token-file': '/etc/hostname' }))), 'CREDENTIALS_NOT_ALLOWED', /refers to a local file \(token-file\)/);
    const failingPlugin = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/nonexistent/credential-plugin' } };
    await expectFailure(
      register(edit(sim.kubeconfig(), (d) => (d.users[0]!.user = failingPlugin)), { localCredentials: true }),
      'CREDENTIALS_FAILED',
      /credentials for context "kubegraph-sim" could not be obtained: spawn \/nonexistent\/credential-plugin ENOENT/,
    );
    await expectFailure(
      () => service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), labels: { 'bad key!': 'x' } }),
      'INVALID_INPUT',
      /label key "bad key!" is not a valid Kubernetes label key/,
    );
    await expectFailure(() => service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: '   ' }), 'INVALID_INPUT', /cluster name must not be empty/);
    expect(logs.text()).not.toContain(TOKEN);
  });

  it('detects every provider flavour of the simulator', async () => {
    const expected: Record<string, string> = { eks: 'eks', gke: 'gke', aks: 'aks', k3s: 'k3s', kind: 'kind', openshift: 'openshift', vanilla: 'vanilla' };
    const seen: Record<string, string> = {};
    for (const provider of PROVIDERS) {
      const flavour = await SimulatedCluster.start({ nodes: 2, pods: 2, seed: `p-${provider}`, provider, name: `sim-${provider}` });
      try {
        const cluster = await service.register({ organizationId: orgId, kubeconfig: flavour.kubeconfig() });
        seen[provider] = cluster.provider;
        expect(cluster.kubernetesVersion).toMatch(/^v1\.\d+\.\d+/);
      } finally {
        await flavour.stop();
      }
    }
    expect(seen).toEqual(expected);
  });
});

describe('update and remove', () => {
  it('renames and relabels; a new kubeconfig is checked first and re-encrypted', async () => {
    const cluster = await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'a' });
    await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'b' });
    const [before] = await db.dataSource.query(`SELECT kubeconfig_encrypted FROM k8s_clusters WHERE id = $1`, [cluster.id]);

    const renamed = await service.update(cluster.id, orgId, { name: 'a2', labels: { tier: 'gold' } });
    expect(renamed).toMatchObject({ name: 'a2', labels: { tier: 'gold' } });
    await expectFailure(() => service.update(cluster.id, orgId, { name: 'b' }), 'NAME_TAKEN', /a cluster named "b" already exists/);
    await expectFailure(
      () => service.update(cluster.id, orgId, { connection: { kubeconfig: edit(sim.kubeconfig(), (d) => (d.users[0]!.user.token = 'nope')) } }),
      'UNAUTHORIZED',
      /HTTP 401/,
    );
    const [unchanged] = await db.dataSource.query(`SELECT kubeconfig_encrypted, name FROM k8s_clusters WHERE id = $1`, [cluster.id]);
    expect(Buffer.compare(unchanged.kubeconfig_encrypted, before.kubeconfig_encrypted)).toBe(0);
    expect(unchanged.name).toBe('a2');

    const reconnected = await service.update(cluster.id, orgId, { connection: { kubeconfig: sim.kubeconfig({ contextName: 'renamed-ctx' }) } });
    expect(reconnected.contextName).toBe('renamed-ctx');
    const [after] = await db.dataSource.query(`SELECT kubeconfig_encrypted, encryption_key_id FROM k8s_clusters WHERE id = $1`, [cluster.id]);
    expect(Buffer.compare(after.kubeconfig_encrypted, before.kubeconfig_encrypted)).not.toBe(0);
    expect(crypto.decrypt({ ciphertext: after.kubeconfig_encrypted, keyId: after.encryption_key_id }, cluster.id)).toContain('renamed-ctx');

    const [{ id: otherOrg }] = await db.dataSource.query(`INSERT INTO organizations (name) VALUES ('intruder') RETURNING id`);
    await expectFailure(() => service.update(cluster.id, otherOrg, { name: 'stolen' }), 'NOT_FOUND', /no cluster with id/);
    await db.dataSource.query(`DELETE FROM organizations WHERE id = $1`, [otherOrg]);
  });

  it('removes a cluster with its rows, or keeps the rows and erases only the kubeconfig', async () => {
    const gone = await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'gone' });
    const kept = await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'kept' });
    for (const c of [gone, kept]) {
      await db.dataSource.query(`INSERT INTO k8s_namespaces (cluster_id, uid, name, created_at) VALUES ($1, $2, 'default', now())`, [c.id, randomBytes(8).toString('hex')]);
    }
    await service.remove(gone.id, orgId, { keepData: false });
    const removed = await service.remove(kept.id, orgId, { keepData: true });
    expect(removed).toMatchObject({ name: 'kept', status: 'error', encryptionKeyId: null });
    expect(removed.statusMessage).toMatch(/removed from sync on .*; data kept as of then/);
    const rows = await db.dataSource.query(`SELECT c.name, c.kubeconfig_encrypted IS NULL AS erased, count(n.id)::int AS namespaces
      FROM k8s_clusters c LEFT JOIN k8s_namespaces n ON n.cluster_id = c.id GROUP BY c.id ORDER BY c.name`);
    expect(rows).toEqual([{ name: 'kept', erased: true, namespaces: 1 }]);
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_namespaces`);
    expect(n).toBe(1);
    await expectFailure(() => service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'kept' }), 'NAME_TAKEN', /removed from sync with its data kept/);
    await expectFailure(() => service.requestResync(kept.id, orgId), 'INVALID_INPUT', /has no kubeconfig/);
    // Removing it from sync again would restamp when its data was kept as of.
    await expectFailure(() => service.remove(kept.id, orgId, { keepData: true }), 'INVALID_INPUT', /^cluster "kept" is already removed from sync with its data kept; remove it without keeping the data to delete it$/);
    const [{ status_message: message }] = await db.dataSource.query(`SELECT status_message FROM k8s_clusters WHERE id = $1`, [kept.id]);
    expect(message).toBe(removed.statusMessage);
    expect((await service.update(kept.id, orgId, { connection: { kubeconfig: sim.kubeconfig() } })).status).toBe('pending');
  });
});

describe('change events', () => {
  it('publishes each registration, update and removal once committed, without the kubeconfig, and nothing for a refused change', async () => {
    const bus = new InProcessEventBus();
    const events: ChangeEvent[] = [];
    bus.subscribe((batch) => events.push(...batch));
    const publishing = new ClusterRegistrationService({ dataSource: db.dataSource, crypto, probeTimeoutMs: 10_000, log: logs.logger, eventBus: bus });
    const summary = () => events.map((e) => `${e.type} ${e.kind} ${e.name} [${e.changedFields.join(',')}] ${e.state.status}`);

    const a = await publishing.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'ev-a' });
    const b = await publishing.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'ev-b' });
    await expectFailure(() => publishing.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'ev-a' }), 'NAME_TAKEN', /already exists/);
    await expectFailure(
      () => publishing.update(a.id, orgId, { connection: { kubeconfig: edit(sim.kubeconfig(), (d) => (d.users[0]!.user.token = 'nope')) } }),
      'UNAUTHORIZED',
      /HTTP 401/,
    );
    await publishing.update(a.id, orgId, { name: 'ev-a2' });
    await publishing.update(a.id, orgId, { labels: {} });
    await publishing.remove(a.id, orgId, { keepData: true });
    await publishing.remove(b.id, orgId, { keepData: false });

    expect(summary()).toEqual([
      'ADDED Cluster ev-a [] pending',
      'ADDED Cluster ev-b [] pending',
      'MODIFIED Cluster ev-a2 [name] pending',
      'MODIFIED Cluster ev-a2 [labels] pending',
      'MODIFIED Cluster ev-a2 [status,statusMessage] error',
      'DELETED Cluster ev-b [] pending',
    ]);
    expect(events.every((e) => e.organizationId === orgId && e.uid === e.clusterId && e.namespace === null)).toBe(true);
    expect(events.map((e) => e.clusterId)).toEqual([a.id, b.id, a.id, a.id, a.id, b.id]);
    expect(events[5]!.state).toMatchObject({ provider: 'eks', apiServerUrl: sim.url });
    const text = JSON.stringify(events);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toMatch(/kubeconfig|certificate-authority/i);
  });
});

describe('encryption at rest', () => {
  it('refuses a ciphertext copied onto another cluster row', async () => {
    const a = await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'a' });
    const b = await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig({ contextName: 'ctx-b' }), name: 'b' });
    await db.dataSource.query(
      `UPDATE k8s_clusters SET kubeconfig_encrypted = src.kubeconfig_encrypted, encryption_key_id = src.encryption_key_id
         FROM k8s_clusters src WHERE src.id = $1 AND k8s_clusters.id = $2`,
      [a.id, b.id],
    );
    const [row] = await db.dataSource.query(`SELECT kubeconfig_encrypted, encryption_key_id FROM k8s_clusters WHERE id = $1`, [b.id]);
    expect(() => crypto.decrypt({ ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id }, b.id)).toThrow(KubeconfigDecryptionError);
    expect(crypto.decrypt({ ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id }, a.id)).toContain(TOKEN);
  });

  it('rotates every row to the current key; afterwards only the new key decrypts', async () => {
    const ids = [
      (await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'r1' })).id,
      (await service.register({ organizationId: orgId, kubeconfig: sim.kubeconfig(), name: 'r2' })).id,
    ];
    const newKey = randomBytes(32);
    const rotating = new KubeconfigCrypto(newKey, [key]);
    const rotationLogs = captureLogs();
    expect(await rotateKubeconfigKeys(db.dataSource, rotating, rotationLogs.logger)).toEqual({ rotated: 2, current: 0, failed: [] });
    expect(await rotateKubeconfigKeys(db.dataSource, rotating, rotationLogs.logger)).toEqual({ rotated: 0, current: 2, failed: [] });
    const rows: Array<{ id: string; kubeconfig_encrypted: Buffer; encryption_key_id: string }> = await db.dataSource.query(
      `SELECT id, kubeconfig_encrypted, encryption_key_id FROM k8s_clusters WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    for (const row of rows) {
      expect(row.encryption_key_id).toBe(keyIdOf(newKey));
      const enc = { ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id };
      expect(new KubeconfigCrypto(newKey).decrypt(enc, row.id)).toContain(TOKEN);
      expect(() => new KubeconfigCrypto(key).decrypt(enc, row.id)).toThrow(KubeconfigDecryptionError);
    }
    expect(rotationLogs.text()).not.toContain(TOKEN);

    const stranger = new KubeconfigCrypto(randomBytes(32));
    const third = await new ClusterRegistrationService({ dataSource: db.dataSource, crypto: stranger, log: logs.logger }).register({
      organizationId: orgId,
      kubeconfig: sim.kubeconfig(),
      name: 'r3',
    });
    const result = await rotateKubeconfigKeys(db.dataSource, rotating, rotationLogs.logger);
    expect(result).toEqual({ rotated: 0, current: 2, failed: [{ clusterId: third.id, name: 'r3', keyId: stranger.currentKeyId }] });
  });
});

/** An HTTP-level stand-in for an API server whose RBAC lets the credentials read /version only. */
async function forbiddingServer(): Promise<{ url: string; close(): void }> {
  const cert = await servingCertificate();
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/version') {
      res.end(JSON.stringify({ gitVersion: 'v1.31.0' }));
      return;
    }
    res.statusCode = 403;
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'nodes is forbidden: User "reader" cannot list resource "nodes"' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() };
}
