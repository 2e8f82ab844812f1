import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, Metrics } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';

describe.each([{ tls: true }, { tls: false }])('@kubernetes/client-node with tls=$tls', ({ tls }) => {
  let sim: SimulatedCluster;
  let dir: string;
  let kc: KubeConfig;
  beforeAll(async () => {
    sim = await SimulatedCluster.start({ pods: 90, seed: `client-${tls}`, tls, name: 'client-test' });
    dir = mkdtempSync(join(tmpdir(), 'kubegraph-client-'));
    const file = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(file, { contextName: 'ctx', userName: 'me' });
    kc = new KubeConfig();
    kc.loadFromFile(file);
  });
  afterAll(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the kubeconfig: server, CA or insecure-skip-tls-verify, token', () => {
    expect(kc.getCurrentContext()).toBe('ctx');
    const cluster = kc.getCurrentCluster()!;
    expect(cluster.server).toBe(sim.url);
    expect(cluster.server.startsWith(tls ? 'https://127.0.0.1:' : 'http://127.0.0.1:')).toBe(true);
    if (tls) expect(Buffer.from(cluster.caData!, 'base64').toString()).toBe(sim.certificateAuthority);
    else expect(cluster.skipTLSVerify).toBe(true);
    expect(kc.getCurrentUser()!.token).toBe(sim.token);
  });

  it('lists pods, namespaces and deployments through the generated API clients', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const pods = await core.listPodForAllNamespaces({ limit: 40 });
    expect(pods.items).toHaveLength(40);
    expect(pods.metadata?.remainingItemCount).toBe(50);
    const rest = await core.listPodForAllNamespaces({ limit: 100, _continue: pods.metadata!._continue });
    expect([...pods.items, ...rest.items].map((p) => p.metadata!.uid)).toEqual(sim.state().pods.map((p) => p.metadata.uid));
    const pod = rest.items[0];
    expect(pod.metadata!.creationTimestamp).toBeInstanceOf(Date);
    expect(pod.metadata!.ownerReferences![0].kind).toBe('ReplicaSet');

    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata!.name)).toEqual(sim.state().namespaces.map((n) => n.metadata.name));
    const node = await core.readNode({ name: sim.state().nodes[0].metadata.name });
    expect(node.status!.capacity!.cpu).toBe(sim.state().nodes[0].status.capacity.cpu);

    const apps = kc.makeApiClient(AppsV1Api);
    const ns = sim.state().deployments[0].metadata.namespace!;
    const deployments = await apps.listNamespacedDeployment({ namespace: ns });
    expect(deployments.items.map((d) => d.metadata!.name)).toEqual(sim.state().deployments.filter((d) => d.metadata.namespace === ns).map((d) => d.metadata.name));

    await expect(core.readNamespacedPod({ namespace: ns, name: 'missing' })).rejects.toMatchObject({ code: 404 });
  });

  it('reads metrics through the client Metrics helper', async () => {
    const metrics = new Metrics(kc);
    const nodes = await metrics.getNodeMetrics();
    expect(nodes.items.map((n) => n.metadata.name)).toEqual(sim.state().nodes.map((n) => n.metadata.name));
    expect(nodes.items[0].usage.cpu).toMatch(/^\d+n$/);
    const pods = await metrics.getPodMetrics(sim.state().pods[0].metadata.namespace);
    expect(pods.items.length).toBeGreaterThan(0);
    expect(pods.items[0].containers[0].usage.memory).toMatch(/^\d+Ki$/);
  });
});
