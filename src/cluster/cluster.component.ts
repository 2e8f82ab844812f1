import { logger } from '../logger.js';
import type { Component, ServeContext } from '../server/serve.js';
import { SyncCoordinator } from '../sync/sync-coordinator.js';
import { SyncMetrics } from '../sync/sync-metrics.js';
import { ClusterRegistrationService } from './cluster-registration.service.js';
import { startDemoCluster, type DemoCluster } from './demo-cluster.js';
import { resolveKubeconfigCrypto } from './key-store.js';

const log = logger.child({ component: 'clusters' });

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
      const registration = new ClusterRegistrationService({ dataSource: ctx.dataSource, crypto, eventBus: ctx.eventBus });
      ctx.services.clusterRegistration = registration;
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
