import type { ServerResponse } from 'node:http';
import type { K8sObject } from '../k8s-object.js';
import { hashUnit } from '../random.js';
import { sendStatus } from './status.js';

const PATHS = ['/healthz', '/api/v1/items', '/api/v1/orders', '/metrics', '/api/v1/users/me', '/static/app.js'];
const LINE_INTERVAL_MS = 10_000;
const MAX_LINES = 200;

/**
 * `GET .../pods/{name}/log`: a start line, then plausible access-log lines, one per 10 s of the container's life,
 * derived from the pod uid and the time (the same request gives the same lines). `previous=true` serves the last
 * terminated run.
 */
export function servePodLog(res: ServerResponse, pod: K8sObject, query: URLSearchParams, now: number): void {
  const containers: string[] = pod.spec.containers.map((c: { name: string }) => c.name);
  const container = query.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
  if (!container) {
    return sendStatus(res, 400, 'BadRequest', `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
  }
  if (!containers.includes(container)) {
    return sendStatus(res, 400, 'BadRequest', `container ${container} is not valid for pod ${pod.metadata.name}`);
  }
  const status = pod.status.containerStatuses?.find((c: { name: string }) => c.name === container);
  const previous = query.get('previous') === 'true';
  const run = previous ? status?.lastState?.terminated : status?.state?.running ?? status?.state?.terminated;
  if (!run) {
    const why = previous ? `previous terminated container "${container}" in pod "${pod.metadata.name}" not found` : `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${status?.state?.waiting?.reason ?? 'ContainerCreating'}`;
    return sendStatus(res, 400, 'BadRequest', why);
  }
  const from = Date.parse(run.startedAt);
  const to = run.finishedAt ? Date.parse(run.finishedAt) : now;
  const tail = query.get('tailLines') === null ? MAX_LINES : Math.max(0, Math.min(MAX_LINES, Number(query.get('tailLines')) || 0));
  const timestamps = query.get('timestamps') === 'true';
  const lines: string[] = [];
  const last = Math.floor(to / LINE_INTERVAL_MS) * LINE_INTERVAL_MS;
  for (let t = last; t >= from && lines.length < tail; t -= LINE_INTERVAL_MS) {
    const h = hashUnit(`${pod.metadata.uid}|${container}|${t}`);
    const code = h < 0.02 ? 500 : h < 0.06 ? 404 : 200;
    const path = PATHS[Math.floor(h * 1000) % PATHS.length];
    const stamp = new Date(t).toISOString();
    const text = `${code >= 500 ? 'ERROR' : 'INFO'} GET ${path} ${code} ${Math.round(2 + h * 180)}ms`;
    lines.push(timestamps ? `${stamp} ${text}` : text);
  }
  if (lines.length < tail) {
    const image = pod.spec.containers.find((c: { name: string }) => c.name === container)?.image;
    const stamp = new Date(from).toISOString();
    lines.push(timestamps ? `${stamp} INFO starting ${container} (${image})` : `INFO starting ${container} (${image})`);
  }
  if (previous && run.reason) lines.unshift(`${new Date(to).toISOString()} FATAL exiting: ${run.reason === 'OOMKilled' ? 'out of memory' : 'unrecoverable error'}`);
  const body = lines.reverse().map((l) => `${l}\n`).join('');
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private' });
  res.end(body);
}
