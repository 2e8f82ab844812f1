import type { IncomingMessage, ServerResponse } from 'node:http';
import type { K8sObject } from '../k8s-object.js';
import type { ObjectStore, StoredObject } from '../object-store.js';
import type { DeclaredVerbs, ResourceType, Verb } from '../resource-types.js';
import type { SimChange } from '../sim-change.js';
import { SYSTEM_NAMESPACES, timestamp } from '../object-factory.js';
import { notFound, sendJson, sendStatus } from './status.js';

export interface WriteContext {
  store: ObjectStore;
  now: () => number;
  apply: (change: SimChange) => Promise<void>;
}

/** The object a write names; `current` is its stored version (the deployment, for its scale subresource). */
interface Target {
  type: ResourceType;
  /** '' for a cluster-scoped resource. */
  namespace: string;
  name: string;
  key: string;
  current: StoredObject;
  /** `?dryRun=All`: validated and answered as if done, nothing changed (what kubectl's --dry-run=server sends). */
  dryRun: boolean;
}

type Write = (ctx: WriteContext, req: IncomingMessage, res: ServerResponse, target: Target) => void | Promise<void>;

type WriteVerb = Exclude<Verb, 'get' | 'list' | 'watch'>;
/** Resources and subresources that the resource table gives at least one write verb. */
type WritablePath = { [P in keyof DeclaredVerbs]: [Extract<DeclaredVerbs[P], WriteVerb>] extends [never] ? never : P }[keyof DeclaredVerbs];
/** Served here: a resource's write verbs (its reads are the list handler's), every verb of a subresource. */
type Served<P extends WritablePath> = P extends `${string}/${string}` ? DeclaredVerbs[P] : Extract<DeclaredVerbs[P], WriteVerb>;

/**
 * How each write the resource table announces becomes the simulator change a controller would make, by resource or
 * `resource/subresource` and verb. Typed from the table: a verb that discovery announces without a handler here, or a
 * handler for one it does not announce, does not compile.
 */
const WRITES: { [P in WritablePath]: Record<Served<P>, Write> } = {
  namespaces: {
    delete: (ctx, _req, res, t) => {
      if (SYSTEM_NAMESPACES.has(t.name)) return sendStatus(res, 403, 'Forbidden', `namespaces "${t.name}" is forbidden: this namespace may not be deleted`, { name: t.name, kind: 'namespaces' });
      return deleteAs(ctx, res, t, { kind: 'deleteNamespace', name: t.name });
    },
  },
  pods: { delete: (ctx, _req, res, t) => deleteAs(ctx, res, t, { kind: 'deletePod', namespace: t.namespace, name: t.name }) },
  deployments: {
    delete: (ctx, _req, res, t) => deleteAs(ctx, res, t, { kind: 'deleteDeployment', namespace: t.namespace, name: t.name }),
    patch: patchDeployment,
  },
  'deployments/scale': {
    get: (_ctx, _req, res, t) => sendJson(res, 200, scaleOf(t.current.obj)),
    patch: setScale,
    update: setScale,
  },
};

const METHOD_VERBS: Partial<Record<string, Verb>> = { GET: 'get', DELETE: 'delete', PATCH: 'patch', PUT: 'update' };

/** Whether a request for this subresource of `type` is served here, whatever its method (a GET reads a Scale). */
export function servesSubresource(type: ResourceType, subresource: string): boolean {
  return Object.hasOwn(WRITES, `${type.name}/${subresource}`);
}

/**
 * The few writes kubectl users reach for in a demo (see WRITES). Everything else is 405, as on a read-only server.
 */
export async function serveWrite(ctx: WriteContext, req: IncomingMessage, res: ServerResponse, type: ResourceType, namespace: string | undefined, name: string | undefined, sub: string[]): Promise<void> {
  const method = req.method ?? 'GET';
  if (!name) return methodNotAllowed(res, method);
  const path = sub.length ? `${type.name}/${sub.join('/')}` : type.name;
  const verbs: Partial<Record<Verb, Write>> | undefined = Object.hasOwn(WRITES, path) ? WRITES[path as WritablePath] : undefined;
  const verb = METHOD_VERBS[method];
  const write = verb && verbs?.[verb];
  // For a DELETE and for a writable subresource, a missing object is 404 even where the method is not served.
  if (!write && (sub.length ? !verbs : method !== 'DELETE')) return methodNotAllowed(res, method);
  const dryRun = new URL(req.url ?? '/', 'http://simulator').searchParams.getAll('dryRun');
  // A DELETE carries its options (DeleteOptions) in the body, as kubectl sends them; other writes in the query.
  if (method === 'DELETE') {
    const options = (await readJson(req)) as { dryRun?: unknown } | undefined;
    if (options?.dryRun !== undefined) dryRun.push(...(Array.isArray(options.dryRun) ? options.dryRun.map(String) : [String(options.dryRun)]));
  }
  const unsupported = dryRun.find((v) => v !== 'All');
  if (unsupported !== undefined) {
    return sendStatus(res, 400, 'BadRequest', `dryRun: Unsupported value: ${JSON.stringify(unsupported)}: supported values: "All"`);
  }
  const key = namespace ? `${namespace}/${name}` : name;
  const current = ctx.store.get(type.name, key);
  if (!current) return notFound(res, type, name);
  if (!write) return methodNotAllowed(res, method);
  return write(ctx, req, res, { type, namespace: namespace ?? '', name, key, current, dryRun: dryRun.length > 0 });
}

async function deleteAs(ctx: WriteContext, res: ServerResponse, t: Target, change: SimChange): Promise<void> {
  if (!t.dryRun) await ctx.apply(change);
  const deleted: K8sObject = { ...t.current.obj, metadata: { ...t.current.obj.metadata, deletionTimestamp: timestamp(ctx.now()), deletionGracePeriodSeconds: 0 } };
  if (t.type.name === 'namespaces') deleted.status = { phase: 'Terminating' };
  sendJson(res, 200, deleted);
}

/** `kubectl scale`: PATCH or PUT of the deployment's Scale. */
async function setScale(ctx: WriteContext, req: IncomingMessage, res: ServerResponse, t: Target): Promise<void> {
  const replicas = ((await readJson(req)) as { spec?: { replicas?: unknown } } | undefined)?.spec?.replicas;
  if (!Number.isInteger(replicas) || (replicas as number) < 0) {
    return sendStatus(res, 422, 'Invalid', `Scale.autoscaling "${t.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  }
  if (t.dryRun) return sendJson(res, 200, scaleOf(t.current.obj, replicas as number));
  await ctx.apply({ kind: 'scaleDeployment', namespace: t.namespace, name: t.name, replicas: replicas as number });
  sendJson(res, 200, scaleOf(ctx.store.get('deployments', t.key)!.obj));
}

/**
 * `kubectl set image` and `kubectl rollout restart` patch the pod template: either a container image or the
 * `kubectl.kubernetes.io/restartedAt` annotation. Both become a rollout.
 */
async function patchDeployment(ctx: WriteContext, req: IncomingMessage, res: ServerResponse, t: Target): Promise<void> {
  const d = t.current;
  const template = ((await readJson(req)) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: { name?: string; image?: string }[] } } } } | undefined)?.spec?.template;
  const containers = template?.spec?.containers ?? [];
  const annotations = template?.metadata?.annotations;
  const first = d.obj.spec.template.spec.containers[0].name;
  const images = containers.filter((c) => c.image);
  if (images.some((c) => c.name !== first) || (!images.length && !annotations?.['kubectl.kubernetes.io/restartedAt'])) {
    return sendStatus(res, 422, 'Invalid', `Deployment.apps "${t.name}" is invalid: the simulator applies only an image change of container "${first}" or a restart (kubectl.kubernetes.io/restartedAt)`);
  }
  const currentImage = d.obj.spec.template.spec.containers[0].image;
  // Setting the image it already has changes nothing, as on a real cluster.
  if (!annotations && images[0].image === currentImage) return sendJson(res, 200, d.obj);
  if (t.dryRun) {
    // The deployment as the patch would leave it; its rollout (a new ReplicaSet, new pods) does not happen.
    const patched = structuredClone(d.obj);
    patched.spec.template.spec.containers[0].image = images[0]?.image ?? currentImage;
    if (annotations) patched.spec.template.metadata = { ...patched.spec.template.metadata, annotations: { ...patched.spec.template.metadata?.annotations, ...annotations } };
    return sendJson(res, 200, patched);
  }
  await ctx.apply({ kind: 'rollout', namespace: t.namespace, name: t.name, image: images[0]?.image ?? currentImage, ...(annotations ? { templateAnnotations: annotations } : {}) });
  return sendJson(res, 200, ctx.store.get('deployments', t.key)!.obj);
}

/** The deployment's Scale; with `replicas`, as a scale to that many would leave it (a dry run). */
function scaleOf(d: K8sObject, replicas: number = d.spec.replicas): Record<string, unknown> {
  const m = d.metadata;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas },
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
