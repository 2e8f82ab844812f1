import { logger } from '../common/logger.js';
import type { Component, ServeContext } from './serve.js';
import { SyncCoordinator } from '../sync/sync-coordinator.js';
import { SyncMetrics } from '../sync/sync-metrics.js';
import { BOOTSTRAP_ORGANIZATION } from '../auth/bootstrap-token.js';
import { ApiServerAddressGuard } from '../cluster/api-server-address.js';
import { ClusterRegistrationError } from '../cluster/cluster-registration.error.js';
import { ClusterRegistrationService } from '../cluster/cluster-registration.service.js';
import { readInClusterEnvironment, type InClusterEnvironment } from '../cluster/in-cluster.js';
import { KubeconfigError } from '../cluster/kube-client.js';
import { startDemoCluster, type DemoCluster } from '../cluster/demo-cluster.js';
import { resolveKubeconfigCrypto } from '../cluster/key-store.js';

const log = logger.child({ component: 'clusters' });

/** KUBEGRAPH_IN_CLUSTER_NAME: the cluster serve runs in, registered by whichever replica gets there first. */
async function registerOwnCluster(registration: ClusterRegistrationService, name: string, serviceAccountDir: string): Promise<void> {
  let result: Awaited<ReturnType<ClusterRegistrationService['ensureInCluster']>>;
  let environment: InClusterEnvironment;
  try {
    environment = readInClusterEnvironment(process.env, serviceAccountDir);
    result = await registration.ensureInCluster({ organizationName: BOOTSTRAP_ORGANIZATION, name, environment });
  } catch (err) {
    if (err instanceof KubeconfigError || err instanceof ClusterRegistrationError) {
      throw new Error(`KUBEGRAPH_IN_CLUSTER_NAME=${name}: cannot register the cluster this server runs in: ${err.message}`);
    }
    throw err;
  }
  if (result.created) return;
  if (result.cluster.apiServerUrl === environment.server) log.info({ clusterId: result.cluster.id, name }, 'the cluster this server runs in is registered already');
  else log.warn({ clusterId: result.cluster.id, name, registered: result.cluster.apiServerUrl, here: environment.server }, 'a cluster of this name is registered with another API server; left as it is');
}

/**
 * Clusters inside `serve`: resolves the kubeconfig encryption key (refusing to start without one when
 * DATABASE_URL is set), offers registration to the GraphQL API, runs this replica's share of the syncs,
 * and with `--demo` brings up the demo cluster. Must start before the GraphQL component.
 */
export function clusterComponent(ctx: ServeContext): Component {
  let coordinator: SyncCoordinator | undefined;
  let demo: DemoCluster | undefined;
  return {
    name: 'clusters',
    async start() {
      const crypto = await resolveKubeconfigCrypto(ctx.config);
      const addressGuard = new ApiServerAddressGuard(ctx.config.apiServerAddresses);
      const registration = new ClusterRegistrationService({
        dataSource: ctx.dataSource,
        crypto,
        eventBus: ctx.eventBus,
        addressGuard,
        serviceAccountDir: ctx.config.serviceAccountDir,
      });
      ctx.services.clusterRegistration = registration;
      if (ctx.config.inClusterName) await registerOwnCluster(registration, ctx.config.inClusterName, ctx.config.serviceAccountDir);
      // The demo first, so that a demo cluster kept from an earlier run is synced from this run's simulator at once.
      if (ctx.demo) demo = await startDemoCluster({ dataSource: ctx.dataSource, registration, log });
      coordinator = new SyncCoordinator({
        dataSource: await ctx.database.pool('sync'),
        eventBus: ctx.eventBus,
        config: ctx.config,
        crypto,
        metrics: new SyncMetrics(ctx.metrics),
      });
      await coordinator.start();
    },
    async stop() {
      await coordinator?.stop();
      await demo?.stop();
    },
  };
}
