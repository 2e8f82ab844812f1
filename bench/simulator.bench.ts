import { request } from 'node:https';
import { SimulatedCluster, startSimulators } from '../src/simulator/simulated-cluster.js';

/**
 * Simulator throughput: start-up at 50k pods, a full paged pod list over HTTPS (cold: every object serialized for
 * the first time; warm: cached JSON) against the baseline of serializing the same pods in-process, watch fan-out,
 * and 20 clusters in one process.
 */

function fetchText(sim: SimulatedCluster, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, sim.url), { headers: { authorization: `Bearer ${sim.token}` }, ca: sim.certificateAuthority }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function pagedList(sim: SimulatedCluster, limit: number): Promise<{ ms: number; items: number; bytes: number }> {
  const started = performance.now();
  let cont = '';
  let items = 0;
  let bytes = 0;
  do {
    const text = await fetchText(sim, `/api/v1/pods?limit=${limit}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    bytes += text.length;
    const body = JSON.parse(text);
    items += body.items.length;
    cont = body.metadata.continue ?? '';
  } while (cont);
  return { ms: performance.now() - started, items, bytes };
}

const mb = (n: number) => (n / 2 ** 20).toFixed(0);
/** Process CPU milliseconds since `from`: less sensitive than wall time to other load on a shared machine. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return ((u.user + u.system) / 1000).toFixed(0);
};
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(58)} ${value}\n`);

export default async function benchSimulator(pods = Number(process.env.BENCH_SIM_PODS ?? 50_000)): Promise<void> {
  const heapBefore = process.memoryUsage().heapUsed;
  let t = performance.now();
  let cpu = process.cpuUsage();
  const sim = await SimulatedCluster.start({ pods, namespaces: 20, seed: 'bench' });
  const startMs = performance.now() - t;
  line(`start-up, ${pods} pods (${sim.state().nodes.length} nodes)`, `${startMs.toFixed(0)} ms (cpu ${cpuMs(cpu)} ms), heap +${mb(process.memoryUsage().heapUsed - heapBefore)} MiB`);
  try {
    cpu = process.cpuUsage();
    const cold = await pagedList(sim, 500);
    const coldCpu = cpuMs(cpu);
    cpu = process.cpuUsage();
    const warm = await pagedList(sim, 500);
    const warmCpu = cpuMs(cpu);
    t = performance.now();
    cpu = process.cpuUsage();
    let baselineBytes = 0;
    for (const p of sim.state().pods) baselineBytes += JSON.stringify(p).length;
    const baselineMs = performance.now() - t;
    line('baseline: JSON.stringify of every pod in-process', `${baselineMs.toFixed(0)} ms (cpu ${cpuMs(cpu)} ms), ${mb(baselineBytes)} MiB`);
    line('paged list over HTTPS, limit=500, cold (client parses too)', `${cold.ms.toFixed(0)} ms (cpu ${coldCpu} ms), ${(cold.items / (cold.ms / 1000)).toFixed(0)} pods/s, ${mb(cold.bytes)} MiB`);
    line('paged list over HTTPS, limit=500, warm (cached JSON)', `${warm.ms.toFixed(0)} ms (cpu ${warmCpu} ms), ${(warm.items / (warm.ms / 1000)).toFixed(0)} pods/s`);
    line('ratio warm list / baseline serialization', `${(warm.ms / baselineMs).toFixed(2)}x`);
    line('ratio cold / warm list', `${(cold.ms / warm.ms).toFixed(2)}x`);

    const watchers = 20;
    const events = 2000;
    let received = 0;
    const done = new Promise<void>((resolve) => {
      for (let i = 0; i < watchers; i++) {
        const req = request(new URL(`/api/v1/pods?watch=1&resourceVersion=${sim.resourceVersion}`, sim.url), { headers: { authorization: `Bearer ${sim.token}` }, ca: sim.certificateAuthority }, (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) received++;
            if (received >= watchers * events) resolve();
          });
        });
        req.on('error', () => undefined);
        req.end();
      }
    });
    while (sim.openWatches < watchers) await new Promise((r) => setTimeout(r, 5));
    t = performance.now();
    cpu = process.cpuUsage();
    const startRv = Number(sim.resourceVersion);
    const podKeys = sim.state().pods.filter((p) => p.metadata.ownerReferences).slice(0, events);
    for (const p of podKeys) await sim.apply({ kind: 'oomKill', namespace: p.metadata.namespace!, name: p.metadata.name });
    await done;
    const watchMs = performance.now() - t;
    line(`watch fan-out: ${events} pod changes to ${watchers} watches`, `${watchMs.toFixed(0)} ms (cpu ${cpuMs(cpu)} ms), ${((watchers * events) / (watchMs / 1000)).toFixed(0)} events/s delivered (${Number(sim.resourceVersion) - startRv} writes)`);
  } finally {
    sim.fault({ kind: 'dropWatches' });
    await sim.stop();
  }

  const churning = await SimulatedCluster.start({ pods: 10_000, namespaces: 20, seed: 'bench-churn', tls: false });
  t = performance.now();
  cpu = process.cpuUsage();
  const before = Number(churning.resourceVersion);
  let changes = 0;
  for (let i = 0; i < 60; i++) changes += (await churning.tick(50)).length;
  const churnMs = performance.now() - t;
  line('random changes at 10k pods (tick)', `${changes} in ${churnMs.toFixed(0)} ms (cpu ${cpuMs(cpu)} ms), ${(changes / (churnMs / 1000)).toFixed(0)} changes/s, ${Number(churning.resourceVersion) - before} writes`);
  await churning.stop();

  const heapFleet = process.memoryUsage().heapUsed;
  t = performance.now();
  cpu = process.cpuUsage();
  const fleet = await startSimulators(20, { pods: 500, seed: 'bench-fleet' });
  const fleetMs = performance.now() - t;
  const fleetCpu = cpuMs(cpu);
  t = performance.now();
  await Promise.all(fleet.map((s) => pagedList(s, 500)));
  const fleetListMs = performance.now() - t;
  line('20 clusters x 500 pods: start-up', `${fleetMs.toFixed(0)} ms (cpu ${fleetCpu} ms), heap +${mb(process.memoryUsage().heapUsed - heapFleet)} MiB`);
  line('20 clusters x 500 pods: concurrent full lists', `${fleetListMs.toFixed(0)} ms`);
  await Promise.all(fleet.map((s) => s.stop()));
}

