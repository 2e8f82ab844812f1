import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sObject, SimulatedCluster } from '../../src/simulator/simulated-cluster.js';

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
if (!kubectlPath) console.warn('kubectl not found on PATH: skipping the kubectl workload tests (install the kubernetes-client package to run them)');

/** kubectl's output for several types: one block per type, a header line first, blocks separated by a blank line. */
function blocks(out: string): string[][] {
  return out.trim().split(/\n\s*\n/).map((b) => b.split('\n'));
}

describe.skipIf(!kubectlPath)('kubectl: StatefulSets, DaemonSets, Jobs, CronJobs, Events', () => {
  let sim: SimulatedCluster;
  let dir: string;
  let kubeconfig: string;
  const kubectl = async (...args: string[]) => {
    const { stdout } = await run(kubectlPath!, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  };

  beforeAll(async () => {
    sim = await SimulatedCluster.start({ pods: 150, seed: 'kubectl-workloads' });
    dir = mkdtempSync(join(tmpdir(), 'kubegraph-kubectl-workloads-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
  });
  afterAll(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('get sts,ds,jobs,cronjobs,events -A prints each kind with its columns', async () => {
    const s = sim.state();
    const [sts, ds, jobs, cronjobs, events] = blocks(await kubectl('get', 'sts,ds,jobs,cronjobs,events', '-A'));
    const cells = (line: string) => line.split(/\s{2,}|\s(?=\S)/).filter(Boolean);

    expect(cells(sts[0])).toEqual(['NAMESPACE', 'NAME', 'READY', 'AGE']);
    expect(sts.slice(1).map((l) => cells(l).slice(0, 3).join(' '))).toEqual(s.statefulsets.map((o) => `${o.metadata.namespace} statefulset.apps/${o.metadata.name} 3/3`));

    expect(ds[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
    const n = s.nodes.length;
    expect(ds.slice(1).map((l) => l.split(/\s+/).slice(0, 8).join(' '))).toEqual(['calico-node', 'kube-proxy'].map((d) => `kube-system daemonset.apps/${d} ${n} ${n} ${n} ${n} ${n} kubernetes.io/os=linux`));

    expect(jobs[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    const status = (j: K8sObject) => j.status.conditions?.at(-1)?.type ?? 'Running';
    expect(jobs.slice(1).map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual(s.jobs.map((j) => `${j.metadata.namespace} job.batch/${j.metadata.name} ${status(j)} ${j.status.succeeded ?? 0}/1`));
    expect(jobs.some((l) => / Failed /.test(l)) && jobs.some((l) => / Complete /.test(l)) && jobs.some((l) => / Running /.test(l))).toBe(true);

    expect(cronjobs[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    expect(cronjobs.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 5).join('|'))).toEqual(s.cronjobs.map((c) => `${c.metadata.namespace}|cronjob.batch/${c.metadata.name}|${c.spec.schedule}|<none>|False`));

    expect(events[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(events).toHaveLength(s.events.length + 1);
    expect(events.some((l) => /\sWarning\s+BackOff\s+pod\/\S+\s+Back-off restarting failed container/.test(l))).toBe(true);
  });

  it('get events.v1.events.k8s.io -A lists the same Events through events.k8s.io', async () => {
    const rows = (await kubectl('get', 'events.v1.events.k8s.io', '-A', '-o', 'wide')).trim().split('\n');
    expect(rows[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
    // The name is the last column: the Events in the same order as core v1 lists them.
    expect(rows.slice(1).map((l) => l.split(/\s+/).at(-1))).toEqual(sim.state().events.map((e) => e.metadata.name));
    const json = JSON.parse(await kubectl('get', 'events.v1.events.k8s.io', '-A', '-o', 'json'));
    expect(json.items.map((e: any) => [e.apiVersion, e.metadata.uid, e.regarding.uid, e.note])).toEqual(sim.state().events.map((e) => ['events.k8s.io/v1', e.metadata.uid, e.involvedObject.uid, e.message]));
  });

  it('describe pod shows a crash-looping pod\'s Events, the repeated BackOff with its count', async () => {
    const pod = sim.state().pods.find((p) => p.status.containerStatuses.some((c: any) => c.state.waiting?.reason === 'CrashLoopBackOff'))!;
    const backOff = sim.state().events.find((e) => e.involvedObject.uid === pod.metadata.uid && e.reason === 'BackOff')!;
    const out = await kubectl('describe', 'pod', '-n', pod.metadata.namespace!, pod.metadata.name);
    expect(out).toMatch(new RegExp(`^Name:\\s+${pod.metadata.name}$`, 'm'));
    expect(out).toMatch(/Reason:\s+CrashLoopBackOff/);
    const events = out.slice(out.indexOf('\nEvents:'));
    expect(events.split('\n')[2].trim().split(/\s+/)).toEqual(['Type', 'Reason', 'Age', 'From', 'Message']);
    expect(events).toMatch(new RegExp(`Warning\\s+BackOff\\s+\\S+ \\(x${backOff.count} over \\S+\\)\\s+kubelet\\s+Back-off restarting failed container ${pod.spec.containers[0].name} in pod ${pod.metadata.name}_`));
  });

  it('describe statefulset and job name their pods, and get pods -l selects a Job\'s pods', async () => {
    const sts = sim.state().statefulsets[0];
    const described = await kubectl('describe', 'statefulset', '-n', sts.metadata.namespace!, sts.metadata.name);
    expect(described).toMatch(/Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Volume Claims:\s+Name:\s+data\s/);
    const failed = sim.state().jobs.find((j) => j.status.conditions?.at(-1)?.type === 'Failed')!;
    const pods = (await kubectl('get', 'pods', '-n', failed.metadata.namespace!, '-l', `batch.kubernetes.io/job-name=${failed.metadata.name}`, '--no-headers')).trim().split('\n');
    expect(pods.map((l) => l.split(/\s+/).slice(0, 3).join(' ')).sort()).toEqual(
      sim.state().pods.filter((p) => p.metadata.ownerReferences?.[0]?.uid === failed.metadata.uid).map((p) => `${p.metadata.name} 0/1 Error`).sort(),
    );
  });
});
