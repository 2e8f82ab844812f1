import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { get } from './sim-client.js';

const START = Date.parse('2026-06-01T12:00:00Z');
const fixedClock = () => START;

describe('scenario determinism', () => {
  it('builds identical objects (uids included) from the same seed, and different ones from another seed', async () => {
    const opts = { pods: 150, namespaces: 3, helmReleases: 4, startTime: START, clock: fixedClock, tls: false };
    const [a, b, c] = await Promise.all([
      SimulatedCluster.start({ ...opts, seed: 42 }),
      SimulatedCluster.start({ ...opts, seed: 42 }),
      SimulatedCluster.start({ ...opts, seed: 43 }),
    ]);
    try {
      expect(a.state()).toEqual(b.state());
      expect(a.state().pods.map((p) => p.metadata.uid)).not.toEqual(c.state().pods.map((p) => p.metadata.uid));
      // Changes drawn by tick() are deterministic too.
      const [ca, cb] = [await a.tick(40), await b.tick(40)];
      expect(ca).toEqual(cb);
      expect(a.state()).toEqual(b.state());
      expect(a.deletedPodUids()).toEqual(b.deletedPodUids());
      expect((await get(a, '/api/v1/pods')).text).toBe((await get(b, '/api/v1/pods')).text);
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });
});

describe('object shapes', () => {
  let sim: SimulatedCluster;
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 400, namespaces: 6, helmReleases: 8, seed: 'shapes', provider: 'eks' }); });
  afterAll(async () => { await sim.stop(); });

  it('has exactly the requested pods, namespaces labelled for cost, nodes with provider details', () => {
    const s = sim.state();
    expect(s.pods).toHaveLength(400);
    const app = s.namespaces.filter((n) => n.metadata.labels?.team);
    expect(app).toHaveLength(6);
    for (const ns of app) expect(ns.metadata.labels).toMatchObject({ team: expect.any(String), 'cost-center': expect.stringMatching(/^cc-\d+$/) });
    expect(s.namespaces.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
    for (const n of s.nodes) {
      expect(n.spec.providerID).toMatch(/^aws:\/\/\/us-east-1[abc]\/i-0[0-9a-f]{16}$/);
      expect(n.metadata.labels).toMatchObject({
        'topology.kubernetes.io/zone': expect.stringMatching(/^us-east-1[abc]$/), 'topology.kubernetes.io/region': 'us-east-1', 'node.kubernetes.io/instance-type': expect.any(String),
      });
      expect(n.status.capacity).toMatchObject({ cpu: expect.stringMatching(/^\d+$/), memory: expect.stringMatching(/^\d+Ki$/), pods: expect.stringMatching(/^\d+$/) });
      expect(n.status.allocatable.cpu).toMatch(/^\d+m?$/);
      expect(n.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    }
    const uids = new Set(Object.values(s).flat().map((o) => o.metadata.uid));
    expect(uids.size).toBe(Object.values(s).flat().length);
    for (const o of Object.values(s).flat()) {
      expect(o.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(o.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(o.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it('links Deployment → ReplicaSet → Pod by ownerReferences and pod-template-hash, with statuses that add up', () => {
    const s = sim.state();
    const byUid = new Map(Object.values(s).flat().map((o) => [o.metadata.uid, o]));
    for (const pod of s.pods.filter((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet')) {
      const rsRef = pod.metadata.ownerReferences![0];
      const rs = byUid.get(rsRef.uid)!;
      expect(rsRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, controller: true, blockOwnerDeletion: true });
      expect(pod.metadata.labels!['pod-template-hash']).toBe(rs.metadata.labels!['pod-template-hash']);
      expect(rs.metadata.name).toBe(`${byUid.get(rs.metadata.ownerReferences![0].uid)!.metadata.name}-${rs.metadata.labels!['pod-template-hash']}`);
      expect(pod.metadata.name.startsWith(`${rs.metadata.name}-`)).toBe(true);
    }
    for (const rs of s.replicasets) {
      const pods = s.pods.filter((p) => p.metadata.ownerReferences![0].uid === rs.metadata.uid);
      expect(rs.status.replicas).toBe(pods.length);
      expect(rs.spec.replicas).toBe(pods.length);
      expect(rs.status.readyReplicas ?? 0).toBe(pods.filter((p) => p.status.conditions.find((c: any) => c.type === 'Ready')?.status === 'True').length);
    }
    for (const d of s.deployments) {
      const rss = s.replicasets.filter((r) => r.metadata.ownerReferences![0].uid === d.metadata.uid);
      expect(d.status.replicas ?? 0).toBe(rss.reduce((n, r) => n + r.status.replicas, 0));
      expect(d.status.observedGeneration).toBe(d.metadata.generation);
    }
  });

  it('includes crash loops, image pull failures and OOM kills in real status shapes', () => {
    const pods = sim.state().pods;
    const statuses = pods.flatMap((p) => p.status.containerStatuses ?? []);
    const crash = statuses.find((c: any) => c.state.waiting?.reason === 'CrashLoopBackOff');
    expect(crash).toMatchObject({ ready: false, restartCount: expect.any(Number), lastState: { terminated: { reason: 'Error', exitCode: 1 } } });
    expect(crash.restartCount).toBeGreaterThan(0);
    expect(statuses.some((c: any) => c.state.waiting?.reason === 'ImagePullBackOff')).toBe(true);
    const oom = statuses.find((c: any) => c.lastState.terminated?.reason === 'OOMKilled');
    expect(oom).toMatchObject({ ready: true, state: { running: {} }, lastState: { terminated: { exitCode: 137 } } });
    // A pod no node fits has only its PodScheduled condition (False) and no container statuses.
    const pending = pods.filter((p) => !p.spec.nodeName);
    expect(pending.map((p) => [p.status.phase, p.status.conditions.map((c: any) => `${c.type}=${c.status}`), p.status.containerStatuses])).toEqual([['Pending', ['PodScheduled=False'], undefined]]);
    for (const p of pods.filter((x) => x.spec.nodeName)) {
      expect(p.status.conditions.map((c: any) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
      expect(p.spec.containers[0].resources.requests).toMatchObject({ cpu: expect.stringMatching(/^\d+m?$/), memory: expect.stringMatching(/^\d+(Mi|Gi)$/) });
    }
  });

  it('binds PVCs with capacity and mounts them in pods', () => {
    const s = sim.state();
    expect(s.persistentvolumeclaims.length).toBeGreaterThan(0);
    for (const pvc of s.persistentvolumeclaims) {
      expect(pvc.status).toMatchObject({ phase: 'Bound', capacity: { storage: expect.stringMatching(/^\d+Gi$/) } });
      expect(pvc.spec.volumeName).toBe(`pvc-${pvc.metadata.uid}`);
      expect(pvc.spec.storageClassName).toBe('gp3');
      const mounted = s.pods.filter((p) => p.metadata.namespace === pvc.metadata.namespace && p.spec.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === pvc.metadata.name));
      expect(mounted.length).toBe(1);
    }
    expect(s.resourcequotas).toHaveLength(6);
    expect(s.limitranges).toHaveLength(6);
    // Finished pods (of Jobs) no longer count against the quota.
    const counted = s.pods.filter((p) => p.metadata.namespace === s.resourcequotas[0].metadata.namespace && !['Succeeded', 'Failed'].includes(p.status.phase));
    expect(s.resourcequotas[0].status.used.pods).toBe(String(counted.length));
  });

  it('stores Helm releases exactly as Helm 3 does, and upgrades them', async () => {
    const list = await get(sim, '/api/v1/secrets?labelSelector=owner%3Dhelm');
    const secrets = list.json.items;
    expect(new Set(secrets.filter((s: any) => s.metadata.labels.status === 'deployed').map((s: any) => `${s.metadata.namespace}/${s.metadata.labels.name}`)).size).toBe(8);
    for (const secret of secrets) {
      expect(secret.type).toBe('helm.sh/release.v1');
      expect(secret.metadata.name).toBe(`sh.helm.release.v1.${secret.metadata.labels.name}.v${secret.metadata.labels.version}`);
      const gz = Buffer.from(Buffer.from(secret.data.release, 'base64').toString(), 'base64');
      expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
      const release = JSON.parse(gunzipSync(gz).toString());
      expect(release).toMatchObject({
        name: secret.metadata.labels.name, namespace: secret.metadata.namespace, version: Number(secret.metadata.labels.version),
        info: { status: secret.metadata.labels.status, first_deployed: expect.stringMatching(/\.\d{9}Z$/), last_deployed: expect.any(String) },
        chart: { metadata: { name: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+$/), appVersion: expect.any(String), apiVersion: 'v2' } },
        manifest: expect.stringContaining('kind: Deployment'),
      });
    }
    const deployed = secrets.find((s: any) => s.metadata.labels.status === 'deployed');
    await sim.apply({ kind: 'helmUpgrade', namespace: deployed.metadata.namespace, name: deployed.metadata.labels.name });
    const next = Number(deployed.metadata.labels.version) + 1;
    const after = await get(sim, `/api/v1/namespaces/${deployed.metadata.namespace}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${deployed.metadata.labels.name}`)}`);
    const byVersion = Object.fromEntries(after.json.items.map((s: any) => [s.metadata.labels.version, s]));
    expect(byVersion[String(next - 1)].metadata.labels.status).toBe('superseded');
    expect(byVersion[String(next)].metadata.labels.status).toBe('deployed');
    const decoded = JSON.parse(gunzipSync(Buffer.from(Buffer.from(byVersion[String(next - 1)].data.release, 'base64').toString(), 'base64')).toString());
    expect(decoded.info.status).toBe('superseded');

    // Like Helm's --history-max 10: after many upgrades only the last 10 revisions remain, the newest deployed.
    for (let i = 0; i < 12; i++) await sim.apply({ kind: 'helmUpgrade', namespace: deployed.metadata.namespace, name: deployed.metadata.labels.name });
    const kept = (await get(sim, `/api/v1/namespaces/${deployed.metadata.namespace}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${deployed.metadata.labels.name}`)}`)).json.items;
    const versions = kept.map((s: any) => Number(s.metadata.labels.version)).sort((a: number, b: number) => a - b);
    expect(versions).toEqual(Array.from({ length: 10 }, (_, i) => next + 3 + i));
    expect(kept.filter((s: any) => s.metadata.labels.status === 'deployed').map((s: any) => Number(s.metadata.labels.version))).toEqual([next + 12]);
  });

  it('keeps owners and statuses consistent through rollouts, scaling and node failures', async () => {
    const d = sim.state().deployments.find((x) => x.spec.replicas >= 2)!;
    const ns = d.metadata.namespace!;
    const oldPods = sim.state().pods.filter((p) => p.metadata.labels!.app === d.metadata.name && p.metadata.namespace === ns).map((p) => p.metadata.uid);
    await sim.apply({ kind: 'rollout', namespace: ns, name: d.metadata.name });
    const rss = sim.state().replicasets.filter((r) => r.metadata.ownerReferences![0].uid === d.metadata.uid);
    const current = rss.find((r) => r.metadata.annotations!['deployment.kubernetes.io/revision'] === '2')!;
    expect(current.spec.replicas).toBe(d.spec.replicas);
    expect(rss.filter((r) => r !== current).every((r) => r.spec.replicas === 0 && r.status.replicas === 0)).toBe(true);
    const newPods = sim.state().pods.filter((p) => p.metadata.ownerReferences![0].uid === current.metadata.uid);
    expect(newPods).toHaveLength(d.spec.replicas);
    expect(sim.deletedPodUids()).toEqual(expect.arrayContaining(oldPods));
    const after = sim.state().deployments.find((x) => x.metadata.uid === d.metadata.uid)!;
    expect(after.metadata.generation).toBe(d.metadata.generation! + 1);
    expect(after.spec.template.spec.containers[0].image).not.toBe(d.spec.template.spec.containers[0].image);
    expect(after.status).toMatchObject({ replicas: d.spec.replicas, updatedReplicas: d.spec.replicas, readyReplicas: d.spec.replicas });

    await sim.apply({ kind: 'scaleDeployment', namespace: ns, name: d.metadata.name, replicas: 1 });
    expect(sim.state().pods.filter((p) => p.metadata.ownerReferences![0].uid === current.metadata.uid)).toHaveLength(1);

    const node = sim.state().nodes[0].metadata.name;
    const readyOnNode = (s: ReturnType<SimulatedCluster['state']>) => s.pods.filter((p) => p.spec.nodeName === node && p.status.conditions.find((c: any) => c.type === 'Ready').status === 'True').map((p) => p.metadata.uid);
    const wasReady = readyOnNode(sim.state());
    expect(wasReady.length).toBeGreaterThan(0);
    await sim.apply({ kind: 'nodeNotReady', name: node });
    expect(readyOnNode(sim.state())).toEqual([]);
    const marked = sim.state().pods.find((p) => p.metadata.uid === wasReady[0])!;
    expect(marked.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NodeNotReady' });
    const nr = sim.state().nodes[0];
    expect(nr.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(nr.spec.taints.map((t: any) => `${t.key}:${t.effect}`)).toEqual(expect.arrayContaining(['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']));
    const before = new Set(sim.state().pods.map((p) => p.metadata.uid));
    await sim.apply({ kind: 'scaleDeployment', namespace: ns, name: d.metadata.name, replicas: 6 });
    const scheduled = sim.state().pods.filter((p) => !before.has(p.metadata.uid));
    expect(scheduled).toHaveLength(5);
    expect(scheduled.filter((p) => p.spec.nodeName === node)).toEqual([]);
    await sim.apply({ kind: 'nodeReady', name: node });
    expect(sim.state().nodes[0].spec.taints).toBeUndefined();
    expect(readyOnNode(sim.state())).toEqual(expect.arrayContaining(wasReady.filter((uid) => sim.state().pods.some((p) => p.metadata.uid === uid))));

    await sim.tick(200);
    const s = sim.state();
    for (const q of s.resourcequotas) {
      const live = s.pods.filter((p) => p.metadata.namespace === q.metadata.namespace && !['Succeeded', 'Failed'].includes(p.status.phase));
      const cpu = live.flatMap((p) => p.spec.containers).reduce((n: number, c: any) => n + (c.resources.requests.cpu.endsWith('m') ? Number(c.resources.requests.cpu.slice(0, -1)) : Number(c.resources.requests.cpu) * 1000), 0);
      expect(q.status.used.pods, q.metadata.namespace).toBe(String(live.length));
      expect(q.status.used['requests.cpu']).toBe(cpu % 1000 === 0 ? String(cpu / 1000) : `${cpu}m`);
    }
    for (const rs of s.replicasets) {
      const pods = s.pods.filter((p) => p.metadata.ownerReferences?.[0].uid === rs.metadata.uid);
      expect(rs.status.replicas, rs.metadata.name).toBe(pods.length);
      expect(pods.length, rs.metadata.name).toBe(rs.spec.replicas);
    }
    const rv = sim.resourceVersion;
    await expect(sim.apply({ kind: 'crashPod', namespace: ns, name: 'missing' })).rejects.toThrow(`pod ${ns}/missing not found`);
    expect(sim.resourceVersion).toBe(rv);
  });
});

describe('metrics', () => {
  let sim: SimulatedCluster;
  let now = START;
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 80, seed: 'metrics', clock: () => now, startTime: START }); });
  afterAll(async () => { await sim.stop(); });

  it('serves NodeMetrics and PodMetrics in metrics-server formats, moving over time', async () => {
    const nodes = await get(sim, '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(nodes.json.kind).toBe('NodeMetricsList');
    expect(nodes.json.items).toHaveLength(sim.state().nodes.length);
    for (const n of nodes.json.items) {
      expect(n).toMatchObject({ timestamp: '2026-06-01T12:00:00Z', window: expect.stringMatching(/^\d+\.\d+s$/), usage: { cpu: expect.stringMatching(/^\d+n$/), memory: expect.stringMatching(/^\d+Ki$/) } });
    }
    const pods = await get(sim, '/apis/metrics.k8s.io/v1beta1/pods');
    const running = sim.state().pods.filter((p) => (p.status.containerStatuses ?? []).some((c: any) => c.state.running));
    expect(pods.json.items.map((p: any) => p.metadata.name)).toEqual(running.map((p) => p.metadata.name));
    const first = pods.json.items[0];
    expect(first.containers[0].usage.cpu).toMatch(/^\d+n$/);
    expect(first.containers[0].usage.memory).toMatch(/^\d+Ki$/);
    const one = await get(sim, `/apis/metrics.k8s.io/v1beta1/namespaces/${first.metadata.namespace}/pods/${first.metadata.name}`);
    expect(one.json).toEqual(first);

    now += 5 * 60_000;
    const later = await get(sim, `/apis/metrics.k8s.io/v1beta1/namespaces/${first.metadata.namespace}/pods/${first.metadata.name}`);
    expect(later.json.timestamp).toBe('2026-06-01T12:05:00Z');
    expect(later.json.containers[0].usage.cpu).not.toBe(first.containers[0].usage.cpu);
  });

  it('serves the kubelet Summary API with monotonic network counters and ephemeral storage per pod', async () => {
    const node = sim.state().nodes[0].metadata.name;
    const a = await get(sim, `/api/v1/nodes/${node}/proxy/stats/summary`);
    expect(a.status).toBe(200);
    expect(a.json.node.nodeName).toBe(node);
    const onNode = sim.state().pods.filter((p) => p.spec.nodeName === node && p.status.phase === 'Running' && p.status.containerStatuses.some((c: any) => c.state.running));
    expect(a.json.pods.map((p: any) => p.podRef.uid).sort()).toEqual(onNode.map((p) => p.metadata.uid).sort());
    const pod = a.json.pods[0];
    expect(pod.network).toMatchObject({ name: 'eth0', rxBytes: expect.any(Number), txBytes: expect.any(Number) });
    expect(pod['ephemeral-storage']).toMatchObject({ usedBytes: expect.any(Number), capacityBytes: expect.any(Number) });
    expect(pod.cpu.usageNanoCores).toBeGreaterThan(0);
    now += 60_000;
    const b = await get(sim, `/api/v1/nodes/${node}/proxy/stats/summary`);
    const podB = b.json.pods.find((p: any) => p.podRef.uid === pod.podRef.uid);
    expect(podB.network.rxBytes).toBeGreaterThan(pod.network.rxBytes);
    expect(podB.network.txBytes).toBeGreaterThan(pod.network.txBytes);
    expect(b.json.node.network.rxBytes).toBeGreaterThan(a.json.node.network.rxBytes);
    expect((await get(sim, '/api/v1/nodes/nope/proxy/stats/summary')).status).toBe(404);
  });

  it('filters metrics by label selector and reports PVC-backed volumes in the Summary API', async () => {
    const app = sim.state().pods[0].metadata.labels!.app;
    const running = sim.state().pods.filter((p) => p.metadata.labels!.app === app && p.status.containerStatuses.some((c: any) => c.state.running));
    const metrics = await get(sim, `/apis/metrics.k8s.io/v1beta1/pods?labelSelector=${encodeURIComponent(`app=${app}`)}`);
    expect(metrics.json.items.map((m: any) => m.metadata.name)).toEqual(running.map((p) => p.metadata.name));

    const withClaim = sim.state().pods.find((p) => p.spec.volumes.some((v: any) => v.persistentVolumeClaim) && p.status.containerStatuses.every((c: any) => c.state.running))!;
    const claim = withClaim.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
    const pvc = sim.state().persistentvolumeclaims.find((c) => c.metadata.name === claim && c.metadata.namespace === withClaim.metadata.namespace)!;
    const summary = await get(sim, `/api/v1/nodes/${withClaim.spec.nodeName}/proxy/stats/summary`);
    const entry = summary.json.pods.find((p: any) => p.podRef.uid === withClaim.metadata.uid);
    expect(entry.volume).toEqual([expect.objectContaining({ name: 'data', pvcRef: { name: claim, namespace: withClaim.metadata.namespace } })]);
    const capacity = Number(pvc.status.capacity.storage.replace('Gi', '')) * 2 ** 30;
    expect(entry.volume[0].capacityBytes).toBe(capacity);
    expect(entry.volume[0].usedBytes + entry.volume[0].availableBytes).toBe(capacity);
  });

  it('has no metrics for an unreachable node and its pods, and its kubelet proxy answers 503', async () => {
    const node = sim.state().nodes[1].metadata.name;
    const podsOnNode = new Set(sim.state().pods.filter((p) => p.spec.nodeName === node).map((p) => p.metadata.name));
    expect(podsOnNode.size).toBeGreaterThan(0);
    await sim.apply({ kind: 'nodeNotReady', name: node });
    try {
      const nodes = await get(sim, '/apis/metrics.k8s.io/v1beta1/nodes');
      expect(nodes.json.items.map((n: any) => n.metadata.name)).not.toContain(node);
      expect(nodes.json.items).toHaveLength(sim.state().nodes.length - 1);
      const pods = await get(sim, '/apis/metrics.k8s.io/v1beta1/pods');
      expect(pods.json.items.filter((p: any) => podsOnNode.has(p.metadata.name))).toEqual([]);
      const summary = await get(sim, `/api/v1/nodes/${node}/proxy/stats/summary`);
      expect(summary.status).toBe(503);
      expect(summary.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    } finally {
      await sim.apply({ kind: 'nodeReady', name: node });
    }
    expect((await get(sim, `/api/v1/nodes/${node}/proxy/stats/summary`)).status).toBe(200);
  });
});

describe('scheduling', () => {
  it('sizes the default node pool so that no node has more CPU requested than allocatable, and keeps pods but daemons off a tainted control plane', async () => {
    for (const provider of ['eks', 'kind'] as const) {
      const sim = await SimulatedCluster.start({ pods: 600, seed: `sched-${provider}`, provider, tls: false });
      try {
        const s = sim.state();
        const millis = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
        for (const node of s.nodes) {
          const requested = s.pods.filter((p) => p.spec.nodeName === node.metadata.name).flatMap((p) => p.spec.containers).reduce((n: number, c: any) => n + millis(c.resources.requests.cpu), 0);
          expect(requested, `${provider} ${node.metadata.name}`).toBeLessThanOrEqual(millis(node.status.allocatable.cpu));
          if (node.spec.taints?.some((t: any) => t.effect === 'NoSchedule')) {
            const there = s.pods.filter((p) => p.spec.nodeName === node.metadata.name);
            expect(there.map((p) => p.metadata.ownerReferences?.[0]?.kind), 'control plane').toEqual(['DaemonSet', 'DaemonSet']);
          }
        }
        if (provider === 'kind') expect(s.nodes[0].metadata.labels!['node-role.kubernetes.io/control-plane']).toBe('');
      } finally {
        await sim.stop();
      }
    }
  });
});

describe('pod logs', () => {
  it('serves deterministic log lines per container, honouring tailLines, previous and container choice', async () => {
    let now = START + 3_600_000;
    const sim = await SimulatedCluster.start({ pods: 120, seed: 'logs', tls: false, startTime: START, clock: () => now });
    try {
      const pods = sim.state().pods;
      const single = pods.find((p) => p.spec.containers.length === 1 && p.status.containerStatuses[0].state.running && !p.status.containerStatuses[0].lastState.terminated)!;
      const path = `/api/v1/namespaces/${single.metadata.namespace}/pods/${single.metadata.name}/log`;
      const a = await get(sim, `${path}?tailLines=4`);
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toBe('text/plain');
      expect(a.text.trim().split('\n')).toHaveLength(4);
      expect((await get(sim, `${path}?tailLines=4`)).text).toBe(a.text);
      now += 20_000;
      const later = (await get(sim, `${path}?tailLines=4&timestamps=true`)).text.trim().split('\n');
      expect(later[3].slice(0, 24)).toBe(new Date(Math.floor(now / 10_000) * 10_000).toISOString());
      expect((await get(sim, `${path}?previous=true`)).status).toBe(400);
      now = Math.ceil(now / 10_000) * 10_000 + 1_000;
      await sim.apply({ kind: 'createDeployment', namespace: single.metadata.namespace!, name: 'fresh', replicas: 1, image: 'nginx:1.27.2' });
      const fresh = sim.state().pods.find((p) => p.metadata.labels!.app === 'fresh')!;
      now += 30_000;
      const whole = (await get(sim, `/api/v1/namespaces/${fresh.metadata.namespace}/pods/${fresh.metadata.name}/log`)).text.trim().split('\n');
      expect(whole).toHaveLength(4);
      expect(whole[0]).toBe('INFO starting fresh (nginx:1.27.2)');

      const multi = pods.find((p) => p.spec.containers.length === 2)!;
      const multiPath = `/api/v1/namespaces/${multi.metadata.namespace}/pods/${multi.metadata.name}/log`;
      const unspecified = await get(sim, multiPath);
      expect(unspecified.status).toBe(400);
      expect(unspecified.json.message).toContain(`choose one of: [${multi.spec.containers.map((c: any) => c.name).join(' ')}]`);
      expect((await get(sim, `${multiPath}?container=log-shipper&tailLines=1`)).status).toBe(200);
      expect((await get(sim, `${multiPath}?container=nope`)).status).toBe(400);
      expect((await get(sim, `/api/v1/namespaces/${multi.metadata.namespace}/pods/missing/log`)).status).toBe(404);
    } finally {
      await sim.stop();
    }
  });
});

describe('automatic ticker', () => {
  it('applies churn changes per second on its own and wakes nextTick() waiters', async () => {
    const sim = await SimulatedCluster.start({ pods: 60, seed: 'ticker', churn: 20, tickIntervalMs: 100, tls: false });
    try {
      const rv = Number(sim.resourceVersion);
      await sim.nextTick();
      await sim.nextTick();
      expect(Number(sim.resourceVersion)).toBeGreaterThan(rv);
      const manual = await SimulatedCluster.start({ pods: 60, seed: 'ticker', tls: false });
      try {
        const woke = manual.nextTick();
        const changes = await manual.tick(2);
        await woke;
        expect(changes.filter((c) => c.kind !== 'syncControllers')).toHaveLength(2);
      } finally {
        await manual.stop();
      }
    } finally {
      await sim.stop();
    }
  });
});
