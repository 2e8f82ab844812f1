import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sObject, SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { get, WatchStream } from './sim-client.js';

const START = Date.parse('2026-03-02T10:02:30Z');
const S = 1000;
const TTL = 120 * S;
const TABLE = 'application/json;as=Table;g=meta.k8s.io;v=v1';

describe('Events', () => {
  let sim: SimulatedCluster;
  let now = START;
  const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  let pod: K8sObject;
  const ns = () => pod.metadata.namespace!;

  beforeAll(async () => {
    sim = await SimulatedCluster.start({ pods: 80, seed: 'events', startTime: START, clock: () => now, tls: false, eventTtlMs: TTL });
    pod = sim.state().pods.find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.metadata.labels?.app && sim.state().namespaces.some((n) => n.metadata.name === p.metadata.namespace && n.metadata.labels?.team)
      && p.status.containerStatuses.every((c: any) => c.ready) && p.spec.containers[0].ports)!;
  });
  afterAll(async () => { await sim?.stop(); });

  it('serves the same Events as core v1 and as events.k8s.io/v1, each shape with its own fields', async () => {
    const core = await get(sim, '/api/v1/events');
    const v1 = await get(sim, '/apis/events.k8s.io/v1/events');
    expect(core.json.kind).toBe('EventList');
    expect(core.json.items.length).toBeGreaterThan(0);
    expect(v1.json.metadata.resourceVersion).toBe(core.json.metadata.resourceVersion);
    const key = (e: any) => [e.metadata.namespace, e.metadata.name, e.metadata.uid, e.metadata.resourceVersion];
    expect(v1.json.items.map(key)).toEqual(core.json.items.map(key));
    for (const [c, e] of core.json.items.map((item: any, i: number) => [item, v1.json.items[i]])) {
      expect(e).toMatchObject({ apiVersion: 'events.k8s.io/v1', kind: 'Event', regarding: c.involvedObject, note: c.message, reason: c.reason, type: c.type, reportingController: c.reportingComponent });
      expect(['Normal', 'Warning']).toContain(c.type);
      if (c.count) expect(e.deprecatedCount).toBe(c.count);
    }
    // The crash loop every scenario of this size has: its BackOff has been counting up since the first crash.
    const backOff = core.json.items.find((e: any) => e.reason === 'BackOff' && e.message.startsWith('Back-off restarting failed container'));
    expect(backOff.count).toBeGreaterThan(1);
    expect(Date.parse(backOff.firstTimestamp)).toBeLessThan(Date.parse(backOff.lastTimestamp));
    // The scheduler's Events are written through events.k8s.io: eventTime and action, no count.
    const scheduled = core.json.items.find((e: any) => e.reason === 'Scheduled');
    expect(scheduled).toMatchObject({ reportingComponent: 'default-scheduler', action: 'Binding', firstTimestamp: null, source: {} });
    expect(scheduled.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('counts a repeating BackOff in one Event that watches see ADDED, then MODIFIED with a growing count', async () => {
    const name = pod.metadata.name;
    const rv = sim.resourceVersion;
    const core = new WatchStream(sim, `/api/v1/namespaces/${ns()}/events?watch=1&resourceVersion=${rv}&fieldSelector=${encodeURIComponent(`involvedObject.name=${name},reason=BackOff`)}`);
    const v1 = new WatchStream(sim, `/apis/events.k8s.io/v1/namespaces/${ns()}/events?watch=1&resourceVersion=${rv}&fieldSelector=${encodeURIComponent(`regarding.name=${name},reason=BackOff`)}`);
    try {
      const t0 = now;
      await sim.apply({ kind: 'crashPod', namespace: ns(), name });
      now = t0 + 30 * S;
      await sim.apply({ kind: 'crashPod', namespace: ns(), name });
      const seen = await core.until((ev) => ev.length >= 2, 10_000, 'two BackOff writes');
      expect(seen.map((e) => [e.type, e.object.count, e.object.firstTimestamp, e.object.lastTimestamp])).toEqual([
        ['ADDED', 1, at(t0), at(t0)],
        ['MODIFIED', 2, at(t0), at(t0 + 30 * S)],
      ]);
      expect(seen[1].object.metadata.uid).toBe(seen[0].object.metadata.uid);
      expect(seen[0].object).toMatchObject({
        type: 'Warning', involvedObject: { kind: 'Pod', name, namespace: ns(), uid: pod.metadata.uid, fieldPath: `spec.containers{${pod.spec.containers[0].name}}` },
        message: `Back-off restarting failed container ${pod.spec.containers[0].name} in pod ${name}_${ns()}(${pod.metadata.uid})`,
        source: { component: 'kubelet', host: pod.spec.nodeName }, reportingComponent: 'kubelet', reportingInstance: pod.spec.nodeName,
      });
      const seenV1 = await v1.until((ev) => ev.length >= 2, 10_000, 'two BackOff writes in events.k8s.io');
      expect(seenV1.map((e) => [e.type, e.object.deprecatedCount, e.object.metadata.resourceVersion])).toEqual(seen.map((e) => [e.type, e.object.count, e.object.metadata.resourceVersion]));
      // The liveness probe that failed before each restart, one Event counted twice too.
      const unhealthy = sim.state().events.filter((e) => e.involvedObject.uid === pod.metadata.uid && e.reason === 'Unhealthy');
      expect(unhealthy.map((e) => [e.type, e.count])).toEqual([['Warning', 2]]);
      expect(unhealthy[0].message).toMatch(/^Liveness probe failed: Get "http:\/\/[\d.]+:\d+\/healthz": dial tcp [\d.]+:\d+: connect: connection refused$/);
    } finally {
      core.close();
      v1.close();
    }
  });

  it('prints Events as kubectl shows them, with the count and the object', async () => {
    const backOff = sim.state().events.find((e) => e.involvedObject.uid === pod.metadata.uid && e.reason === 'BackOff')!;
    for (const path of [`/api/v1/namespaces/${ns()}/events/${backOff.metadata.name}`, `/apis/events.k8s.io/v1/namespaces/${ns()}/events/${backOff.metadata.name}`]) {
      const table = await get(sim, path, { accept: TABLE });
      expect(table.json.columnDefinitions.map((c: any) => c.name)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name']);
      // Last seen at t0 + 30 s, now is t0 + 30 s; first seen 30 s before.
      expect(table.json.rows[0].cells).toEqual(['0s', 'Warning', 'BackOff', `pod/${pod.metadata.name}`, `spec.containers{${pod.spec.containers[0].name}}`,
        `kubelet, ${pod.spec.nodeName}`, backOff.message, '30s', 2, backOff.metadata.name]);
    }
  });

  it('records the scheduler, kubelet and controllers around new and deleted pods, and OOM kills on the node', async () => {
    const d = sim.state().deployments.find((x) => x.metadata.namespace === ns() && !x.spec.template.spec.volumes)!;
    await sim.apply({ kind: 'scaleDeployment', namespace: ns(), name: d.metadata.name, replicas: d.spec.replicas + 1 });
    const fresh = sim.state().pods.filter((p) => p.metadata.namespace === ns() && p.metadata.creationTimestamp === at(now) && p.metadata.name.startsWith(`${d.metadata.name}-`));
    expect(fresh).toHaveLength(1);
    const about = (uid: string) => sim.state().events.filter((e) => e.involvedObject.uid === uid).map((e) => e.reason);
    expect(about(fresh[0].metadata.uid)).toEqual(expect.arrayContaining(['Scheduled', 'Pulled', 'Created', 'Started']));
    expect(sim.state().events.filter((e) => e.involvedObject.kind === 'Deployment' && e.involvedObject.name === d.metadata.name).map((e) => e.message))
      .toContain(`Scaled up replica set ${fresh[0].metadata.ownerReferences![0].name} from ${d.spec.replicas} to ${d.spec.replicas + 1}`);
    expect(sim.state().events.filter((e) => e.involvedObject.kind === 'ReplicaSet').map((e) => e.message)).toContain(`Created pod: ${fresh[0].metadata.name}`);

    await sim.apply({ kind: 'oomKill', namespace: ns(), name: fresh[0].metadata.name });
    const oom = sim.state().events.find((e) => e.reason === 'OOMKilling' && e.involvedObject.name === fresh[0].spec.nodeName)!;
    expect(oom).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Node' }, source: { component: 'kernel-monitor', host: fresh[0].spec.nodeName } });
    // The container was restarted at once: Started again, counted.
    expect(sim.state().events.find((e) => e.involvedObject.uid === fresh[0].metadata.uid && e.reason === 'Started')!.count).toBe(2);

    await sim.apply({ kind: 'deletePod', namespace: ns(), name: fresh[0].metadata.name, replace: false });
    expect(sim.state().events.find((e) => e.involvedObject.uid === fresh[0].metadata.uid && e.reason === 'Killing')!.message).toBe(`Stopping container ${fresh[0].spec.containers[0].name}`);
  });

  it('refuses unknown field selectors on Events, naming the ones it knows', async () => {
    const r = await get(sim, '/apis/events.k8s.io/v1/events?fieldSelector=involvedObject.name%3Dx');
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('"involvedObject.name" is not a known field selector: only "metadata.name", "metadata.namespace", "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "reportingController", "type"');
    const warnings = await get(sim, '/api/v1/events?fieldSelector=type%3DWarning');
    expect(warnings.json.items.length).toBeGreaterThan(0);
    expect(warnings.json.items.every((e: any) => e.type === 'Warning')).toBe(true);
  });

  it('expires an Event its TTL after its last update, which every repeat renews', async () => {
    const backOff = sim.state().events.find((e) => e.involvedObject.uid === pod.metadata.uid && e.reason === 'BackOff')!;
    const last = Date.parse(backOff.lastTimestamp);
    const watch = new WatchStream(sim, `/api/v1/namespaces/${ns()}/events?watch=1&resourceVersion=${sim.resourceVersion}&fieldSelector=metadata.name%3D${backOff.metadata.name}`);
    try {
      // Two minutes after the first occurrence it would be gone, but the repeat 30 s later renewed it.
      now = last - 30 * S + TTL;
      await sim.tick(0);
      expect(sim.state().events.some((e) => e.metadata.uid === backOff.metadata.uid)).toBe(true);
      now = last + TTL;
      await sim.tick(0);
      expect(sim.state().events.some((e) => e.metadata.uid === backOff.metadata.uid)).toBe(false);
      const events = await watch.until((ev) => ev.length >= 1, 10_000, 'the Event deleted');
      expect(events.map((e) => [e.type, e.object.metadata.uid])).toEqual([['DELETED', backOff.metadata.uid]]);
      expect((await get(sim, `/apis/events.k8s.io/v1/namespaces/${ns()}/events/${backOff.metadata.name}`)).status).toBe(404);
    } finally {
      watch.close();
    }
  });

  it('reports a pod no node fits with FailedScheduling, one Event whose series counts the scheduler\'s retries', async () => {
    const pending = sim.state().pods.find((p) => !p.spec.nodeName)!;
    expect(pending.status).toMatchObject({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] });
    const n = sim.state().nodes.length;
    const failed = () => sim.state().events.find((e) => e.involvedObject.uid === pending.metadata.uid && e.reason === 'FailedScheduling')!;
    // The scheduler retries once a minute; each failure renews the Event and adds one to its series.
    now += 60 * S;
    await sim.tick(0);
    const before = failed();
    expect(before).toMatchObject({
      type: 'Warning', reportingComponent: 'default-scheduler', action: 'Scheduling', firstTimestamp: null, lastTimestamp: null,
      message: `0/${n} nodes are available: ${n} Insufficient nvidia.com/gpu. preemption: 0/${n} nodes are available: ${n} No preemption victims found for incoming pod.`,
    });
    now += 60 * S;
    await sim.tick(0);
    const after = failed();
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.series.count).toBe((before.series?.count ?? 1) + 1);
    expect(after.series.lastObservedTime).toBe(new Date(now).toISOString().replace('Z', '000Z'));
    const v1 = await get(sim, `/apis/events.k8s.io/v1/namespaces/${after.metadata.namespace}/events/${after.metadata.name}`);
    expect(v1.json).toMatchObject({ series: after.series, eventTime: after.eventTime, action: 'Scheduling', reportingController: 'default-scheduler' });
    expect(v1.json.deprecatedCount).toBeUndefined();
  });
});
