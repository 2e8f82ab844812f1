import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import yaml from 'js-yaml';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient, KubeconfigError, KubeTransportError, type WatchEvent } from '../../src/cluster/kube-client.js';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { servingCertificate } from '../../src/simulator/tls.js';

type Doc = { clusters: Array<{ name: string; cluster: Record<string, unknown> }>; users: Array<{ name: string; user: Record<string, unknown> }>; contexts: Array<{ name: string; context: Record<string, unknown> }>; 'current-context'?: string };

function edit(kubeconfig: string, change: (doc: Doc) => void): string {
  const doc = yaml.load(kubeconfig) as Doc;
  change(doc);
  return yaml.dump(doc);
}

interface PodList {
  metadata: { resourceVersion: string };
  items: Array<{ metadata: { name: string; uid: string } }>;
}

let sim: SimulatedCluster;
let dir: string;

beforeAll(async () => {
  sim = await SimulatedCluster.start({ nodes: 2, pods: 20, seed: 'kube-client' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'kubegraph-kc-'));
});

afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * An exec credential plugin (a node script) that prints `token`, valid for `ttlMs`, and records each run with the
 * expiry it issued.
 */
async function execPlugin(
  name: string,
  token: string,
  ttlMs: number,
): Promise<{ user: Record<string, unknown>; runs: () => Promise<number>; lastExpiry: () => Promise<number> }> {
  const script = path.join(dir, `${name}.cjs`);
  const counter = path.join(dir, `${name}.count`);
  await writeFile(counter, '');
  await writeFile(
    script,
    `const fs = require('fs');
const expires = Date.now() + ${ttlMs};
fs.appendFileSync(${JSON.stringify(counter)}, expires + '\\n');
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
  status: { token: ${JSON.stringify(token)}, expirationTimestamp: new Date(expires).toISOString() } }));`,
  );
  await chmod(script, 0o755);
  const issued = async () => (await readFile(counter, 'utf8')).split('\n').filter(Boolean).map(Number);
  return {
    user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [script], interactiveMode: 'Never' } },
    runs: async () => (await issued()).length,
    lastExpiry: async () => (await issued()).at(-1)!,
  };
}

describe('KubeClient over HTTPS against the simulator', () => {
  it('authenticates with a bearer token and CA data, reusing one connection', async () => {
    const client = KubeClient.fromKubeconfig(sim.kubeconfig());
    try {
      expect(client.server).toBe(sim.url);
      expect(client.contextName).toBe(sim.name);
      for (let i = 0; i < 10; i++) {
        const pods = await client.getJson<PodList>('/api/v1/pods?limit=5');
        expect(pods.items).toHaveLength(5);
      }
      expect(client.stats).toEqual({ requests: 10, connections: 1 });
    } finally {
      client.close();
    }
  });

  it('reports a rejected token as KubeApiError 401', async () => {
    const client = KubeClient.fromKubeconfig(edit(sim.kubeconfig(), (d) => (d.users[0]!.user.token = 'wrong')));
    try {
      const err = await client.getJson('/api/v1/nodes').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect(err).not.toBeInstanceOf(KubeTransportError);
      expect(err).toMatchObject({ status: 401, reason: 'Unauthorized', code: 401 });
    } finally {
      client.close();
    }
  });

  it('refuses a server certificate from an unknown CA, and one for another host name', async () => {
    const noCa = KubeClient.fromKubeconfig(edit(sim.kubeconfig(), (d) => delete d.clusters[0]!.cluster['certificate-authority-data']));
    const err = await noCa.getJson('/version').catch((e: unknown) => e);
    noCa.close();
    expect(err).toBeInstanceOf(KubeTransportError);
    expect(err).toMatchObject({ status: 0, reason: 'TLSError' });
    expect((err as Error).message).toMatch(/not signed by a trusted certificate authority/);

    const otherName = KubeClient.fromKubeconfig(edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster['tls-server-name'] = 'api.example.com')));
    const err2 = await otherName.getJson('/version').catch((e: unknown) => e);
    otherName.close();
    expect(err2).toMatchObject({ reason: 'TLSError', errno: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect((err2 as Error).message).toMatch(/does not match its host name/);
  });

  it('honours insecure-skip-tls-verify', async () => {
    const kubeconfig = edit(sim.kubeconfig(), (d) => {
      delete d.clusters[0]!.cluster['certificate-authority-data'];
      d.clusters[0]!.cluster['insecure-skip-tls-verify'] = true;
    });
    const client = KubeClient.fromKubeconfig(kubeconfig);
    try {
      expect((await client.getJson<{ gitVersion: string }>('/version')).gitVersion).toMatch(/^v1\./);
    } finally {
      client.close();
    }
  });

  it('runs an exec credential plugin again only once its credential expired', async () => {
    // Valid long enough for the two requests that reuse it even on a loaded machine.
    const plugin = await execPlugin('exec-refresh', sim.token, 5000);
    const client = KubeClient.fromKubeconfig(edit(sim.kubeconfig(), (d) => (d.users[0]!.user = plugin.user)));
    try {
      await client.getJson('/api/v1/namespaces');
      await client.getJson('/api/v1/namespaces');
      expect(await plugin.runs()).toBe(1);
      // Until the expiry the plugin issued has passed, by the clock it is compared with.
      const expiry = await plugin.lastExpiry();
      while (Date.now() <= expiry) await new Promise((r) => setTimeout(r, expiry - Date.now() + 10));
      await client.getJson('/api/v1/namespaces');
      expect(await plugin.runs()).toBe(2);
    } finally {
      client.close();
    }
  });

  it('reports a failing exec plugin as a credentials KubeconfigError', async () => {
    const client = KubeClient.fromKubeconfig(
      edit(sim.kubeconfig(), (d) => (d.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: path.join(dir, 'missing-plugin') } })),
    );
    try {
      const err = await client.getJson('/version').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeconfigError);
      expect(err).toMatchObject({ problem: 'credentials' });
      expect((err as Error).message).toMatch(/credentials for context .* could not be obtained/);
    } finally {
      client.close();
    }
  });

  it('quotes a failing exec plugin without the credentials its output carries', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaS1ib3QiLCJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
    const script = path.join(dir, 'leaky-plugin.cjs');
    await writeFile(script, `process.stderr.write('refresh failed for token=s3cr3t-refresh-value, last credential Bearer ${jwt}\\nmore\\n'); process.exit(1);`);
    const client = KubeClient.fromKubeconfig(
      edit(sim.kubeconfig(), (d) => (d.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [script], interactiveMode: 'Never' } })),
    );
    try {
      const err = await client.getJson('/version').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeconfigError);
      const message = (err as Error).message;
      expect(message).toMatch(/credentials for context .* could not be obtained: .*refresh failed for token=/);
      expect(message).not.toContain('s3cr3t-refresh-value');
      expect(message).not.toContain(jwt.split('.')[1]);
    } finally {
      client.close();
    }
  });

  it('keeps the credentials of two clusters apart when their kubeconfigs reuse user and context names', async () => {
    const other = await SimulatedCluster.start({ nodes: 1, pods: 3, seed: 'other', token: 'the-other-token' });
    try {
      const a = await execPlugin('exec-a', sim.token, 60_000);
      const b = await execPlugin('exec-b', other.token, 60_000);
      const same = { contextName: 'prod', userName: 'admin' };
      const clientA = KubeClient.fromKubeconfig(edit(sim.kubeconfig(same), (d) => (d.users[0]!.user = a.user)));
      const clientB = KubeClient.fromKubeconfig(edit(other.kubeconfig(same), (d) => (d.users[0]!.user = b.user)));
      const tokenA = KubeClient.fromKubeconfig(sim.kubeconfig(same));
      const tokenB = KubeClient.fromKubeconfig(other.kubeconfig(same));
      try {
        const counts = await Promise.all(
          [clientA, clientB, tokenA, tokenB, clientA, clientB].map(async (c) => (await c.getJson<{ items: unknown[] }>('/api/v1/nodes')).items.length),
        );
        expect(counts).toEqual([2, 1, 2, 1, 2, 1]);
        expect([await a.runs(), await b.runs()]).toEqual([1, 1]);
      } finally {
        for (const c of [clientA, clientB, tokenA, tokenB]) c.close();
      }
    } finally {
      await other.stop();
    }
  });

  it('streams watch events, closes the connection when the loop breaks, and throws AbortError on abort', async () => {
    const client = KubeClient.fromKubeconfig(sim.kubeconfig());
    try {
      const list = await client.getJson<PodList>('/api/v1/pods');
      const path = `/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`;
      const seen: WatchEvent[] = [];
      const reading = (async () => {
        for await (const event of client.watch(path)) {
          seen.push(event);
          if (seen.length === 3) break;
        }
      })();
      await waitFor(() => sim.openWatches === 1);
      const applied = await sim.tick(10);
      await reading;
      expect(seen).toHaveLength(3);
      expect(applied.length).toBeGreaterThanOrEqual(3);
      for (const e of seen) expect(['ADDED', 'MODIFIED', 'DELETED']).toContain(e.type);
      await waitFor(() => sim.openWatches === 0);

      const controller = new AbortController();
      const aborted = (async () => {
        for await (const _ of client.watch(path, { signal: controller.signal })) {
          // drain
        }
      })().catch((e: unknown) => e);
      await waitFor(() => sim.openWatches === 1);
      controller.abort();
      expect(await aborted).toMatchObject({ name: 'AbortError' });
      await waitFor(() => sim.openWatches === 0);
    } finally {
      client.close();
    }
  });

  it('ends a watch cleanly when the server ends it, and reports 410 as HTTP error or ERROR event', async () => {
    const client = KubeClient.fromKubeconfig(sim.kubeconfig());
    try {
      const list = await client.getJson<PodList>('/api/v1/namespaces');
      const events: string[] = [];
      for await (const e of client.watch(`/api/v1/namespaces?watch=1&timeoutSeconds=1&resourceVersion=${list.metadata.resourceVersion}`)) {
        events.push(e.type);
      }
      expect(events).toEqual([]);

      await sim.fault({ kind: 'force410', http: true });
      const err = await (async () => {
        for await (const _ of client.watch(`/api/v1/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`)) {
          // none expected
        }
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect(err).toMatchObject({ status: 410, code: 410 });

      await sim.fault({ kind: 'force410' });
      const first = await (async () => {
        for await (const e of client.watch(`/api/v1/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`)) return e;
        return undefined;
      })();
      expect(first?.type).toBe('ERROR');
      expect(first?.object).toMatchObject({ kind: 'Status', code: 410 });
    } finally {
      client.close();
    }
  });

  it('throws a cut-off watch instead of ending it cleanly', async () => {
    const client = KubeClient.fromKubeconfig(sim.kubeconfig());
    try {
      const list = await client.getJson<PodList>('/api/v1/pods?limit=1');
      const watching = (async () => {
        for await (const _ of client.watch(`/api/v1/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`)) {
          // drain
        }
      })().catch((e: unknown) => e);
      await waitFor(() => sim.openWatches === 1);
      await sim.fault({ kind: 'dropWatches' });
      expect(await watching).toMatchObject({ name: 'KubeTransportError', reason: 'ConnectionReset' });
    } finally {
      client.close();
    }
  });

  it('reports a server that is down as connection refused', async () => {
    const down = await SimulatedCluster.start({ nodes: 1, pods: 1, seed: 'down' });
    const client = KubeClient.fromKubeconfig(down.kubeconfig());
    try {
      await client.getJson('/version');
      await down.fault({ kind: 'down' });
      const err = await client.getJson('/version').catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'KubeTransportError', reason: 'ConnectionRefused', errno: 'ECONNREFUSED', status: 0 });
    } finally {
      client.close();
      await down.stop();
    }
  });
});

describe('KubeClient without the simulator', () => {
  it('times out a server that accepts but never answers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const client = KubeClient.fromKubeconfig(edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`)));
    try {
      const err = await client.getJson('/version', { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'KubeTransportError', reason: 'Timeout' });
      expect((err as Error).message).toMatch(/no answer from https:\/\/127\.0\.0\.1:\d+ within 300 ms/);
    } finally {
      client.close();
      silent.close();
    }
  });

  it('reassembles watch events split anywhere, even inside a multi-byte character', async () => {
    const serving = await servingCertificate();
    const events = [
      { type: 'ADDED', object: { metadata: { name: 'café-1', uid: 'u1' } } },
      { type: 'MODIFIED', object: { metadata: { name: 'naïve-2', uid: 'u2' }, note: '→ ✓' } },
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '42' } } },
    ];
    const bytes = Buffer.from(events.map((e) => JSON.stringify(e) + '\n').join('') + JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'last' } } }));
    // An HTTP-level stand-in that writes the stream three bytes at a time, the last event without a newline.
    const server = https.createServer({ key: serving.key, cert: serving.cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let i = 0;
      const timer = setInterval(() => {
        if (i >= bytes.length) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(bytes.subarray(i, i + 3));
        i += 3;
      }, 0);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = KubeClient.fromKubeconfig(edit(sim.kubeconfig(), (d) => (d.clusters[0]!.cluster.server = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`)));
    try {
      const seen: WatchEvent[] = [];
      for await (const e of client.watch('/api/v1/pods?watch=1')) seen.push(e);
      expect(seen).toEqual([...events, { type: 'DELETED', object: { metadata: { name: 'last' } } }]);
    } finally {
      client.close();
      server.close();
    }
  });

  it('presents a client certificate from the kubeconfig', async () => {
    const serving = await servingCertificate();
    const clientCa = await generate([{ name: 'commonName', value: 'client-ca' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true, critical: true }],
    });
    const clientCert = await generate([{ name: 'commonName', value: 'kubegraph-reader' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ca: { key: clientCa.private, cert: clientCa.cert },
      extensions: [{ name: 'extKeyUsage', clientAuth: true }],
    });
    // An HTTP-level stand-in for an API server that authenticates by client certificate.
    const server = https.createServer(
      { key: serving.key, cert: serving.cert, ca: clientCa.cert, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ gitVersion: 'v1.31.0', user: peer.subject?.CN }));
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const kubeconfig = yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(serving.caCert).toString('base64') } }],
      users: [{ name: 'u', user: { 'client-certificate-data': Buffer.from(clientCert.cert).toString('base64'), 'client-key-data': Buffer.from(clientCert.private).toString('base64') } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    });
    const client = KubeClient.fromKubeconfig(kubeconfig);
    const anonymous = KubeClient.fromKubeconfig(edit(kubeconfig, (d) => (d.users[0]!.user = {})));
    try {
      expect(await client.getJson('/version')).toEqual({ gitVersion: 'v1.31.0', user: 'kubegraph-reader' });
      const err = await anonymous.getJson('/version').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeTransportError);
    } finally {
      client.close();
      anonymous.close();
      server.close();
    }
  });

  it('serves plain http only with insecure-skip-tls-verify', async () => {
    const plain = await SimulatedCluster.start({ nodes: 1, pods: 2, seed: 'plain', tls: false });
    try {
      const client = KubeClient.fromKubeconfig(plain.kubeconfig());
      expect((await client.getJson<{ items: unknown[] }>('/api/v1/nodes')).items).toHaveLength(1);
      client.close();
      expect(() => KubeClient.fromKubeconfig(edit(plain.kubeconfig(), (d) => delete d.clusters[0]!.cluster['insecure-skip-tls-verify']))).toThrow(
        /uses an http:\/\/ server, which needs insecure-skip-tls-verify: true/,
      );
    } finally {
      await plain.stop();
    }
  });

  it('names what is wrong with a kubeconfig without quoting it', () => {
    const secret = 'tok-SECRET-5f2a';
    const cases: Array<[string, string | undefined, RegExp, string]> = [
      [`users:\n- name: u\n  user: {token: "${secret}"\n`, undefined, /^kubeconfig is not valid YAML at line \d+, column \d+$/, 'invalid'],
      ['- just\n- a list\n', undefined, /must be a YAML mapping/, 'invalid'],
      [edit(sim.kubeconfig(), (d) => delete d['current-context']), undefined, /has no current-context; choose a context \(available: /, 'context'],
      [sim.kubeconfig(), 'staging', /context "staging" is not in the kubeconfig \(available: /, 'context'],
      [edit(sim.kubeconfig(), (d) => (d.contexts[0]!.context.cluster = 'gone')), undefined, /refers to cluster "gone", which the kubeconfig does not define/, 'invalid'],
      [edit(sim.kubeconfig(), (d) => (d.contexts[0]!.context.user = 'nobody')), undefined, /refers to user "nobody", which the kubeconfig does not define/, 'invalid'],
      [edit(sim.kubeconfig(), (d) => delete d.clusters[0]!.cluster.server), undefined, /clusters\[0\]\.cluster\.server is missing/, 'invalid'],
    ];
    for (const [text, context, message, problem] of cases) {
      let thrown: unknown;
      try {
        KubeClient.fromKubeconfig(text.replace(sim.token, secret), { context });
      } catch (err) {
        thrown = err;
      }
      expect(thrown, String(message)).toBeInstanceOf(KubeconfigError);
      expect((thrown as KubeconfigError).message).toMatch(message);
      expect((thrown as KubeconfigError).problem).toBe(problem);
      expect((thrown as Error).message).not.toContain(secret);
      expect((thrown as Error).stack).not.toContain(secret);
    }
  });
});

/** Waits for a state the test causes; the bound only turns a missing one into a failure (generous: machines are shared). */
async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
