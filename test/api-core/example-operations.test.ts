import 'reflect-metadata';
import fs from 'node:fs/promises';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toGlobalId } from '../../src/graphql/relay/global-id.js';
import { deploymentRow, insertRows, namespaceRow, podRow, seedInventory, workloadRow, type SeededCluster } from '../support/seed.js';
import { createCaller, gql, startApiServer, waitFor, type ApiServer, type Caller } from './support/api-server.js';

let server: ApiServer;
let caller: Caller;
let clusters: SeededCluster[];

const operation = (name: string) => fs.readFile(new URL(`../../examples/operations/${name}.graphql`, import.meta.url), 'utf8');

beforeAll(async () => {
  server = await startApiServer();
  caller = await createCaller(server, 'acme', 'viewer');
  clusters = await seedInventory(server.db.dataSource, caller.organizationId, {
    clusters: 2,
    namespacesPerCluster: 2,
    deploymentsPerNamespace: 2,
    podsPerDeployment: 3,
    nodesPerCluster: 2,
  });
});

afterAll(async () => {
  await server?.close();
});

// The dashboard operations run as shipped, with the server's default depth and complexity limits.
describe('example dashboard operations', () => {
  it('cluster overview', async () => {
    const res = await gql<{ clusters: { totalCount: number; nodes: Array<{ name: string; health: { nodeCount: number } }> } }>(server, await operation('cluster-overview'), {
      token: caller.secret,
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.clusters.totalCount).toBe(2);
    expect(res.body.data!.clusters.nodes.map((c) => [c.name, c.health.nodeCount])).toEqual([
      ['cluster000', 2],
      ['cluster001', 2],
    ]);
  });

  it('namespace drill-down', async () => {
    type Result = { cluster: { namespaces: { nodes: Array<{ name: string; deployments: { totalCount: number; nodes: Array<{ pods: { nodes: Array<{ node: { name: string } | null }> } }> } }> } } };
    const res = await gql<Result>(server, await operation('namespace-drill-down'), {
      token: caller.secret,
      variables: { clusterId: toGlobalId('Cluster', clusters[0].id), namespace: 'ns001' },
    });
    expect(res.body.errors).toBeUndefined();
    const [ns] = res.body.data!.cluster.namespaces.nodes;
    expect(ns.name).toBe('ns001');
    expect(ns.deployments.totalCount).toBe(2);
    expect(ns.deployments.nodes.map((d) => d.pods.nodes.length)).toEqual([3, 3]);
    expect(ns.deployments.nodes.flatMap((d) => d.pods.nodes.map((p) => p.node?.name)).every((n) => n === 'node000' || n === 'node001')).toBe(true);
  });

  it('namespace workloads', async () => {
    // A namespace of its own (the other operations count the seeded namespaces' pods), with a Deployment too.
    const cluster = clusters[1]!;
    const [nsId] = await insertRows(server.db.dataSource, 'k8s_namespaces', [namespaceRow({ cluster_id: cluster.id, name: 'batch' })]);
    const where = { cluster_id: cluster.id, namespace_id: nsId!, namespace: 'batch' };
    await insertRows(server.db.dataSource, 'k8s_deployments', [deploymentRow({ ...where, name: 'api' })]);
    await insertRows(server.db.dataSource, 'k8s_workloads', [
      workloadRow({ ...where, kind: 'CronJob', name: 'nightly', uid: 'uid-nightly', schedule: '0 3 * * *', suspend: false }),
      workloadRow({ ...where, kind: 'Job', name: 'nightly-1', uid: 'uid-nightly-1', owner_kind: 'CronJob', owner_name: 'nightly', owner_uid: 'uid-nightly', succeeded: 1, failed: 0, active: 0, health: 'succeeded' }),
    ]);
    await insertRows(server.db.dataSource, 'k8s_pods', [podRow({ ...where, name: 'nightly-1-x', phase: 'Succeeded', owner_kind: 'Job', owner_name: 'nightly-1', owner_uid: 'uid-nightly-1' })]);
    type Workload = { __typename: string; name: string; pods: { totalCount: number; nodes: Array<{ owner: { kind: string; name: string } | null }> }; cronJob?: { name: string }; jobs?: { nodes: Array<{ name: string }> } };
    const res = await gql<{ node: { workloads: { totalCount: number; nodes: Workload[] } } }>(server, await operation('namespace-workloads'), {
      token: caller.secret,
      variables: { namespaceId: toGlobalId('Namespace', nsId!) },
    });
    expect(res.body.errors).toBeUndefined();
    const { workloads } = res.body.data!.node;
    // Sorted by kind: the CronJob, the Deployment, the Job.
    expect(workloads.nodes.map((w) => `${w.__typename}/${w.name}`)).toEqual(['CronJob/nightly', 'Deployment/api', 'Job/nightly-1']);
    const [cron, , job] = workloads.nodes;
    expect(cron!.jobs!.nodes).toEqual([{ name: 'nightly-1', health: 'SUCCEEDED' }]);
    expect(cron!.pods.totalCount).toBe(1);
    expect(job!.cronJob).toEqual({ name: 'nightly' });
    expect(job!.pods.nodes[0]!.owner).toEqual({ kind: 'JOB', name: 'nightly-1' });
    const jobsOnly = await gql<{ node: { workloads: { totalCount: number } } }>(server, await operation('namespace-workloads'), {
      token: caller.secret,
      variables: { namespaceId: toGlobalId('Namespace', nsId!), kind: 'JOB' },
    });
    expect(jobsOnly.body.data!.node.workloads.totalCount).toBe(1);
  });

  it('pod table', async () => {
    type Result = { pods: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ node: { name: string; namespaceName: string } }> } };
    const query = await operation('pod-table');
    const variables = { filter: { namespaces: ['ns001'] }, orderBy: { field: 'NAME', direction: 'ASC' }, first: 5 };
    const first = await gql<Result>(server, query, { token: caller.secret, variables });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.pods.totalCount).toBe(12);
    expect(first.body.data!.pods.edges).toHaveLength(5);
    expect(first.body.data!.pods.pageInfo.hasNextPage).toBe(true);
    const rest = await gql<Result>(server, query, { token: caller.secret, variables: { ...variables, first: 100, after: first.body.data!.pods.pageInfo.endCursor } });
    expect(rest.body.data!.pods.edges).toHaveLength(7);
    expect(rest.body.data!.pods.edges.every((e) => e.node.namespaceName === 'ns001')).toBe(true);
  });

  it('cost report', async () => {
    const res = await gql(server, await operation('cost-report'), {
      token: caller.secret,
      variables: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ costAllocations: { totalCount: 0 }, namespaceCosts: { nodes: expect.any(Array) } });
  });

  it('live pod feed', async () => {
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${caller.secret}` }, retryAttempts: 0 });
    try {
      const query = await operation('live-pod-feed');
      const received = new Promise<Record<string, unknown>>((resolve, reject) => {
        client.subscribe(
          { query, variables: { filter: { namespace: 'ns000' } } },
          { next: (r) => (r.errors ? reject(new Error(JSON.stringify(r.errors))) : resolve(r.data as Record<string, unknown>)), error: reject, complete: () => undefined },
        );
      });
      await waitFor(() => server.eventBus.listenerCount === 1, 'the feed to be live');
      const [row] = await server.db.dataSource.query(`SELECT * FROM k8s_pods WHERE cluster_id = $1 AND namespace = 'ns000' ORDER BY name LIMIT 1`, [clusters[0].id]);
      const state = Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]));
      await server.eventBus.publish([
        { organizationId: caller.organizationId, clusterId: clusters[0].id, kind: 'Pod', type: 'MODIFIED', namespace: 'ns000', name: row.name, uid: row.uid, changedFields: ['restartCount'], state, committedAt: new Date() },
      ]);
      expect(await received).toMatchObject({ podChanged: { type: 'MODIFIED', changedFields: ['restartCount'], pod: { name: row.name, namespaceName: 'ns000' } } });
    } finally {
      await client.dispose();
    }
  });

  it('pod problems', async () => {
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${caller.secret}` }, retryAttempts: 0 });
    try {
      const query = await operation('pod-problems');
      const received = new Promise<Record<string, unknown>>((resolve, reject) => {
        client.subscribe(
          { query, variables: { filter: { onlyProblems: true, namespace: 'ns001' } } },
          { next: (r) => (r.errors ? reject(new Error(JSON.stringify(r.errors))) : resolve(r.data as Record<string, unknown>)), error: reject, complete: () => undefined },
        );
      });
      await waitFor(() => server.eventBus.listenerCount === 1, 'the feed to be live');
      const [row] = await server.db.dataSource.query(`SELECT * FROM k8s_pods WHERE cluster_id = $1 AND namespace = 'ns001' ORDER BY name LIMIT 1`, [clusters[0].id]);
      const crashLoop = [{ name: 'app', state: 'waiting', reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app', restartCount: 1, lastTerminationReason: 'OOMKilled', lastTerminationExitCode: 137 }];
      const state = Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]));
      await server.eventBus.publish([
        {
          organizationId: caller.organizationId, clusterId: clusters[0].id, kind: 'Pod', type: 'MODIFIED', namespace: 'ns001', name: row.name, uid: row.uid,
          changedFields: ['reason', 'containerStatuses'], state: { ...state, reason: 'CrashLoopBackOff', containerStatuses: crashLoop }, committedAt: new Date(),
        },
      ]);
      expect(await received).toMatchObject({
        podChanged: {
          type: 'MODIFIED',
          pod: { name: row.name, namespaceName: 'ns001' },
          problem: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app', container: 'app', lastTerminationReason: 'OOMKilled', exitCode: 137, restartCount: 1, resolved: false },
        },
      });
    } finally {
      await client.dispose();
    }
  });
});

