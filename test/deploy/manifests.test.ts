import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/common/config.js';
import { CLUSTER_API_PATHS, FALLBACK_COLLECTIONS, WATCHED_COLLECTIONS } from '../../src/sync/cluster-api-paths.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'deploy/kubernetes');
const run = promisify(execFile);

type Doc = Record<string, any>;

const load = (file: string): Doc[] => yaml.loadAll(fs.readFileSync(path.join(DIR, file), 'utf8')).filter((d): d is Doc => d !== null && d !== undefined);
const kustomization = load('kustomization.yaml')[0]!;
const base: Doc[] = (kustomization.resources as string[]).flatMap(load);
const only = (docs: Doc[], kind: string): Doc => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

/** The RBAC attributes kube-apiserver derives from a GET (its RequestInfoFactory): a verb and a resource, or a non-resource path. */
interface Attributes {
  verb: string;
  apiGroup?: string;
  resource?: string;
  path?: string;
}

function requestAttributes(request: string): Attributes {
  const url = new URL(request, 'https://api.invalid');
  const seg = url.pathname.split('/').filter(Boolean);
  if (seg[0] !== 'api' && seg[0] !== 'apis') return { verb: 'get', path: url.pathname };
  const apiGroup = seg[0] === 'api' ? '' : seg[1]!;
  let rest = seg.slice(seg[0] === 'api' ? 2 : 3);
  // A namespaced path (/namespaces/NS/RESOURCE/…); /namespaces/NS alone is a namespace itself.
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource, name, subresource] = rest;
  const watch = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
  const verb = name !== undefined ? 'get' : watch ? 'watch' : 'list';
  return { verb, apiGroup, resource: subresource ? `${resource}/${subresource}` : resource };
}

const key = (a: Attributes) => (a.path !== undefined ? `${a.verb} ${a.path}` : `${a.verb} ${a.apiGroup}/${a.resource}`);

/** Every request of the sync: each watched collection (or its fallback) listed and watched, plus its single GETs (any arguments). */
function syncRequests(): string[] {
  const requests = [...Object.values(WATCHED_COLLECTIONS), ...Object.values(FALLBACK_COLLECTIONS)].flatMap((p) => [`${p}?limit=500`, `${p}?watch=1&allowWatchBookmarks=true`]);
  for (const build of Object.values(CLUSTER_API_PATHS)) requests.push((build as (...a: string[]) => string)('some-namespace', 'some-name'));
  return requests;
}

/** What a rule grants, one attribute key per verb and resource (or path). */
function grants(rule: Doc): string[] {
  if (rule.nonResourceURLs) return (rule.nonResourceURLs as string[]).flatMap((p) => (rule.verbs as string[]).map((verb) => key({ verb, path: p })));
  return (rule.apiGroups as string[]).flatMap((apiGroup) =>
    (rule.resources as string[]).flatMap((resource) => (rule.verbs as string[]).map((verb) => key({ verb, apiGroup, resource }))),
  );
}

describe('deploy/kubernetes', () => {
  it('reads request paths as the API server authorises them', () => {
    expect(requestAttributes('/api/v1/pods?limit=500')).toEqual({ verb: 'list', apiGroup: '', resource: 'pods' });
    expect(requestAttributes('/apis/apps/v1/deployments?watch=1')).toEqual({ verb: 'watch', apiGroup: 'apps', resource: 'deployments' });
    expect(requestAttributes('/api/v1/namespaces/ns/secrets/sh.helm.release.v1.a.v2')).toEqual({ verb: 'get', apiGroup: '', resource: 'secrets' });
    expect(requestAttributes('/api/v1/namespaces/ns')).toEqual({ verb: 'get', apiGroup: '', resource: 'namespaces' });
    expect(requestAttributes('/api/v1/nodes/n-1/proxy/stats/summary')).toEqual({ verb: 'get', apiGroup: '', resource: 'nodes/proxy' });
    // A GET of a collection is a list, metrics.k8s.io's too.
    expect(requestAttributes('/apis/metrics.k8s.io/v1beta1/nodes')).toEqual({ verb: 'list', apiGroup: 'metrics.k8s.io', resource: 'nodes' });
    expect(requestAttributes('/version')).toEqual({ verb: 'get', path: '/version' });
  });

  it('grants the service account exactly what the sync requests: every request allowed, no grant beyond them', () => {
    const role = only(base, 'ClusterRole');
    const rules = role.rules as Doc[];
    for (const rule of rules) {
      expect(JSON.stringify(rule)).not.toContain('*');
      expect(rule.resourceNames).toBeUndefined();
    }
    const needed = new Set(syncRequests().map((r) => key(requestAttributes(r))));
    const granted = rules.flatMap(grants);
    // No grant twice (a rule overlapping another).
    expect(granted.length).toBe(new Set(granted).size);
    expect(granted.sort()).toEqual([...needed].sort());
    // As the sync's own declaration lists them: 14 collections and 1 fallback (list, watch), metrics (list), the node proxy,
    // one secret, /version.
    expect(needed.size).toBe(15 * 2 + 2 + 1 + 1 + 1);

    const account = only(base, 'ServiceAccount');
    const binding = only(base, 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
    expect(only(base, 'Deployment').spec.template.spec.serviceAccountName).toBe(account.metadata.name);
  });

  it('runs 2 replicas as the image user, locked down, probed on /healthz and /readyz, with its secrets from a Secret', () => {
    const deployment = only(base, 'Deployment');
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const [container, ...others] = pod.containers as Doc[];
    expect(others).toEqual([]);

    // The numeric user of the image (USER in the Dockerfile), so that runAsNonRoot can be verified by the kubelet.
    const user = /^USER (\d+):(\d+)$/m.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    expect(user).not.toBeNull();
    const [uid, gid] = [Number(user![1]), Number(user![2])];
    expect(uid).toBeGreaterThan(0);
    for (const ctx of [pod.securityContext, container!.securityContext]) {
      expect(ctx).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, seccompProfile: { type: 'RuntimeDefault' } });
    }
    expect(container!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    // The one writable place is an emptyDir.
    const tmp = (container!.volumeMounts as Doc[]).find((m) => m.mountPath === '/tmp');
    expect((pod.volumes as Doc[]).find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(container!.volumeMounts).toHaveLength(1);

    // Probes on the port serve listens on (PORT is not set, so its default).
    const env = container!.env as Doc[];
    expect(env.map((e) => e.name)).not.toContain('PORT');
    expect(container!.ports).toEqual([{ name: 'http', containerPort: loadConfig({}).port }]);
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container!.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container!.resources.limits.memory).toEqual(expect.any(String));
    // serve's own shutdown deadline (KUBEGRAPH_SHUTDOWN_GRACE, default) ends before the kubelet's SIGKILL.
    expect(loadConfig({}).shutdownGraceMs).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);

    // The database and the kubeconfig key come from the example Secret's keys, under the names config reads.
    const secret = only(load('secret.example.yaml'), 'Secret');
    expect(secret.metadata.namespace).toBe(deployment.metadata.namespace);
    const fromSecret = env.filter((e) => e.valueFrom?.secretKeyRef);
    expect(fromSecret.map((e) => e.name).sort()).toEqual(['BYOK_ENCRYPTION_KEY', 'DATABASE_URL']);
    for (const e of fromSecret) {
      expect(e.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(e.valueFrom.secretKeyRef.key);
    }
    const sample: Record<string, string> = { DATABASE_URL: 'postgresql://kubegraph@db:5432/kubegraph', BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    const config = loadConfig(Object.fromEntries(fromSecret.map((e) => [e.name, sample[e.name]!])));
    expect(config.databaseUrl).toBe(sample.DATABASE_URL);
    expect(config.encryptionKey?.toString('base64')).toBe(sample.BYOK_ENCRYPTION_KEY);
    expect(env.find((e) => e.name === 'KUBEGRAPH_IN_CLUSTER_NAME')?.value).toMatch(/^[a-z0-9][a-z0-9-]*$/);
  });

  it('puts everything in the kustomization namespace, with a Service and a disruption budget selecting the pods', () => {
    const deployment = only(base, 'Deployment');
    const podLabels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(podLabels);
    const namespace = only(base, 'Namespace').metadata.name;
    expect(kustomization.namespace).toBe(namespace);
    for (const doc of base) if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(doc.kind)) expect(doc.metadata.namespace, doc.kind).toBe(namespace);

    const service = only(base, 'Service');
    expect(service.spec.selector).toEqual(podLabels);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    const pdb = only(base, 'PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(podLabels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);

    // The ServiceMonitor stays outside the base (its CRD may not exist) and scrapes the Service's port.
    const monitor = only(load('service-monitor.yaml'), 'ServiceMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect(monitor.spec.endpoints).toMatchObject([{ port: 'http', path: '/metrics' }]);
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.filter((f) => f !== 'kustomization.yaml' && !kustomization.resources.includes(f)).sort()).toEqual(['secret.example.yaml', 'service-monitor.yaml']);
  });

  const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => fs.existsSync(p));
  it.skipIf(!kubectl)('builds with kustomize (kubectl kustomize) into the same objects', async () => {
    const { stdout } = await run(kubectl!, ['kustomize', DIR]);
    const built = yaml.loadAll(stdout) as Doc[];
    expect(built.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(base.map((d) => `${d.kind}/${d.metadata.name}`).sort());
    // The image the Dockerfile builds, tagged with this version until an overlay or `kustomize edit set image` says otherwise.
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(only(built, 'Deployment').spec.template.spec.containers[0].image).toBe(`kubegraph:${version}`);
    expect(only(built, 'ClusterRole').rules).toEqual(only(base, 'ClusterRole').rules);
  });
});
