import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { get } from './sim-client.js';

const run = promisify(execFile);

function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      const p = join(dir, 'kubectl');
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* not in this directory */ }
  }
  return undefined;
}

const kubectlPath = findKubectl();
if (!kubectlPath) console.warn('kubectl not found on PATH: skipping the kubectl compatibility tests (install the kubernetes-client package to run them)');

describe.skipIf(!kubectlPath)('kubectl against the simulator', () => {
  let sim: SimulatedCluster;
  let dir: string;
  let kubeconfig: string;
  const kubectl = async (...args: string[]) => {
    const { stdout } = await run(kubectlPath!, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  };

  beforeAll(async () => {
    sim = await SimulatedCluster.start({ pods: 700, namespaces: 4, seed: 'kubectl' });
    dir = mkdtempSync(join(tmpdir(), 'kubegraph-kubectl-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
  });
  afterAll(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('get pods -A lists every pod (kubectl pages with limit=500 and prints the server-side Table)', async () => {
    const out = (await kubectl('get', 'pods', '-A')).trim().split('\n');
    expect(out[0].split(/\s+/)).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const rows = out.slice(1).map((l) => l.split(/\s+/));
    expect(rows.map((r) => `${r[0]}/${r[1]}`)).toEqual(sim.state().pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    expect(rows.some((r) => r[3] === 'CrashLoopBackOff')).toBe(true);
  });

  it('get nodes -o json returns the nodes as objects', async () => {
    const list = JSON.parse(await kubectl('get', 'nodes', '-o', 'json'));
    expect(list.kind).toBe('List');
    expect(list.items).toEqual(sim.state().nodes);
  });

  it('get deploy -n NS shows READY / UP-TO-DATE / AVAILABLE', async () => {
    const ns = sim.state().namespaces.find((n) => n.metadata.labels?.team)!.metadata.name;
    const out = (await kubectl('get', 'deploy', '-n', ns)).trim().split('\n');
    expect(out[0].split(/\s+/)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    const deployments = sim.state().deployments.filter((d) => d.metadata.namespace === ns);
    expect(out.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(deployments.map((d) => `${d.metadata.name} ${d.status.readyReplicas ?? 0}/${d.spec.replicas}`));
  });

  it('get pods -w prints a change made after the list', async () => {
    const d = sim.state().deployments.find((x) => x.metadata.namespace !== 'kube-system')!;
    const ns = d.metadata.namespace!;
    const child = spawn(kubectlPath!, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'pods', '-n', ns, '-w', '--request-timeout=0']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    try {
      const initial = sim.state().pods.filter((p) => p.metadata.namespace === ns).length;
      await until(() => out.trim().split('\n').length >= initial + 1, 'the initial listing');
      const before = new Set(sim.state().pods.map((p) => p.metadata.name));
      await sim.apply({ kind: 'scaleDeployment', namespace: ns, name: d.metadata.name, replicas: d.spec.replicas + 1 });
      const created = sim.state().pods.find((p) => !before.has(p.metadata.name))!;
      await until(() => out.includes(created.metadata.name), 'the new pod in the watch output');
      const line = out.split('\n').find((l) => l.startsWith(created.metadata.name))!;
      expect(line.split(/\s+/).slice(1, 4)).toEqual([`${created.spec.containers.length}/${created.spec.containers.length}`, 'Running', '0']);
    } finally {
      child.kill();
    }
  });

  it('get --raw metrics, top, version, api-resources, and Unauthorized with a wrong token', async () => {
    const metrics = JSON.parse(await kubectl('get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods'));
    expect(metrics.kind).toBe('PodMetricsList');
    expect(metrics.items[0].containers[0].usage.cpu).toMatch(/^\d+n$/);
    const top = (await kubectl('top', 'nodes')).trim().split('\n');
    expect(top).toHaveLength(sim.state().nodes.length + 1);
    expect(top[1]).toMatch(/^\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$/);
    const version = JSON.parse(await kubectl('version', '-o', 'json'));
    expect(version.serverVersion.gitVersion).toBe('v1.30.4-eks-a737599');
    const resources = await kubectl('api-resources', '--no-headers');
    for (const r of ['pods', 'deployments', 'replicasets', 'persistentvolumeclaims', 'resourcequotas', 'limitranges', 'secrets', 'nodes', 'namespaces']) expect(resources).toContain(r);
    await expect(kubectl('--token', 'wrong', 'get', 'pods')).rejects.toThrow(/Unauthorized/);
  });

  it('delete pod (its ReplicaSet replaces it), scale deployment, delete deployment', async () => {
    const d = sim.state().deployments.find((x) => x.metadata.namespace !== 'kube-system' && x.spec.replicas >= 2 && !x.spec.template.spec.volumes)!;
    const ns = d.metadata.namespace!;
    const podsOf = () => sim.state().pods.filter((p) => p.metadata.namespace === ns && p.metadata.labels!.app === d.metadata.name);
    const victim = podsOf()[0];
    expect((await kubectl('delete', 'pod', '-n', ns, victim.metadata.name)).trim()).toBe(`pod "${victim.metadata.name}" deleted`);
    expect(sim.deletedPodUids()).toContain(victim.metadata.uid);
    expect(podsOf()).toHaveLength(d.spec.replicas);

    expect((await kubectl('scale', 'deployment', d.metadata.name, '-n', ns, '--replicas=5')).trim()).toBe(`deployment.apps/${d.metadata.name} scaled`);
    expect(podsOf()).toHaveLength(5);
    expect(sim.state().deployments.find((x) => x.metadata.uid === d.metadata.uid)!.spec.replicas).toBe(5);

    expect((await kubectl('delete', 'deployment', d.metadata.name, '-n', ns)).trim()).toBe(`deployment.apps "${d.metadata.name}" deleted`);
    expect(podsOf()).toEqual([]);
    expect(sim.state().replicasets.filter((r) => r.metadata.ownerReferences![0].uid === d.metadata.uid)).toEqual([]);
  });

  it('--dry-run=server answers as if done and changes nothing: delete pod, scale, set image, delete deployment', async () => {
    const d = sim.state().deployments.find((x) => x.metadata.namespace !== 'kube-system' && x.spec.replicas >= 2 && x.spec.template.spec.containers.length === 1)!;
    const ns = d.metadata.namespace!;
    const container = d.spec.template.spec.containers[0].name;
    const victim = sim.state().pods.find((p) => p.metadata.namespace === ns && p.metadata.labels!.app === d.metadata.name)!;
    const before = JSON.stringify(sim.state());
    const rv = sim.resourceVersion;

    expect((await kubectl('delete', 'pod', '-n', ns, victim.metadata.name, '--dry-run=server')).trim()).toBe(`pod "${victim.metadata.name}" deleted (server dry run)`);
    expect((await kubectl('scale', 'deployment', d.metadata.name, '-n', ns, `--replicas=${d.spec.replicas + 4}`, '--dry-run=server')).trim()).toBe(
      `deployment.apps/${d.metadata.name} scaled (server dry run)`,
    );
    const patched = JSON.parse(await kubectl('set', 'image', `deployment/${d.metadata.name}`, `${container}=nginx:9.9.9`, '-n', ns, '--dry-run=server', '-o', 'json'));
    // The answer shows the change the patch would make...
    expect(patched.spec.template.spec.containers[0].image).toBe('nginx:9.9.9');
    expect((await kubectl('delete', 'deployment', d.metadata.name, '-n', ns, '--dry-run=server')).trim()).toBe(`deployment.apps "${d.metadata.name}" deleted (server dry run)`);
    // ...and nothing happened: same objects, same resourceVersion, no event for a watcher.
    expect(sim.resourceVersion).toBe(rv);
    expect(JSON.stringify(sim.state())).toBe(before);
  });

  it('refuses a dryRun value other than All with 400, changing nothing', async () => {
    const pod = sim.state().pods[0]!;
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
    const res = await get(sim, path, { method: 'DELETE', body: { dryRun: ['Some'] } });
    expect(res.status, res.text).toBe(400);
    expect(res.json).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest', message: 'dryRun: Unsupported value: "Some": supported values: "All"' });
    expect(sim.state().pods.some((p) => p.metadata.uid === pod.metadata.uid)).toBe(true);
    // In the query, as a PATCH carries it, the same.
    const d = sim.state().deployments[0]!;
    const scale = await get(sim, `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}/scale?dryRun=Everything`, { method: 'PUT', body: { spec: { replicas: 9 } } });
    expect(scale.json).toMatchObject({ code: 400, message: 'dryRun: Unsupported value: "Everything": supported values: "All"' });
    expect(sim.state().deployments[0]!.spec.replicas).toBe(d.spec.replicas);
  });

  it('set image and rollout restart roll the deployment out through a new ReplicaSet', async () => {
    const d = sim.state().deployments.find((x) => x.metadata.namespace !== 'kube-system' && x.spec.replicas >= 2 && x.spec.template.spec.containers.length === 1)!;
    const ns = d.metadata.namespace!;
    const container = d.spec.template.spec.containers[0].name;
    const current = () => sim.state().replicasets.filter((r) => r.metadata.ownerReferences![0].uid === d.metadata.uid && r.spec.replicas > 0);
    const podsOf = (rs: any) => sim.state().pods.filter((p) => p.metadata.ownerReferences?.[0].uid === rs.metadata.uid);

    expect((await kubectl('set', 'image', `deployment/${d.metadata.name}`, `${container}=nginx:1.27.3`, '-n', ns)).trim()).toBe(`deployment.apps/${d.metadata.name} image updated`);
    const [afterSet] = current();
    expect(afterSet.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    expect(podsOf(afterSet).map((p) => p.spec.containers[0].image)).toEqual(Array(d.spec.replicas).fill('nginx:1.27.3'));

    expect((await kubectl('rollout', 'restart', `deployment/${d.metadata.name}`, '-n', ns)).trim()).toBe(`deployment.apps/${d.metadata.name} restarted`);
    const [afterRestart] = current();
    expect(afterRestart.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    expect(afterRestart.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toEqual(expect.any(String));
    expect(podsOf(afterRestart)).toHaveLength(d.spec.replicas);
    expect(podsOf(afterRestart).every((p) => p.spec.containers[0].image === 'nginx:1.27.3')).toBe(true);
  });

  it('logs prints a pod container log, and the previous run of a restarted one', async () => {
    const pod = sim.state().pods.find((p) => p.spec.containers.length === 1 && p.status.containerStatuses[0].state.running
      && Date.parse(p.status.containerStatuses[0].state.running.startedAt) < Date.now() - 3_600_000)!;
    const lines = (await kubectl('logs', '-n', pod.metadata.namespace!, pod.metadata.name, '--tail', '5')).trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(l).toMatch(/^(INFO|ERROR) GET \/\S* \d{3} \d+ms$/);
    await sim.apply({ kind: 'oomKill', namespace: pod.metadata.namespace!, name: pod.metadata.name });
    const previous = (await kubectl('logs', '-n', pod.metadata.namespace!, pod.metadata.name, '--previous', '--tail', '3')).trim().split('\n');
    expect(previous.at(-1)).toMatch(/FATAL exiting: out of memory$/);
  });
});

async function until(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
