// A replica in its own process, so that a test can SIGKILL it: prints the clusters it syncs, with the time it
// read them, whenever they change.
import 'reflect-metadata';
import { KubeconfigCrypto } from '../../../src/cluster/kubeconfig-crypto.js';
import { loadConfig } from '../../../src/common/config.js';
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
  const owned = coordinator.ownedClusterIds();
  if (JSON.stringify(owned) === last) return;
  last = JSON.stringify(owned);
  process.stdout.write(`${JSON.stringify({ at: Date.now(), owned })}\n`);
}, 2);
process.on('SIGTERM', () => {
  void coordinator
    .stop()
    .then(() => dataSource.destroy())
    .then(() => process.exit(0));
});
