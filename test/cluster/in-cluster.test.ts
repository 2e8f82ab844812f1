import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterRegistrationError } from '../../src/cluster/cluster-registration.error.js';
import { ClusterRegistrationService } from '../../src/cluster/cluster-registration.service.js';
import { IN_CLUSTER_EXTENSION, inClusterKubeconfig, readInClusterEnvironment, type InClusterEnvironment } from '../../src/cluster/in-cluster.js';
import { KubeApiError, KubeClient } from '../../src/cluster/kube-client.js';
import { KubeconfigCrypto } from '../../src/cluster/kubeconfig-crypto.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { exitOf, runCli, spawnUntil } from '../db/support/processes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { findInDatabase } from './support/secret-scan.js';

const KEY = randomBytes(32);
const SERVING = /kubegraph is serving at (http:\/\/\S+?)\s/;

let db: TestDatabase;
let sim: SimulatedCluster;
let dir: string;
let podEnv: Record<string, string>;
let crypto: KubeconfigCrypto;
let service: ClusterRegistrationService;

/** What the kubelet does on rotation: the new token appears in the file at once (an atomic rename, as its symlink swap is). */
async function writeToken(token: string): Promise<void> {
  const next = path.join(dir, `.token-${randomBytes(4).toString('hex')}`);
  await writeFile(next, `${token}\n`);
  await rename(next, path.join(dir, 'token'));
}

async function storedKubeconfig(name: string): Promise<string> {
  const [row] = await db.dataSource.query(`SELECT id, kubeconfig_encrypted, encryption_key_id FROM k8s_clusters WHERE name = $1`, [name]);
  return crypto.decrypt({ ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id }, row.id);
}

function environment(): InClusterEnvironment {
  return readInClusterEnvironment(podEnv, dir);
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await SimulatedCluster.start({ nodes: 2, pods: 6, seed: 'in-cluster', provider: 'kind', name: 'pod-sim' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-sa-'));
  await writeFile(path.join(dir, 'ca.crt'), sim.certificateAuthority!);
  await writeFile(path.join(dir, 'namespace'), 'kubegraph\n');
  await writeToken(sim.token);
  const url = new URL(sim.url);
  podEnv = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
  crypto = new KubeconfigCrypto(KEY);
  service = new ClusterRegistrationService({ dataSource: db.dataSource, crypto, probeTimeoutMs: 10_000, serviceAccountDir: dir });
});

afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await db.dataSource.query(`DELETE FROM k8s_clusters`);
  await writeToken(sim.token);
});

describe('in-cluster credentials', () => {
  it('reads the server from KUBERNETES_SERVICE_HOST/PORT and the CA from the service account directory, naming what is missing', () => {
    expect(environment()).toEqual({ server: sim.url, caCert: sim.certificateAuthority, namespace: 'kubegraph' });
    expect(readInClusterEnvironment({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir).server).toBe('https://[fd00::1]:443');
    expect(() => readInClusterEnvironment({}, dir)).toThrow('not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
    expect(() => readInClusterEnvironment(podEnv, path.join(dir, 'absent'))).toThrow(/cannot read the service account's ca\.crt at .*absent\/ca\.crt \(ENOENT\)/);
  });

  it('follows a rotated token file: a refused token is read again and the request retried once with the new one', async () => {
    const client = KubeClient.fromKubeconfig(inClusterKubeconfig(environment()), { serviceAccountDir: dir });
    try {
      expect((await client.getJson<{ items: unknown[] }>('/api/v1/nodes')).items).toHaveLength(2);
      const old = sim.token;
      const rotated = sim.rotateToken();
      await writeToken(rotated);
      // The simulator now refuses the old token, as an API server refuses an expired one.
      const stale = KubeClient.fromKubeconfig(sim.kubeconfig().replace(rotated, old));
      await expect(stale.getJson('/api/v1/nodes')).rejects.toMatchObject({ status: 401 });
      stale.close();
      // The client still holds the old token (read less than a minute ago): its first try gets 401, the retry succeeds.
      const requests = client.stats.requests;
      expect((await client.getJson<{ items: unknown[] }>('/api/v1/nodes')).items).toHaveLength(2);
      expect(client.stats.requests - requests).toBe(2);
      // Watches too, and from now on the new token goes first.
      sim.rotateToken(rotated);
      const before = client.stats.requests;
      const watch = client.watch(`/api/v1/namespaces?watch=1&resourceVersion=${sim.resourceVersion}&timeoutSeconds=1`);
      for await (const _ of watch) break;
      expect(client.stats.requests - before).toBe(1);
      // A token that is refused and did not change is not retried: the 401 is the answer.
      sim.rotateToken();
      const refused = client.stats.requests;
      await expect(client.getJson('/api/v1/nodes')).rejects.toBeInstanceOf(KubeApiError);
      expect(client.stats.requests - refused).toBe(1);
      // A token file that is gone is named, not reported as a refusal.
      await rm(path.join(dir, 'token'));
      await expect(client.getJson('/api/v1/nodes')).rejects.toThrow(/^cannot read the service account token at .*\/token \(ENOENT\)$/);
    } finally {
      client.close();
      sim.rotateToken(sim.token);
    }
  });

  it('registers with the server and CA only: the token stays in its file', async () => {
    const cluster = await service.registerInCluster({ organizationName: 'acme', name: 'home', environment: environment() });
    expect(cluster).toMatchObject({ name: 'home', provider: 'kind', apiServerUrl: sim.url, contextName: 'in-cluster', status: 'pending' });
    const stored = await storedKubeconfig('home');
    expect(stored).not.toContain(sim.token);
    const doc = yaml.load(stored) as { users: Array<{ user: Record<string, unknown> }> };
    expect(doc.users[0]!.user).toEqual({ extensions: [{ name: IN_CLUSTER_EXTENSION, extension: { namespace: 'kubegraph' } }] });
    expect(await findInDatabase(db.dataSource, sim.token)).toEqual([]);
  });

  it('refuses the in-cluster marker in a kubeconfig given by anyone, so the server never sends its own token elsewhere', async () => {
    const forged = inClusterKubeconfig({ ...environment(), server: 'https://attacker.invalid:6443' });
    for (const localCredentials of [false, true]) {
      const err = await service.register({ organizationName: 'acme', kubeconfig: forged, localCredentials }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterRegistrationError);
      expect(err).toMatchObject({ reason: 'CREDENTIALS_NOT_ALLOWED', message: `user "in-cluster" carries the ${IN_CLUSTER_EXTENSION} extension, which only \`kubegraph cluster add --in-cluster\` sets` });
    }
    // Nor may an API caller have client-node read a local token file through an auth-provider.
    const tokenFile = sim.kubeconfig().replace(/token: .*/, `auth-provider: { name: x, config: { tokenFile: ${path.join(dir, 'token')} } }`);
    await expect(service.register({ organizationName: 'acme', kubeconfig: tokenFile })).rejects.toMatchObject({ reason: 'CREDENTIALS_NOT_ALLOWED', message: /reads a local file \(tokenFile\)/ });
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_clusters`)).toEqual([{ n: 0 }]);
  });

  it('registers once when replicas start together, and later starts find it registered', async () => {
    // Both look before either inserts; the insert's ON CONFLICT decides.
    const results = await Promise.all([1, 2, 3].map(() => service.ensureInCluster({ organizationName: 'default', name: 'self', environment: environment() })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.cluster.id)).size).toBe(1);
    const again = await service.ensureInCluster({ organizationName: 'default', name: 'self', environment: environment() });
    expect(again).toMatchObject({ created: false, cluster: { id: results[0]!.cluster.id } });
    expect(await db.dataSource.query(`SELECT name FROM k8s_clusters`)).toEqual([{ name: 'self' }]);
  });
});

describe('processes', () => {
  it('kubegraph cluster add --in-cluster registers with the service account; without a pod environment it says what is missing', async () => {
    const env = { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: KEY.toString('base64'), KUBEGRAPH_SERVICE_ACCOUNT_DIR: dir };
    const added = await runCli(['cluster', 'add', '--in-cluster', '--name', 'cli-home', '--org', 'acme'], { ...env, ...podEnv });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/registered cluster "cli-home" \(id [0-9a-f-]{36}\) in organisation "acme": kind, Kubernetes v\S+, https:\/\/127\.0\.0\.1:\d+, context "in-cluster"/);
    expect(await storedKubeconfig('cli-home')).not.toContain(sim.token);

    const outside = await runCli(['cluster', 'add', '--in-cluster', '--org', 'acme'], { ...env, KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined });
    expect(outside.code).toBe(1);
    expect(outside.stderr).toBe('kubegraph: cannot register the cluster: not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set\n');
    const both = await runCli(['cluster', 'add', '--in-cluster', '--kubeconfig', path.join(dir, 'ca.crt')], env);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/give either --kubeconfig FILE or --in-cluster/);
    expect(await db.dataSource.query(`SELECT name FROM k8s_clusters`)).toEqual([{ name: 'cli-home' }]);
  });

  it('serve with KUBEGRAPH_IN_CLUSTER_NAME outside a pod does not start, and says why', async () => {
    const result = await runCli(['serve', '--port', '0'], { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: KEY.toString('base64'), KUBEGRAPH_IN_CLUSTER_NAME: 'self', LOG_LEVEL: 'fatal', KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'kubegraph: KUBEGRAPH_IN_CLUSTER_NAME=self: cannot register the cluster this server runs in: not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set\n',
    );
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_clusters`)).toEqual([{ n: 0 }]);
  });

  it('two serve replicas with KUBEGRAPH_IN_CLUSTER_NAME register it once, sync it, and keep syncing across a token rotation', async () => {
    const env = {
      ...podEnv,
      DATABASE_URL: db.url,
      BYOK_ENCRYPTION_KEY: KEY.toString('base64'),
      KUBEGRAPH_SERVICE_ACCOUNT_DIR: dir,
      KUBEGRAPH_IN_CLUSTER_NAME: 'self',
    };
    const start = () => spawnUntil(process.execPath, ['bin/kubegraph.js', 'serve', '--port', '0'], env, SERVING, 150_000);
    const replicas = await Promise.all([start(), start()]);
    try {
      const rows = await db.dataSource.query(`SELECT id, name FROM k8s_clusters`);
      expect(rows.map((r: { name: string }) => r.name)).toEqual(['self']);
      const namespaces = async () => (await db.dataSource.query(`SELECT name FROM k8s_namespaces WHERE cluster_id = $1 AND deleted_at IS NULL`, [rows[0].id])).map((r: { name: string }) => r.name);
      await waitUntil(async () => (await namespaces()).length === sim.state().namespaces.length, 'the first sync');

      const rotated = sim.rotateToken();
      await writeToken(rotated);
      // Watches reopen with the token they hold, get 401, read the file again and carry on.
      sim.fault({ kind: 'dropWatches' });
      await sim.apply({ kind: 'createNamespace', name: 'after-rotation' });
      await waitUntil(async () => (await namespaces()).includes('after-rotation'), 'a change made after the rotation');
      expect(await findInDatabase(db.dataSource, rotated)).toEqual([]);
    } finally {
      for (const r of replicas) r.child.kill('SIGTERM');
      for (const r of replicas) await exitOf(r.child);
    }
  }, 240_000);
});

async function waitUntil(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const started = Date.now(); !(await condition()); ) {
    if (Date.now() - started > 120_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
