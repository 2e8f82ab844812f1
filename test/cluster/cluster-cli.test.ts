import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeconfigCrypto, keyIdOf } from '../../src/cluster/kubeconfig-crypto.js';
import type { ChangeEvent } from '../../src/events/change-event.js';
import { sharedEventBus } from '../../src/events/shared-event-bus.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { runCli } from '../db/support/processes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { findInDatabase } from './support/secret-scan.js';

const TOKEN = `cli-secret-${randomBytes(10).toString('hex')}`;
const KEY = randomBytes(32);

let db: TestDatabase;
let sim: SimulatedCluster;
let dir: string;
let env: Record<string, string>;

async function kubeconfigFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

async function storedKubeconfig(name: string, key = KEY): Promise<string> {
  const [row] = await db.dataSource.query(`SELECT id, kubeconfig_encrypted, encryption_key_id FROM k8s_clusters WHERE name = $1`, [name]);
  return new KubeconfigCrypto(key).decrypt({ ciphertext: row.kubeconfig_encrypted, keyId: row.encryption_key_id }, row.id);
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await SimulatedCluster.start({ nodes: 2, pods: 5, seed: 'cli', token: TOKEN, provider: 'gke', name: 'cli-sim' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-cli-'));
  env = { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: KEY.toString('base64') };
});

afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('kubegraph cluster', () => {
  it('adds a cluster from a kubeconfig file and says what it did, without printing or storing the token in clear', async () => {
    // A running server's view of the database: it hears the registration through the change log.
    const serverBus = sharedEventBus(db.dataSource);
    await serverBus.listen();
    const heard: ChangeEvent[] = [];
    const arrived = new Promise<void>((resolve) =>
      serverBus.subscribe((events) => {
        heard.push(...events);
        resolve();
      }),
    );
    const file = await kubeconfigFile('sim.yaml', sim.kubeconfig());
    const result = await runCli(['cluster', 'add', '--kubeconfig', file, '--name', 'prod', '--label', 'env=prod', '--label', 'team=core'], { ...env, LOG_LEVEL: 'trace' });
    expect(result.code, result.stderr).toBe(0);
    // Committed before the command ended: the log holds it, and the listening bus delivers it.
    const logged = await serverBus.readAfter(0, 100);
    expect(logged.map((e) => `${e.type} ${e.kind} ${e.name}`)).toEqual(['ADDED Cluster prod']);
    await arrived;
    await serverBus.close();
    expect(heard).toEqual(logged);
    expect(result.stdout).toContain('created organisation "default"');
    expect(result.stdout).toMatch(/registered cluster "prod" \(id [0-9a-f-]{36}\) in organisation "default": gke, Kubernetes v1\.30\.5-gke\.1014001, https:\/\/127\.0\.0\.1:\d+, context "cli-sim"/);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    const rows = await db.dataSource.query(`SELECT name, provider, labels, encryption_key_id FROM k8s_clusters`);
    expect(rows).toEqual([{ name: 'prod', provider: 'gke', labels: { env: 'prod', team: 'core' }, encryption_key_id: keyIdOf(KEY) }]);
    expect(await findInDatabase(db.dataSource, TOKEN)).toEqual([]);
  });

  it('fails with one clear line, exit code 1 and nothing stored', async () => {
    const wrong = await kubeconfigFile('wrong.yaml', sim.kubeconfig().replace(TOKEN, 'not-the-token'));
    const before = await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_clusters`);
    const orgs = await db.dataSource.query(`SELECT name FROM organizations ORDER BY name`);
    const result = await runCli(['cluster', 'add', '--kubeconfig', wrong, '--name', 'nope'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^kubegraph: cannot register the cluster: the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials \(HTTP 401 Unauthorized\).* \[UNAUTHORIZED\]$/m);
    // An organisation named for a registration that fails is not left behind, nor announced.
    const newOrg = await runCli(['cluster', 'add', '--kubeconfig', wrong, '--name', 'nope', '--org', 'newcorp'], env);
    expect(newOrg.code).toBe(1);
    expect(newOrg.stderr).toMatch(/^kubegraph: cannot register the cluster: .* \[UNAUTHORIZED\]\n$/);
    expect(newOrg.stdout).toBe('');
    expect(await db.dataSource.query(`SELECT name FROM organizations ORDER BY name`)).toEqual(orgs);
    const missing = await runCli(['cluster', 'add', '--kubeconfig', path.join(dir, 'absent.yaml')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/kubegraph: cannot read .*absent\.yaml: ENOENT/);
    const context = await runCli(['cluster', 'add', '--kubeconfig', await kubeconfigFile('ctx.yaml', sim.kubeconfig()), '--context', 'staging'], env);
    expect(context.stderr).toMatch(/kubegraph: cannot register the cluster: context "staging" is not in the kubeconfig \(available: cli-sim\) \[UNKNOWN_CONTEXT\]/);
    // Which of two values for one label was meant is not for us to guess.
    const twice = await runCli(['cluster', 'add', '--kubeconfig', await kubeconfigFile('twice.yaml', sim.kubeconfig()), '--label', 'env=prod', '--label', 'env=dev'], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(`kubegraph: option '--label <key=value>' argument 'env=dev' is invalid. label "env" is given twice (see kubegraph cluster add --help)\n`);
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM k8s_clusters`)).toEqual(before);
  });

  it('refuses to run against DATABASE_URL without an encryption key', async () => {
    const result = await runCli(['cluster', 'list'], { DATABASE_URL: db.url, BYOK_ENCRYPTION_KEY: undefined });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/kubegraph: BYOK_ENCRYPTION_KEY is required when DATABASE_URL is set/);
  });

  it('accepts exec plugins and file references from the CLI, inlining the files', async () => {
    await writeFile(path.join(dir, 'ca.pem'), sim.certificateAuthority!);
    const plugin = path.join(dir, 'plugin.cjs');
    await writeFile(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(TOKEN)} } }));`,
    );
    const doc = yaml.load(sim.kubeconfig()) as {
      clusters: Array<{ cluster: Record<string, unknown> }>;
      users: Array<{ user: Record<string, unknown> }>;
    };
    delete doc.clusters[0]!.cluster['certificate-authority-data'];
    doc.clusters[0]!.cluster['certificate-authority'] = 'ca.pem';
    doc.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin] } };
    const file = await kubeconfigFile('exec.yaml', yaml.dump(doc));
    const result = await runCli(['cluster', 'add', '--kubeconfig', file, '--name', 'exec'], env);
    expect(result.code, result.stderr).toBe(0);
    const stored = yaml.load(await storedKubeconfig('exec')) as typeof doc;
    expect(stored.clusters[0]!.cluster['certificate-authority-data']).toBe(Buffer.from(sim.certificateAuthority!).toString('base64'));
    expect(stored.clusters[0]!.cluster['certificate-authority']).toBeUndefined();
    expect(stored.users[0]!.user.exec).toMatchObject({ command: process.execPath, args: [plugin] });
  });

  it('lists clusters as a table', async () => {
    const result = await runCli(['cluster', 'list'], env);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+PROVIDER\s+VERSION\s+STATUS\s+NODES\s+PODS\s+LAST SYNC$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['exec', 'gke', 'v1.30.5-gke.1014001', 'pending', '0', '0', 'never'],
      ['prod', 'gke', 'v1.30.5-gke.1014001', 'pending', '0', '0', 'never'],
    ]);
  });

  it('rotates keys with the old key listed, then removes clusters with or without their data', async () => {
    const newKey = randomBytes(32);
    const rotateEnv = { ...env, BYOK_ENCRYPTION_KEY: newKey.toString('base64'), BYOK_ENCRYPTION_KEYS_OLD: KEY.toString('base64') };
    const rotated = await runCli(['keys', 'rotate'], rotateEnv);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout.trim()).toBe(`rotated 2 kubeconfig(s) to key ${keyIdOf(newKey)}; 0 already used it`);
    expect(await storedKubeconfig('prod', newKey)).toContain(TOKEN);
    await expect(storedKubeconfig('prod', KEY)).rejects.toThrow(/neither BYOK_ENCRYPTION_KEY nor listed/);

    const withoutOld = await runCli(['keys', 'rotate'], { ...env, BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    expect(withoutOld.code).toBe(1);
    expect(withoutOld.stdout).toContain('rotated 0 kubeconfig(s)');
    expect(withoutOld.stderr).toMatch(/kubegraph: 2 kubeconfig\(s\) could not be decrypted and were left as they are: "prod" \(key [0-9a-f]{16}\), "exec"/);

    const kept = await runCli(['cluster', 'remove', 'exec', '--keep-data'], rotateEnv);
    expect(kept.stdout).toMatch(/removed cluster "exec" \(id [0-9a-f-]{36}\) from sync; its data is kept and its kubeconfig erased/);
    const [{ id }] = await db.dataSource.query(`SELECT id FROM k8s_clusters WHERE name = 'prod'`);
    const removed = await runCli(['cluster', 'remove', id], rotateEnv);
    expect(removed.stdout).toContain(`removed cluster "prod" (id ${id}) and all its data`);
    const unknown = await runCli(['cluster', 'remove', 'nothing'], rotateEnv);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/kubegraph: there is no cluster named or with id "nothing" in this organisation/);
    expect(await db.dataSource.query(`SELECT name, kubeconfig_encrypted IS NULL AS erased, status FROM k8s_clusters`)).toEqual([
      { name: 'exec', erased: true, status: 'error' },
    ]);
  });
});
