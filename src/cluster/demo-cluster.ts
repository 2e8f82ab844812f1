import type { DataSource } from 'typeorm';
import { ApiTokenService } from '../auth/api-token.service.js';
import { BOOTSTRAP_ORGANIZATION } from '../auth/bootstrap-token.js';
import type { Logger } from '../common/logger.js';
import { SimulatedCluster } from '../simulator/simulated-cluster.js';
import type { ClusterRegistrationService } from './cluster-registration.service.js';

export const DEMO_LABEL = 'kubegraph.io/demo';
export const DEMO_CLUSTER_NAME = 'demo';

/** Moderate and always the same, so that a demo looks alike on every machine; it changes a little every second. */
const DEMO_SIMULATION = { nodes: 3, pods: 60, churn: 2, seed: 'kubegraph-demo', tls: true, name: DEMO_CLUSTER_NAME, provider: 'eks' } as const;

export interface DemoCluster {
  clusterId: string;
  simulator: SimulatedCluster;
  stop(): Promise<void>;
}

/**
 * `serve --demo`: an in-process simulated cluster, registered as `demo` in the default organisation while no
 * other cluster is registered. The demo cluster of an earlier run is reconnected to this run's simulator
 * (whose port changed), so its history carries on; once real clusters exist and no demo is left, nothing starts.
 */
export async function startDemoCluster(deps: { dataSource: DataSource; registration: ClusterRegistrationService; log: Logger }): Promise<DemoCluster | undefined> {
  const { dataSource, registration, log } = deps;
  const [earlier]: Array<{ id: string; organization_id: string }> = await dataSource.query(
    `SELECT id, organization_id FROM k8s_clusters WHERE labels ->> $1 = 'true' ORDER BY created_at LIMIT 1`,
    [DEMO_LABEL],
  );
  if (!earlier) {
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM k8s_clusters`);
    if (n > 0) {
      log.info({ clusters: n }, 'clusters are registered; no demo cluster started');
      return undefined;
    }
  }
  const simulator = await SimulatedCluster.start(DEMO_SIMULATION);
  try {
    let clusterId: string;
    if (earlier) {
      await registration.update(earlier.id, earlier.organization_id, { connection: { kubeconfig: simulator.kubeconfig() } });
      clusterId = earlier.id;
    } else {
      const org = await new ApiTokenService(dataSource).ensureOrganization(BOOTSTRAP_ORGANIZATION);
      const cluster = await registration.register({
        organizationId: org.id,
        name: DEMO_CLUSTER_NAME,
        kubeconfig: simulator.kubeconfig(),
        labels: { [DEMO_LABEL]: 'true' },
      });
      clusterId = cluster.id;
    }
    log.info(
      { clusterId, server: simulator.url, nodes: DEMO_SIMULATION.nodes, pods: DEMO_SIMULATION.pods, changesPerSecond: DEMO_SIMULATION.churn },
      earlier ? 'demo cluster reconnected to a new simulated cluster' : 'demo cluster registered (a simulated cluster in this process)',
    );
    return { clusterId, simulator, stop: () => simulator.stop() };
  } catch (err) {
    await simulator.stop();
    throw err;
  }
}
