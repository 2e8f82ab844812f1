import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { get, listAll } from './sim-client.js';

const key = (o: any) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const versions = (objs: any[]) => objs.map((o) => `${key(o)}@${o.metadata.resourceVersion}`);

describe('list', () => {
  let sim: SimulatedCluster;
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 400, namespaces: 5, seed: 'list' }); });
  afterAll(async () => { await sim.stop(); });

  it('serves cluster-wide and namespaced lists, and get by name, in key order', async () => {
    const all = await get(sim, '/api/v1/pods');
    expect(all.status).toBe(200);
    expect(all.json.kind).toBe('PodList');
    expect(all.json.apiVersion).toBe('v1');
    expect(versions(all.json.items)).toEqual(versions(sim.state().pods));

    const ns = sim.state().namespaces.find((n) => n.metadata.labels?.team)!.metadata.name;
    const nsPods = await get(sim, `/api/v1/namespaces/${ns}/pods`);
    expect(versions(nsPods.json.items)).toEqual(versions(sim.state().pods.filter((p) => p.metadata.namespace === ns)));

    const deploys = await get(sim, `/apis/apps/v1/namespaces/${ns}/deployments`);
    expect(deploys.json.kind).toBe('DeploymentList');
    expect(deploys.json.apiVersion).toBe('apps/v1');
    expect(deploys.json.items.length).toBe(sim.state().deployments.filter((d) => d.metadata.namespace === ns).length);

    const pod = sim.state().pods[7];
    const one = await get(sim, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`);
    expect(one.json).toEqual(pod);
    const node = sim.state().nodes[0];
    expect((await get(sim, `/api/v1/nodes/${node.metadata.name}`)).json).toEqual(node);
    expect((await get(sim, `/api/v1/namespaces/${ns}`)).json.metadata.name).toBe(ns);

    const missing = await get(sim, `/api/v1/namespaces/${ns}/pods/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    for (const kind of ['secrets', 'resourcequotas', 'limitranges', 'persistentvolumeclaims']) {
      const r = await get(sim, `/api/v1/${kind}`);
      expect(r.json.items.length, kind).toBe((sim.state() as any)[kind].length);
    }
    expect((await get(sim, '/apis/apps/v1/replicasets')).json.items.length).toBe(sim.state().replicasets.length);
  });

  it('pages with limit/continue/remainingItemCount at one resourceVersion while the cluster changes', async () => {
    const first = await get(sim, '/api/v1/pods?limit=50');
    const snapshot = sim.state().pods;
    const listRv = first.json.metadata.resourceVersion;
    expect(first.json.items).toHaveLength(50);
    expect(first.json.metadata.remainingItemCount).toBe(snapshot.length - 50);

    const items = [...first.json.items];
    let cont = first.json.metadata.continue;
    let pages = 1;
    while (cont) {
      // Concurrent change between every page: deletes, creations, modifications, scale-ups.
      await sim.tick(15);
      const page = await get(sim, `/api/v1/pods?limit=50&continue=${encodeURIComponent(cont)}`);
      expect(page.status).toBe(200);
      expect(page.json.metadata.resourceVersion).toBe(listRv);
      items.push(...page.json.items);
      pages++;
      cont = page.json.metadata.continue;
      if (cont) expect(page.json.metadata.remainingItemCount).toBe(snapshot.length - items.length);
      else expect(page.json.metadata.remainingItemCount).toBeUndefined();
    }
    expect(pages).toBe(Math.ceil(snapshot.length / 50));
    expect(versions(items)).toEqual(versions(snapshot));
    expect(versions(sim.state().pods)).not.toEqual(versions(snapshot));
    expect(sim.deletedPodUids().length).toBeGreaterThan(0);
  });

  it('lists an exact past resourceVersion, and answers 410 once history is compacted', async () => {
    const rv = sim.resourceVersion;
    const before = sim.state().deployments;
    const d = before[3];
    await sim.apply({ kind: 'scaleDeployment', namespace: d.metadata.namespace!, name: d.metadata.name, replicas: d.spec.replicas + 2 });
    const past = await get(sim, `/apis/apps/v1/deployments?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(past.json.metadata.resourceVersion).toBe(rv);
    expect(versions(past.json.items)).toEqual(versions(before));

    sim.fault({ kind: 'compactHistory' });
    const gone = await get(sim, `/apis/apps/v1/deployments?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(gone.status).toBe(410);
    expect(gone.json).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('expires a continue token whose snapshot was compacted, with an inconsistent continuation', async () => {
    const first = await get(sim, '/api/v1/pods?limit=100');
    await sim.tick(5);
    sim.fault({ kind: 'compactHistory' });
    const expired = await get(sim, `/api/v1/pods?limit=100&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(expired.status).toBe(410);
    expect(expired.json.reason).toBe('Expired');
    expect(expired.json.message).toMatch(/continue parameter is too old/);
    const rest = await get(sim, `/api/v1/pods?limit=1000&continue=${encodeURIComponent(expired.json.metadata.continue)}`);
    expect(rest.status).toBe(200);
    const lastOfFirst = key(first.json.items.at(-1));
    expect(versions(rest.json.items)).toEqual(versions(sim.state().pods.filter((p) => key(p) > lastOfFirst)));
  });

  it('rejects malformed continue tokens and bad parameters with 400', async () => {
    expect((await get(sim, '/api/v1/pods?limit=5&continue=garbage')).status).toBe(400);
    const both = await get(sim, `/api/v1/pods?limit=5&resourceVersion=1&continue=${encodeURIComponent((await get(sim, '/api/v1/pods?limit=5')).json.metadata.continue)}`);
    expect(both.status).toBe(400);
    expect((await get(sim, '/api/v1/pods?limit=-1')).status).toBe(400);
    expect((await get(sim, '/api/v1/pods?resourceVersion=abc')).status).toBe(400);
  });
});

describe('continue token lifetime', () => {
  it('answers 410 Expired for a token older than continueTokenTtlMs', async () => {
    let now = Date.parse('2026-06-01T12:00:00Z');
    const sim = await SimulatedCluster.start({ pods: 50, continueTokenTtlMs: 60_000, seed: 'ttl', tls: false, clock: () => now });
    try {
      const first = await get(sim, '/api/v1/pods?limit=10');
      now += 59_000;
      const fresh = await get(sim, `/api/v1/pods?limit=10&continue=${encodeURIComponent(first.json.metadata.continue)}`);
      expect(fresh.status).toBe(200);
      // The lifetime counts from the first page: the token of the second page is as old as the list.
      now += 2_000;
      const stale = await get(sim, `/api/v1/pods?limit=10&continue=${encodeURIComponent(fresh.json.metadata.continue)}`);
      expect(stale.status).toBe(410);
      expect(stale.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    } finally {
      await sim.stop();
    }
  });
});

describe('selectors', () => {
  let sim: SimulatedCluster;
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 300, seed: 'selectors', helmReleases: 6 }); });
  afterAll(async () => { await sim.stop(); });

  const names = (objs: any[]) => objs.map(key);
  async function pods(query: string) {
    const r = await get(sim, `/api/v1/pods?${query}`);
    expect(r.status, r.text).toBe(200);
    return names(r.json.items);
  }

  it('filters by label selector operators', async () => {
    const all = sim.state().pods;
    const apps = [...new Set(all.map((p) => p.metadata.labels!.app))].sort();
    const [a, b] = apps;
    const expectPods = async (selector: string, pred: (l: Record<string, string>) => boolean) => {
      const expected = names(all.filter((p) => pred(p.metadata.labels ?? {})));
      expect(expected.length, selector).toBeGreaterThan(0);
      expect(await pods(`labelSelector=${encodeURIComponent(selector)}`), selector).toEqual(expected);
    };
    await expectPods(`app=${a}`, (l) => l.app === a);
    await expectPods(`app==${a}`, (l) => l.app === a);
    await expectPods(`app!=${a}`, (l) => l.app !== a);
    await expectPods(`app in (${a}, ${b})`, (l) => l.app === a || l.app === b);
    await expectPods(`app notin (${a},${b})`, (l) => l.app !== a && l.app !== b);
    await expectPods('app.kubernetes.io/managed-by', (l) => 'app.kubernetes.io/managed-by' in l);
    await expectPods('!app.kubernetes.io/managed-by', (l) => !('app.kubernetes.io/managed-by' in l));
    await expectPods(`app=${a},pod-template-hash`, (l) => l.app === a && 'pod-template-hash' in l);
  });

  it('filters by field selectors and pages filtered lists without remainingItemCount', async () => {
    const all = sim.state().pods;
    const node = sim.state().nodes[1].metadata.name;
    expect(await pods(`fieldSelector=spec.nodeName%3D${node}`)).toEqual(names(all.filter((p) => p.spec.nodeName === node)));
    expect(await pods(`fieldSelector=spec.nodeName!%3D${node}`)).toEqual(names(all.filter((p) => p.spec.nodeName !== node)));
    const pod = all[11];
    expect(await pods(`fieldSelector=metadata.name%3D${pod.metadata.name}`)).toEqual([key(pod)]);
    expect(await pods(`fieldSelector=metadata.namespace%3D${pod.metadata.namespace}`)).toEqual(names(all.filter((p) => p.metadata.namespace === pod.metadata.namespace)));
    expect(await pods('fieldSelector=status.phase%3DRunning')).toEqual(names(all.filter((p) => p.status.phase === 'Running')));

    const helm = await get(sim, '/api/v1/secrets?fieldSelector=type%3Dhelm.sh%2Frelease.v1');
    expect(names(helm.json.items)).toEqual(names(sim.state().secrets.filter((s) => s.type === 'helm.sh/release.v1')));
    const byLabel = await get(sim, '/api/v1/secrets?labelSelector=owner%3Dhelm');
    expect(names(byLabel.json.items)).toEqual(names(helm.json.items));

    const { items, pages } = await listAll(sim, `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}`, 7);
    expect(names(items)).toEqual(names(all.filter((p) => p.spec.nodeName === node)));
    expect(pages.every((p) => p.metadata.remainingItemCount === undefined)).toBe(true);
  });

  it('rejects invalid selectors with 400 naming the problem', async () => {
    const badField = await get(sim, '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
    expect(badField.status).toBe(400);
    expect(badField.json.message).toContain('spec.bogus');
    const badLabel = await get(sim, `/api/v1/pods?labelSelector=${encodeURIComponent('app in (a')}`);
    expect(badLabel.status).toBe(400);
    expect((await get(sim, '/api/v1/secrets?fieldSelector=spec.nodeName%3Dx')).status).toBe(400);
  });
});
