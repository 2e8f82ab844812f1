/**
 * How a dashboard talks to kubegraph with the typed documents from `npm run codegen`: every variable and
 * every field of every result is checked by the compiler against schema.graphql.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ClusterOverviewDocument,
  CostReportDocument,
  LivePodFeedDocument,
  NamespaceDrillDownDocument,
  PodProblemsDocument,
  PodTableDocument,
  type LivePodFeedSubscription,
  type PodProblemsSubscription,
  type PodChangedFilter,
  type PodFilter,
  type PodTableQuery,
} from './gql/graphql.js';

export class GraphQLRequestError extends Error {
  constructor(readonly errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>) {
    super(errors.map((e) => e.message).join('; '));
  }
}

export interface ClusterCard {
  id: string;
  name: string;
  status: string;
  readyNodes: string;
  failingPods: number;
  hourlyCost: number | null;
}

export interface PodRow {
  name: string;
  namespace: string;
  cluster: string;
  phase: string;
  restarts: number;
  problem: string | null;
}

export class DashboardClient {
  private ws: Client | undefined;

  /** `baseUrl` like http://localhost:4000; `token` a kubegraph API token. */
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult> {
    const res = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const body = (await res.json()) as { data?: TResult; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
    if (body.errors?.length || !body.data) throw new GraphQLRequestError(body.errors ?? [{ message: `HTTP ${res.status} without data` }]);
    return body.data;
  }

  async clusterCards(): Promise<ClusterCard[]> {
    const data = await this.request(ClusterOverviewDocument, { first: 50 });
    return data.clusters.nodes.map((c) => ({
      id: c.id,
      name: c.name,
      status: c.status,
      readyNodes: `${c.health.readyNodeCount}/${c.health.nodeCount}`,
      failingPods: c.health.failedPodCount + c.health.pendingPodCount,
      hourlyCost: c.health.hourlyCostEstimate,
    }));
  }

  /** Every page of the pod table for a filter, following cursors. */
  async podRows(filter: PodFilter): Promise<PodRow[]> {
    const rows: PodRow[] = [];
    let after: string | null = null;
    for (;;) {
      const data: PodTableQuery = await this.request(PodTableDocument, { filter, orderBy: { field: 'NAME', direction: 'ASC' }, first: 100, after });
      for (const { node } of data.pods.edges) {
        const problem = node.containers.map((c) => c.reason ?? c.lastTerminationReason).find((r) => r !== null) ?? node.reason;
        rows.push({ name: node.name, namespace: node.namespaceName, cluster: node.cluster.name, phase: node.phase, restarts: node.restartCount, problem });
      }
      if (!data.pods.pageInfo.hasNextPage) return rows;
      after = data.pods.pageInfo.endCursor;
    }
  }

  async namespaceSummary(clusterId: string, namespace: string): Promise<{ deployments: number; unreadyPods: string[]; cost30d: number | null } | null> {
    const data = await this.request(NamespaceDrillDownDocument, { clusterId, namespace });
    const ns = data.cluster.namespaces.nodes[0];
    if (!ns) return null;
    const unreadyPods = ns.deployments.nodes.flatMap((d) => d.pods.nodes.filter((p) => !p.ready).map((p) => `${d.name}/${p.name}@${p.node?.name ?? 'unscheduled'}`));
    return { deployments: ns.deployments.totalCount, unreadyPods, cost30d: ns.cost?.cost30d ?? null };
  }

  /** Total cost per team over a range, highest first. */
  async teamCosts(from: Date, to: Date): Promise<Array<{ team: string; total: number; currency: string }>> {
    const data = await this.request(CostReportDocument, { from: from.toISOString(), to: to.toISOString(), granularity: 'DAY' });
    const totals = new Map<string, { total: number; currency: string }>();
    for (const row of data.costAllocations.nodes) {
      const team = row.team ?? '(no team)';
      const t = totals.get(team) ?? { total: 0, currency: row.currency };
      t.total += row.totalCost;
      totals.set(team, t);
    }
    return [...totals].map(([team, t]) => ({ team, ...t })).sort((a, b) => b.total - a.total);
  }

  /** Calls `onChange` for each pod change matching `filter`; returns a function that stops the feed. */
  livePods(filter: PodChangedFilter, onChange: (change: LivePodFeedSubscription['podChanged']) => void, onError: (err: unknown) => void): () => void {
    this.ws ??= createClient({
      url: `${this.baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
    });
    return this.ws.subscribe(
      { query: print(LivePodFeedDocument), variables: { filter } },
      {
        next: (result) => {
          const change = (result.data as LivePodFeedSubscription | null | undefined)?.podChanged;
          if (change) onChange(change);
        },
        error: onError,
        complete: () => undefined,
      },
    );
  }

  /**
   * Raises and clears on-call alerts: `onProblem` gets each pod going into a problem, and the change that clears it
   * (`problem.resolved`). Reconnecting with the last cursor delivers what happened meanwhile first.
   */
  podProblems(
    namespace: string | null,
    onProblem: (change: PodProblemsSubscription['podChanged'], alertKey: string) => void,
    onError: (err: unknown) => void,
    after: string | null = null,
  ): () => void {
    this.ws ??= createClient({
      url: `${this.baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
    });
    return this.ws.subscribe(
      { query: print(PodProblemsDocument), variables: { filter: { onlyProblems: true, namespace }, after } },
      {
        next: (result) => {
          const change = (result.data as PodProblemsSubscription | null | undefined)?.podChanged;
          // One alert per pod and reason: the resolved change carries the reason it clears.
          if (change?.problem) onProblem(change, `${change.pod.id}/${change.problem.reason}`);
        },
        error: onError,
        complete: () => undefined,
      },
    );
  }

  async close(): Promise<void> {
    await this.ws?.dispose();
  }
}
