// A replica in its own process, so that a test can SIGKILL it: prints the clusters it syncs after every change.
import 'reflect-metadata';
import { KubeconfigCrypto } from '../../../src/cluster/kubeconfig-crypto.js';
import { loadConfig } from '../../../src/config.js';
import { createDataSource } from '../../../src/db/data-source.js';
import { InProcessEventBus } from '../../../src/events/in-process-event-bus.js';
import { SyncCoordinator } from '../../../src/sync/sync-coordinator.js';

const args = JSON.parse(process.argv[2]!) as { url: string; key: string; replicaId: string; ttlMs: number; renewIntervalMs: number };
const dataSource = createDataSource(args.url, { poolSize: 4, applicationName: args.replicaId });
await dataSource.initialize();
const coordinator = new SyncCoordinator({
  dataSource,
  eventBus: new InProcessEventBus(),
  config: loadConfig({}),
  crypto: new KubeconfigCrypto(Buffer.from(args.key, 'base64')),
  replicaId: args.replicaId,
  leaseTimings: { ttlMs: args.ttlMs, renewIntervalMs: args.renewIntervalMs },
});
await coordinator.start();
let last = '';
setInterval(() => {
  const owned = JSON.stringify(coordinator.ownedClusterIds());
  if (owned === last) return;
  last = owned;
  process.stdout.write(`${JSON.stringify({ owned: coordinator.ownedClusterIds() })}\n`);
}, 20);
process.on('SIGTERM', () => {
  void coordinator
    .stop()
    .then(() => dataSource.destroy())
    .then(() => process.exit(0));
});
