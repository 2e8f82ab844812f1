import type { ServerResponse } from 'node:http';
import type { K8sObject } from '../k8s-object.js';
import type { ObjectStore } from '../object-store.js';
import { parseLabelSelector, SelectorError } from '../label-selector.js';
import { formatKi, formatNanoCores } from '../quantity.js';
import { timestamp } from '../object-factory.js';
import { ChunkWriter } from '../http/chunk-writer.js';
import { notFound, sendJson, sendStatus } from '../http/status.js';
import type { UsageModel } from './usage-model.js';
import type { ClusterController } from '../cluster-controller.js';
import { nodeReady } from '../status-transitions.js';

const GROUP_VERSION = 'metrics.k8s.io/v1beta1';
const POD_WINDOW = '15.012s';
const NODE_WINDOW = '20.043s';

export interface MetricsContext {
  store: ObjectStore;
  controller: ClusterController;
  usage: UsageModel;
  now: () => number;
}

/** Node usage: the sum of its pods plus a system/kubelet share of the node's capacity. */
export function nodeUsage(ctx: MetricsContext, node: K8sObject, now: number): { cpu: number; memory: number } {
  let cpu = 0, memory = 0;
  for (const key of ctx.controller.podsByNode.get(node.metadata.name) ?? []) {
    const pod = ctx.store.get('pods', key)?.obj;
    const u = pod && ctx.usage.podUsage(pod, now);
    if (u) { cpu += u.cpu; memory += u.memory; }
  }
  const capCpu = Number(node.status.capacity.cpu) * 1e9;
  cpu += capCpu * 0.03 * (0.8 + 0.4 * Math.abs(Math.sin(ctx.usage.scrapeTime(now) / 600_000 + node.metadata.name.length)));
  memory += 700 * 2 ** 20;
  return { cpu: Math.round(cpu), memory };
}

/** metrics-server cannot scrape a kubelet that stopped reporting: no metrics for such a node or its pods. */
function scraped(ctx: MetricsContext, nodeName: string): boolean {
  const node = ctx.store.get('nodes', nodeName)?.obj;
  return Boolean(node && nodeReady(node));
}

function nodeMetrics(ctx: MetricsContext, node: K8sObject, now: number): Record<string, unknown> | undefined {
  if (!scraped(ctx, node.metadata.name)) return undefined;
  const u = nodeUsage(ctx, node, now);
  return {
    kind: 'NodeMetrics', apiVersion: GROUP_VERSION,
    metadata: { name: node.metadata.name, creationTimestamp: timestamp(now), labels: node.metadata.labels },
    timestamp: timestamp(ctx.usage.scrapeTime(now)), window: NODE_WINDOW,
    usage: { cpu: formatNanoCores(u.cpu), memory: formatKi(u.memory) },
  };
}

function podMetrics(ctx: MetricsContext, pod: K8sObject, now: number): Record<string, unknown> | undefined {
  if (!scraped(ctx, pod.spec.nodeName)) return undefined;
  const u = ctx.usage.podUsage(pod, now);
  if (!u) return undefined;
  return {
    kind: 'PodMetrics', apiVersion: GROUP_VERSION,
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: timestamp(now), labels: pod.metadata.labels },
    timestamp: timestamp(ctx.usage.scrapeTime(now)), window: POD_WINDOW,
    containers: u.containers.map((c) => ({ name: c.name, usage: { cpu: formatNanoCores(c.cpu), memory: formatKi(c.memory) } })),
  };
}

/** `/apis/metrics.k8s.io/v1beta1/{nodes|pods|namespaces/NS/pods}[/NAME]`, as metrics-server serves them. */
export async function serveMetrics(ctx: MetricsContext, res: ServerResponse, rest: string[], query: URLSearchParams): Promise<void> {
  let resource: 'nodes' | 'pods';
  let namespace: string | undefined;
  let name: string | undefined;
  if (rest[0] === 'namespaces' && rest[2] === 'pods' && rest.length <= 4) [resource, namespace, name] = ['pods', rest[1], rest[3]];
  else if ((rest[0] === 'nodes' || rest[0] === 'pods') && rest.length <= 2) [resource, name] = [rest[0], rest[1]];
  else return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');

  let match: ((l: Record<string, string> | undefined) => boolean) | undefined;
  try {
    match = parseLabelSelector(query.get('labelSelector'));
  } catch (err) {
    if (err instanceof SelectorError) return sendStatus(res, 400, 'BadRequest', err.message);
    throw err;
  }
  const now = ctx.now();
  if (name !== undefined) {
    const key = resource === 'pods' ? `${namespace}/${name}` : name;
    const obj = ctx.store.get(resource, key)?.obj;
    const body = obj && (resource === 'nodes' ? nodeMetrics(ctx, obj, now) : podMetrics(ctx, obj, now));
    if (!body) return notFound(res, { group: 'metrics.k8s.io', name: resource }, name);
    return sendJson(res, 200, body);
  }
  const items = ctx.store.page(resource, { rv: ctx.store.resourceVersion, namespace }).items;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  const out = new ChunkWriter(res);
  try {
    await out.write(`{"kind":"${resource === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList'}","apiVersion":"${GROUP_VERSION}","metadata":{},"items":[`);
    let first = true;
    for (const s of items) {
      if (match && !match(s.obj.metadata.labels)) continue;
      const m = resource === 'nodes' ? nodeMetrics(ctx, s.obj, now) : podMetrics(ctx, s.obj, now);
      if (!m) continue;
      await out.write((first ? '' : ',') + JSON.stringify(m));
      first = false;
    }
    await out.write(']}');
    await out.flush();
    res.end();
  } catch {
    res.destroy();
  }
}
