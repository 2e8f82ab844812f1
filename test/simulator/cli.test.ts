import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSimulateCommand } from '../../src/simulator/simulate.command.js';

describe('kubegraph simulate', () => {
  it('prints the URL and kubeconfig, serves the cluster, and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubegraph-cli-'));
    const file = join(dir, 'sim.kubeconfig');
    const child = spawn(process.execPath, ['bin/kubegraph.js', 'simulate', '--pods', '120', '--nodes', '4', '--seed', 'cli', '--churn', '5', '--provider', 'gke', '--event-ttl', '600', '--kubeconfig-out', file], { cwd: process.cwd() });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('Press Ctrl-C')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`simulate did not start: ${out}${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toMatch(/ready in \d+ ms: 4 nodes, 9 namespaces, \d+ deployments, 120 pods, 1 statefulsets, 2 daemonsets, \d+ jobs, 2 cronjobs, \d+ events, \d+ secrets\n/);
      const url = /API:\s+(https:\/\/127\.0\.0\.1:\d+)/.exec(out)![1];
      expect(out).toContain(`Kubeconfig: ${file}`);
      expect(readFileSync(file, 'utf8')).toContain(`server: ${url}`);

      const kc = new KubeConfig();
      kc.loadFromFile(file);
      const nodes = await kc.makeApiClient(CoreV1Api).listNode();
      expect(nodes.items).toHaveLength(4);
      expect(nodes.items[0].spec!.providerID).toMatch(/^gce:\/\//);
      const first = (await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces()).metadata!.resourceVersion;
      // --churn 5 keeps changing the cluster: its ticker (one a second) moves the resourceVersion, however late a loaded
      // machine runs it. The bound only turns a cluster that never changes into a failure.
      let later = first;
      for (const started = Date.now(); Number(later) <= Number(first) && Date.now() - started < 30_000; ) {
        await new Promise((r) => setTimeout(r, 200));
        later = (await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces()).metadata!.resourceVersion;
      }
      expect(Number(later)).toBeGreaterThan(Number(first));
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(out).toContain('SIGTERM: stopping the simulated cluster');
    expect(out.trim().endsWith('Stopped.')).toBe(true);
  });

  it('says in one line that its port is taken', { timeout: 60_000 }, async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['bin/kubegraph.js', 'simulate', '--pods', '1', '--port', String(port)], { cwd: process.cwd() }, (err, stdout, stderr) =>
          resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }),
        );
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`kubegraph: port ${port} on 127.0.0.1 is already in use; choose another --port (0 picks a free one)\n`);
      expect(r.stdout).toBe('');
    } finally {
      taken.close();
    }
  });

  it('rejects bad flags with a clear message before starting anything', async () => {
    for (const [args, message] of [
      [['--pods', '-3'], '--pods must be a non-negative integer, got "-3"'],
      // A cluster too big to build would hang the command for minutes and then run out of memory.
      [['--pods', '1e9'], '--pods must be at most 500000 (each takes about 7 KiB of memory), got "1e9"'],
      [['--nodes', '1000000'], '--nodes must be at most 50000, got "1000000"'],
      [['--churn', 'fast'], '--churn must be a non-negative number, got "fast"'],
      [['--port', '99999'], '--port must be a port number (0-65535), got "99999"'],
      [['--event-ttl', '0'], '--event-ttl must be a positive integer, got "0"'],
      [['--provider', 'mesos'], "Allowed choices are eks, gke, aks, k3s, kind, openshift, vanilla"],
    ] as const) {
      let err = '';
      const program = new Command('kubegraph').exitOverride().configureOutput({ writeErr: (s) => { err += s; }, writeOut: () => undefined });
      registerSimulateCommand(program);
      await expect(program.parseAsync(['simulate', ...args], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
      expect(err).toContain(message);
    }
  });
});
