/** A small, hand-made inventory with one of everything the filters distinguish, in two organisations. */
import type { DataSource } from 'typeorm';
import {
  at,
  clusterRow,
  deploymentRow,
  helmReleaseRow,
  insertOrganization,
  insertRows,
  namespaceRow,
  nodeRow,
  podRow,
} from '../support/seed.js';

export interface Fixture {
  acme: string;
  other: string;
  prod: string;
  dev: string;
  otherCluster: string;
  ns: { payments: string; web: string; kubeSystem: string; oldNs: string; devDefault: string; otherNs: string };
  dep: { api: string; worker: string; frontend: string; oldDep: string; hello: string; otherDep: string };
  node: { n1: string; n2: string; nOld: string; devNode: string; otherNode: string };
  pod: { api1: string; api2: string; worker1: string; frontend1: string; oldPod: string; hello1: string; otherPod: string };
  helm: { apiChart: string; frontendChart: string; removedChart: string; otherChart: string };
}

export async function seedFixture(ds: DataSource): Promise<Fixture> {
  const acme = await insertOrganization(ds, 'acme');
  const other = await insertOrganization(ds, 'other');
  const [prod, dev] = await insertRows(ds, 'k8s_clusters', [
    clusterRow({ organization_id: acme, name: 'prod-eu', provider: 'eks', labels: { env: 'prod', region: 'eu' }, node_count: 2, pod_count: 4, created_at: at(0), last_seen_at: at(100) }),
    clusterRow({ organization_id: acme, name: 'dev-us', provider: 'kind', status: 'unreachable', status_message: 'connect ECONNREFUSED 10.0.0.1:6443', labels: { env: 'dev' }, node_count: 1, pod_count: 1, created_at: at(10), last_seen_at: at(50) }),
  ]);
  const [otherCluster] = await insertRows(ds, 'k8s_clusters', [clusterRow({ organization_id: other, name: 'prod-eu', provider: 'gke', labels: { env: 'prod' } })]);

  const [n1, n2, nOld, devNode, otherNode] = await insertRows(ds, 'k8s_nodes', [
    nodeRow({ cluster_id: prod, name: 'n1', zone: 'eu-west-1a', instance_type: 'm5.large', labels: { 'node-role.kubernetes.io/worker': '' }, cpu_usage_millicores: 1500, memory_usage_bytes: 2 * 1024 ** 3 }),
    nodeRow({ cluster_id: prod, name: 'n2', zone: 'eu-west-1b', instance_type: 'm5.xlarge', ready: false, unschedulable: true, cpu_capacity_millicores: 8000, cpu_usage_millicores: 500, memory_usage_bytes: 1024 ** 3 }),
    nodeRow({ cluster_id: prod, name: 'n-old', deleted_at: at(5) }),
    nodeRow({ cluster_id: dev, name: 'dev-node' }),
    nodeRow({ cluster_id: otherCluster, name: 'n1' }),
  ]);

  const [payments, web, kubeSystem, oldNs, devDefault, otherNs] = await insertRows(ds, 'k8s_namespaces', [
    namespaceRow({ cluster_id: prod, name: 'payments', team: 'payments', cost_center: 'cc-1', labels: { team: 'payments', env: 'prod' }, pod_count: 3, created_at: at(1) }),
    namespaceRow({ cluster_id: prod, name: 'web', team: 'web', cost_center: 'cc-2', labels: { team: 'web', env: 'prod' }, pod_count: 1, created_at: at(2) }),
    namespaceRow({ cluster_id: prod, name: 'kube-system', labels: {}, pod_count: 0, created_at: at(0) }),
    namespaceRow({ cluster_id: prod, name: 'old-ns', team: 'web', labels: { team: 'web' }, deleted_at: at(3) }),
    namespaceRow({ cluster_id: dev, name: 'default', team: 'payments', labels: { team: 'payments', env: 'dev' }, pod_count: 1 }),
    namespaceRow({ cluster_id: otherCluster, name: 'payments', team: 'payments', labels: { team: 'payments' } }),
  ]);

  const [api, worker, frontend, oldDep, hello, otherDep] = await insertRows(ds, 'k8s_deployments', [
    deploymentRow({ cluster_id: prod, namespace_id: payments, namespace: 'payments', name: 'api', labels: { app: 'api', tier: 'backend' }, desired_replicas: 2, ready_replicas: 1, available_replicas: 1, unavailable_replicas: 1, health: 'degraded', created_at: at(3) }),
    deploymentRow({ cluster_id: prod, namespace_id: payments, namespace: 'payments', name: 'worker', labels: { app: 'worker', tier: 'backend' }, desired_replicas: 1, health: 'healthy', created_at: at(4) }),
    deploymentRow({ cluster_id: prod, namespace_id: web, namespace: 'web', name: 'frontend', labels: { app: 'frontend', tier: 'frontend' }, desired_replicas: 3, health: 'progressing', created_at: at(5) }),
    deploymentRow({ cluster_id: prod, namespace_id: web, namespace: 'web', name: 'old', labels: { app: 'old' }, deleted_at: at(6) }),
    deploymentRow({ cluster_id: dev, namespace_id: devDefault, namespace: 'default', name: 'hello', labels: { app: 'hello' } }),
    deploymentRow({ cluster_id: otherCluster, namespace_id: otherNs, namespace: 'payments', name: 'api', labels: { app: 'api' } }),
  ]);

  const [api1, api2, worker1, frontend1, oldPod, hello1, otherPod] = await insertRows(ds, 'k8s_pods', [
    podRow({ cluster_id: prod, namespace_id: payments, namespace: 'payments', deployment_id: api, name: 'api-1', node_name: 'n1', labels: { app: 'api', tier: 'backend' }, created_at: at(10), cpu_request_millicores: 250, memory_request_bytes: 512 * 1024 ** 2 }),
    podRow({
      cluster_id: prod, namespace_id: payments, namespace: 'payments', deployment_id: api, name: 'api-2', node_name: 'n2', ready: false, restart_count: 5, reason: 'CrashLoopBackOff',
      labels: { app: 'api', tier: 'backend', canary: 'true' }, created_at: at(11), cpu_request_millicores: 500, memory_request_bytes: 256 * 1024 ** 2,
      container_statuses: [{ name: 'app', image: 'api:2', ready: false, restartCount: 5, state: 'waiting', reason: 'CrashLoopBackOff', exitCode: null, startedAt: null, lastTerminationReason: 'OOMKilled', lastTerminationExitCode: 137, lastTerminatedAt: '2026-01-01T00:20:00.000Z' }],
    }),
    podRow({ cluster_id: prod, namespace_id: payments, namespace: 'payments', deployment_id: worker, name: 'worker-1', node_name: null, phase: 'Pending', ready: false, labels: { app: 'worker', tier: 'backend' }, created_at: at(12), cpu_request_millicores: 1000 }),
    podRow({ cluster_id: prod, namespace_id: web, namespace: 'web', deployment_id: frontend, name: 'frontend-1', node_name: 'n1', labels: { app: 'frontend', tier: 'frontend' }, created_at: at(13), restart_count: 1 }),
    podRow({ cluster_id: prod, namespace_id: web, namespace: 'web', deployment_id: oldDep, name: 'old-1', node_name: 'n1', phase: 'Succeeded', ready: false, labels: { app: 'old' }, created_at: at(1), deleted_at: at(6) }),
    podRow({ cluster_id: dev, namespace_id: devDefault, namespace: 'default', deployment_id: hello, name: 'hello-1', node_name: 'dev-node', labels: { app: 'hello' }, created_at: at(14) }),
    podRow({ cluster_id: otherCluster, namespace_id: otherNs, namespace: 'payments', deployment_id: otherDep, name: 'api-1', node_name: 'n1', labels: { app: 'api', tier: 'backend' }, created_at: at(10) }),
  ]);

  const [apiChart, frontendChart, removedChart, otherChart] = await insertRows(ds, 'k8s_helm_releases', [
    helmReleaseRow({ cluster_id: prod, namespace_id: payments, namespace: 'payments', name: 'api', chart_name: 'api-chart', revision: 3, last_deployed_at: at(30), values: { replicas: 2 } }),
    helmReleaseRow({ cluster_id: prod, namespace_id: web, namespace: 'web', name: 'frontend', chart_name: 'frontend-chart', status: 'failed', last_deployed_at: at(20) }),
    helmReleaseRow({ cluster_id: prod, namespace_id: web, namespace: 'web', name: 'removed', chart_name: 'old-chart', status: 'uninstalled', deleted_at: at(25) }),
    helmReleaseRow({ cluster_id: otherCluster, namespace_id: otherNs, namespace: 'payments', name: 'api', chart_name: 'api-chart' }),
  ]);
  await ds.query('ANALYZE');
  return {
    acme,
    other,
    prod,
    dev,
    otherCluster,
    ns: { payments, web, kubeSystem, oldNs, devDefault, otherNs },
    dep: { api, worker, frontend, oldDep, hello, otherDep },
    node: { n1, n2, nOld, devNode, otherNode },
    pod: { api1, api2, worker1, frontend1, oldPod, hello1, otherPod },
    helm: { apiChart, frontendChart, removedChart, otherChart },
  };
}
