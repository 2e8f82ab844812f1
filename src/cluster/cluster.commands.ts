import { type Command, InvalidArgumentError } from 'commander';

function collectLabel(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const key = value.slice(0, eq);
  if (previous && Object.hasOwn(previous, key)) throw new InvalidArgumentError(`label "${key}" is given twice`);
  return { ...previous, [key]: value.slice(eq + 1) };
}

// Implementations are loaded on use, so that `kubegraph --help` and other commands start fast.
export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('Register, list and remove clusters without GraphQL');

  cluster
    .command('add')
    .description('Check a kubeconfig against its cluster, then register the cluster with the kubeconfig encrypted')
    .option('--kubeconfig <file>', 'kubeconfig file')
    .option('--in-cluster', "the cluster this command runs in, with the pod's service account (its token is read from its file at each use, never stored)")
    .option('--context <name>', 'context to use (default: its current-context)')
    .option('--name <name>', 'cluster name, unique in the organisation (default: the context name; in-cluster with --in-cluster)')
    .option('--org <name>', 'organisation (default: the only one, or "default")')
    .option('--label <key=value>', 'label, repeatable', collectLabel)
    .action(async (opts: { kubeconfig?: string; inCluster?: boolean; context?: string; name?: string; org?: string; label?: Record<string, string> }, command: Command) => {
      if (!opts.kubeconfig === !opts.inCluster) command.error('give either --kubeconfig FILE or --in-cluster');
      if (opts.inCluster && opts.context !== undefined) command.error('--context applies to --kubeconfig only');
      const { addCluster } = await import('./cluster-cli.js');
      await addCluster({ ...opts, label: opts.label ?? {} });
    });

  cluster
    .command('list')
    .description('List registered clusters with their status and last sync')
    .option('--org <name>', 'only this organisation')
    .action(async (opts: { org?: string }) => {
      const { listClusters } = await import('./cluster-cli.js');
      await listClusters(opts);
    });

  cluster
    .command('remove')
    .description('Stop syncing a cluster and delete it with its data (or keep the data with --keep-data)')
    .argument('<name-or-id>', 'cluster name or id')
    .option('--org <name>', 'organisation (default: the only one)')
    .option('--keep-data', 'keep its inventory, metrics and costs; only the kubeconfig is erased', false)
    .action(async (nameOrId: string, opts: { org?: string; keepData: boolean }) => {
      const { removeCluster } = await import('./cluster-cli.js');
      await removeCluster(nameOrId, opts);
    });
}
