import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';
import { get, WatchStream } from './sim-client.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('server-side printing (Table)', () => {
  let sim: SimulatedCluster;
  beforeAll(async () => { sim = await SimulatedCluster.start({ pods: 90, seed: 'table', tls: false }); });
  afterAll(async () => { await sim.stop(); });

  it('answers a pod list with a meta.k8s.io/v1 Table whose rows carry PartialObjectMetadata', async () => {
    const r = await get(sim, '/api/v1/pods?limit=20', { accept: TABLE });
    expect(r.json).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: sim.resourceVersion, remainingItemCount: 70 } });
    expect(r.json.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    const pods = sim.state().pods.slice(0, 20);
    expect(r.json.rows).toHaveLength(20);
    r.json.rows.forEach((row: any, i: number) => {
      const p = pods[i];
      expect(row.cells[0]).toBe(p.metadata.name);
      expect(row.cells[6]).toBe(p.spec.nodeName);
      expect(row.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
    });
    const target = sim.state().pods.find((p) => p.status.phase === 'Running' && p.spec.containers.length === 1 && p.metadata.ownerReferences)!;
    await sim.apply({ kind: 'crashPod', namespace: target.metadata.namespace!, name: target.metadata.name });
    const one = await get(sim, `/api/v1/namespaces/${target.metadata.namespace}/pods/${target.metadata.name}`, { accept: TABLE });
    expect(one.json.rows[0].cells.slice(0, 4)).toEqual([target.metadata.name, '0/1', 'CrashLoopBackOff', expect.stringMatching(/^\d+ \(\d+s ago\)$/)]);
  });

  it('pages a Table list like a plain one, and honours includeObject', async () => {
    const names: string[] = [];
    let cont = '';
    do {
      const page = await get(sim, `/apis/apps/v1/deployments?limit=7${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, { accept: TABLE });
      expect(page.json.kind).toBe('Table');
      names.push(...page.json.rows.map((r: any) => r.cells[0]));
      cont = page.json.metadata.continue ?? '';
    } while (cont);
    expect(names).toEqual(sim.state().deployments.map((d) => d.metadata.name));
    const full = await get(sim, '/apis/apps/v1/deployments?includeObject=Object', { accept: TABLE });
    expect(full.json.rows.map((r: any) => r.object)).toEqual(sim.state().deployments);
    expect(full.json.rows[0].cells.slice(0, 2)).toEqual([sim.state().deployments[0].metadata.name, `${sim.state().deployments[0].status.readyReplicas ?? 0}/${sim.state().deployments[0].spec.replicas}`]);
    const bare = await get(sim, '/api/v1/nodes?includeObject=None', { accept: TABLE });
    expect(bare.json.rows.every((r: any) => r.object === undefined)).toBe(true);
    expect(bare.json.rows.map((r: any) => r.cells[1])).toEqual(sim.state().nodes.map(() => 'Ready'));
  });

  it('streams Table rows on a watch, column definitions once', async () => {
    const w = new WatchStream(sim, `/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`, TABLE);
    const pod = sim.state().pods.find((p) => p.status.phase === 'Running' && p.metadata.ownerReferences)!;
    await sim.apply({ kind: 'crashPod', namespace: pod.metadata.namespace!, name: pod.metadata.name });
    await sim.apply({ kind: 'recoverPod', namespace: pod.metadata.namespace!, name: pod.metadata.name });
    await w.until((ev) => ev.length >= 2);
    expect(w.events.map((e) => e.object.kind)).toEqual(['Table', 'Table']);
    expect(w.events[0].object.columnDefinitions.length).toBe(9);
    expect(w.events[1].object.columnDefinitions).toEqual([]);
    expect(w.events.map((e) => e.object.rows[0].cells[2])).toEqual(['CrashLoopBackOff', 'Running']);
    w.close();
  });
});
