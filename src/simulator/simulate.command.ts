import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { PROVIDERS, type Provider } from './provider-profiles.js';

function nonNegativeInt(name: string, max = Number.MAX_SAFE_INTEGER, why = '') {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    if (n > max) throw new InvalidArgumentError(`${name} must be at most ${max}${why}, got "${v}"`);
    return n;
  };
}

/** A simulated pod takes about 7 KiB of the simulator's memory: 500,000 of them about 3.5 GiB. */
const MAX_PODS = 500_000;
/** Kubernetes supports 5,000 nodes per cluster; ten times that is still a cluster. */
const MAX_NODES = 50_000;

function nonNegativeNumber(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number, got "${v}"`);
    return n;
  };
}

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be a port number (0-65535), got "${v}"`);
  return n;
}

interface SimulateFlags {
  nodes?: number;
  pods: number;
  namespaces: number;
  seed: string;
  churn: number;
  port: number;
  host: string;
  provider: Provider;
  helmReleases?: number;
  name: string;
  kubeconfigOut?: string;
  tls: boolean;
  eventTtl: number;
}

/** `kubegraph simulate`: one simulated cluster in the foreground until Ctrl-C. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Run a simulated Kubernetes cluster (real API over HTTPS) until interrupted; prints the kubeconfig path')
    .option('--nodes <n>', 'nodes (default: enough for the pods, at least 3)', nonNegativeInt('--nodes', MAX_NODES))
    .option('--pods <n>', `pods (at most ${MAX_PODS})`, nonNegativeInt('--pods', MAX_PODS, ' (each takes about 7 KiB of memory)'), 200)
    .option('--namespaces <n>', 'application namespaces', nonNegativeInt('--namespaces'), 5)
    .option('--seed <seed>', 'scenario seed (same seed, same cluster)', 'kubegraph')
    .option('--churn <rate>', 'random changes per second', nonNegativeNumber('--churn'), 1)
    .option('--port <port>', 'port (0 = random)', port, 0)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--provider <provider>', 'provider flavour').choices(PROVIDERS as string[]).default('eks'))
    .option('--helm-releases <n>', 'Helm releases (default: one per namespace)', nonNegativeInt('--helm-releases'))
    .option('--name <name>', 'cluster and context name', 'kubegraph-sim')
    .option('--event-ttl <seconds>', 'how long an Event lives after its last update (the API server\'s --event-ttl)', positiveInt('--event-ttl'), 3600)
    .option('--kubeconfig-out <file>', 'where to write the kubeconfig (default: in the temp directory)')
    .option('--no-tls', 'serve plain HTTP instead of HTTPS')
    .action(async (flags: SimulateFlags) => {
      // Loaded on use, so that `kubegraph --help` and other commands start fast.
      const { SimulatedCluster } = await import('./simulated-cluster.js');
      const started = Date.now();
      const cluster = await SimulatedCluster.start({
        nodes: flags.nodes, pods: flags.pods, namespaces: flags.namespaces, seed: flags.seed, churn: flags.churn, port: flags.port,
        host: flags.host, provider: flags.provider, helmReleases: flags.helmReleases, name: flags.name, tls: flags.tls, eventTtlMs: flags.eventTtl * 1000,
      }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE') throw err;
        throw new Error(`port ${flags.port} on ${flags.host} is already in use; choose another --port (0 picks a free one)`);
      });
      const file = resolve(flags.kubeconfigOut ?? join(tmpdir(), `${cluster.name}.kubeconfig`));
      await cluster.writeKubeconfig(file);
      const s = cluster.state();
      const out = process.stdout;
      out.write(`Simulated cluster "${cluster.name}" (${flags.provider}, seed ${flags.seed}) ready in ${Date.now() - started} ms: `
        + `${s.nodes.length} nodes, ${s.namespaces.length} namespaces, ${s.deployments.length} deployments, ${s.pods.length} pods, ${s.statefulsets.length} statefulsets, `
        + `${s.daemonsets.length} daemonsets, ${s.jobs.length} jobs, ${s.cronjobs.length} cronjobs, ${s.events.length} events, ${s.secrets.length} secrets\n`);
      out.write(`API:        ${cluster.url}\n`);
      out.write(`Kubeconfig: ${file}\n`);
      out.write(`Churn:      ${flags.churn} changes/s\n`);
      out.write(`Try:        KUBECONFIG=${file} kubectl get pods -A\n`);
      out.write(`Faults:     curl -k -H "Authorization: Bearer <token from kubeconfig>" -X POST ${cluster.url}/_sim/fault -d '{"kind":"dropWatches"}'\n`);
      out.write('Press Ctrl-C to stop.\n');
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          out.write(`\n${signal}: stopping the simulated cluster\n`);
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          cluster.stop().then(done, done);
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
      out.write('Stopped.\n');
    });
}
