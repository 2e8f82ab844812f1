import type { IncomingMessage, ServerResponse } from 'node:http';
import type { K8sObject } from '../k8s-object.js';
import type { ObjectStore } from '../object-store.js';
import type { ResourceType } from '../resource-types.js';
import type { SimChange } from '../sim-change.js';
import { SYSTEM_NAMESPACES, timestamp } from '../object-factory.js';
import { notFound, sendJson, sendStatus } from './status.js';

export interface WriteContext {
  store: ObjectStore;
  now: () => number;
  apply: (change: SimChange) => Promise<void>;
}

/**
 * The few writes kubectl users reach for in a demo: `delete pod|deployment|namespace` and `scale deployment`.
 * Each becomes the simulator change a controller would make; everything else is 405, as on a read-only server.
 */
export async function serveWrite(ctx: WriteContext, req: IncomingMessage, res: ServerResponse, type: ResourceType, namespace: string | undefined, name: string | undefined, sub: string[]): Promise<void> {
  const method = req.method ?? 'GET';
  const key = namespace ? `${namespace}/${name}` : (name ?? '');
  if (name && type.name === 'deployments' && sub.join('/') === 'scale') {
    const d = ctx.store.get('deployments', key);
    if (!d) return notFound(res, type, name);
    if (method === 'GET') return sendJson(res, 200, scaleOf(d.obj));
    if (method !== 'PATCH' && method !== 'PUT') return methodNotAllowed(res, method);
    const body = await readJson(req);
    const replicas = (body as { spec?: { replicas?: unknown } } | undefined)?.spec?.replicas;
    if (!Number.isInteger(replicas) || (replicas as number) < 0) {
      return sendStatus(res, 422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
    }
    await ctx.apply({ kind: 'scaleDeployment', namespace: namespace as string, name, replicas: replicas as number });
    return sendJson(res, 200, scaleOf(ctx.store.get('deployments', key)!.obj));
  }
  if (method === 'PATCH' && name && !sub.length && type.name === 'deployments') return patchDeployment(ctx, req, res, type, namespace as string, name);
  if (method !== 'DELETE' || !name || sub.length) return methodNotAllowed(res, method);

  const current = ctx.store.get(type.name, key);
  if (!current) return notFound(res, type, name);
  let change: SimChange;
  if (type.name === 'pods') change = { kind: 'deletePod', namespace: namespace as string, name };
  else if (type.name === 'deployments') change = { kind: 'deleteDeployment', namespace: namespace as string, name };
  else if (type.name === 'namespaces') {
    if (SYSTEM_NAMESPACES.has(name)) return sendStatus(res, 403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
    change = { kind: 'deleteNamespace', name };
  } else return methodNotAllowed(res, method);
  await ctx.apply(change);
  const at = timestamp(ctx.now());
  const deleted: K8sObject = { ...current.obj, metadata: { ...current.obj.metadata, deletionTimestamp: at, deletionGracePeriodSeconds: 0 } };
  if (type.name === 'namespaces') deleted.status = { phase: 'Terminating' };
  return sendJson(res, 200, deleted);
}

/**
 * `kubectl set image` and `kubectl rollout restart` patch the pod template: either a container image or the
 * `kubectl.kubernetes.io/restartedAt` annotation. Both become a rollout.
 */
async function patchDeployment(ctx: WriteContext, req: IncomingMessage, res: ServerResponse, type: ResourceType, namespace: string, name: string): Promise<void> {
  const key = `${namespace}/${name}`;
  const d = ctx.store.get('deployments', key);
  if (!d) return notFound(res, type, name);
  const template = ((await readJson(req)) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: { name?: string; image?: string }[] } } } } | undefined)?.spec?.template;
  const containers = template?.spec?.containers ?? [];
  const annotations = template?.metadata?.annotations;
  const first = d.obj.spec.template.spec.containers[0].name;
  const images = containers.filter((c) => c.image);
  if (images.some((c) => c.name !== first) || (!images.length && !annotations?.['kubectl.kubernetes.io/restartedAt'])) {
    return sendStatus(res, 422, 'Invalid', `Deployment.apps "${name}" is invalid: the simulator applies only an image change of container "${first}" or a restart (kubectl.kubernetes.io/restartedAt)`);
  }
  const currentImage = d.obj.spec.template.spec.containers[0].image;
  // Setting the image it already has changes nothing, as on a real cluster.
  if (!annotations && images[0].image === currentImage) return sendJson(res, 200, d.obj);
  await ctx.apply({ kind: 'rollout', namespace, name, image: images[0]?.image ?? currentImage, ...(annotations ? { templateAnnotations: annotations } : {}) });
  return sendJson(res, 200, ctx.store.get('deployments', key)!.obj);
}

function scaleOf(d: K8sObject): Record<string, unknown> {
  const m = d.metadata;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: d.spec.replicas },
    status: { replicas: d.status?.replicas ?? 0, selector: Object.entries(d.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',') },
  };
}

function methodNotAllowed(res: ServerResponse, method: string): void {
  sendStatus(res, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method}): the simulator accepts only delete of pods, deployments and namespaces, and scale of deployments; other changes go through /_sim/apply`);
}

/** The whole request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
