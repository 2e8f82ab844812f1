import type { ProviderProfile } from '../provider-profiles.js';
import { pluralOf, RESOURCE_TYPES } from '../resource-types.js';

/** Legacy (non-aggregated) discovery documents; clients that ask for aggregated discovery fall back to these. */

export function versionInfo(profile: ProviderProfile): Record<string, string> {
  const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(profile.gitVersion) as RegExpExecArray;
  const vendor = /-(eks|gke)|\+/.test(profile.gitVersion) && !profile.gitVersion.includes('k3s');
  return {
    major: m[1], minor: vendor ? `${m[2]}+` : m[2], gitVersion: profile.gitVersion, gitCommit: 'a737599f7b4d3fa0b9fd8bcdb5cf10c6fa5f7e21',
    gitTreeState: 'clean', buildDate: '2024-09-12T18:37:46Z', goVersion: 'go1.22.6', compiler: 'gc', platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

const APPS = { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } };
const BATCH = { name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }], preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } };
const EVENTS = { name: 'events.k8s.io', versions: [{ groupVersion: 'events.k8s.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'events.k8s.io/v1', version: 'v1' } };
const METRICS = { name: 'metrics.k8s.io', versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }], preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' } };

export function apiGroupList(eventsApi = true): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: eventsApi ? [APPS, EVENTS, BATCH, METRICS] : [APPS, BATCH, METRICS] };
}

export function apiGroup(name: string): Record<string, unknown> | undefined {
  const g = [APPS, EVENTS, BATCH, METRICS].find((x) => x.name === name);
  return g && { kind: 'APIGroup', apiVersion: 'v1', ...g };
}

export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const groupVersion = group ? `${group}/${version}` : version;
  if (group === 'metrics.k8s.io' && version === 'v1beta1') {
    return {
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion,
      resources: [
        { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
        { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      ],
    };
  }
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const r: Record<string, unknown> = { name: pluralOf(t), singularName: t.singularName, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs };
    if (t.shortNames.length) r.shortNames = t.shortNames;
    if (t.categories) r.categories = t.categories;
    resources.push(r);
    for (const s of t.subresources ?? []) {
      resources.push({ name: `${pluralOf(t)}/${s.name}`, singularName: '', namespaced: t.namespaced, ...(s.group ? { group: s.group, version: s.version } : {}), kind: s.kind, verbs: s.verbs });
    }
  }
  return { kind: 'APIResourceList', groupVersion, resources };
}
