import { gunzipSync } from 'node:zlib';
import { SimulationError } from './cluster-controller.js';
import { buildHelmSecret, encodeRelease, HELM_SECRET_TYPE, helmSecretName } from './helm-release.js';
import type { K8sObject } from './k8s-object.js';
import type { ObjectStore } from './object-store.js';
import type { Random } from './random.js';

const HELM_HISTORY_MAX = 10;

/** A new revision of a release, as `helm upgrade` writes it: the latest secret superseded, a new one deployed. */
export function helmUpgrade(store: ObjectStore, rng: Random, namespace: string, release: string, now: number): void {
  const prefix = `${namespace}/${helmSecretName(release, 0).slice(0, -1)}`;
  const revisions = store.keys('secrets')
    .filter((k) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)))
    .map((k) => ({ key: k, version: Number(k.slice(prefix.length)) }))
    .sort((a, b) => a.version - b.version);
  const latest = revisions.length ? store.get('secrets', revisions[revisions.length - 1].key) : undefined;
  if (!latest) throw new SimulationError(`helm release ${namespace}/${release} not found`);
  const decoded = decodeRelease(latest.obj);
  const revisionNo = Number(latest.obj.metadata.labels?.version) + 1;
  store.update('secrets', latest.key, (s) => {
    s.metadata.labels = { ...s.metadata.labels, status: 'superseded', modifiedAt: String(Math.floor(now / 1000)) };
    s.data.release = Buffer.from(encodeRelease({ ...decoded, info: { ...(decoded.info as object), status: 'superseded' } })).toString('base64');
  });
  const chart = (decoded.chart as any).metadata;
  store.create('secrets', buildHelmSecret(rng, {
    name: release, namespace, chart: chart.name, chartVersion: bumpVersion(chart.version), appVersion: chart.appVersion, revision: revisionNo, status: 'deployed',
    firstDeployed: Date.parse((decoded.info as any).first_deployed), lastDeployed: now, values: { ...(decoded.config as object), revision: revisionNo }, manifest: decoded.manifest as string,
  }, now));
  // Helm's --history-max (10 by default): the oldest revisions' secrets are deleted.
  for (const old of revisions.slice(0, Math.max(0, revisions.length + 1 - HELM_HISTORY_MAX))) store.delete('secrets', old.key);
}

export function decodeRelease(secret: K8sObject): Record<string, unknown> {
  if (secret.type !== HELM_SECRET_TYPE) throw new SimulationError(`secret ${secret.metadata.name} is not a Helm release`);
  const helmPayload = Buffer.from(secret.data.release, 'base64').toString();
  return JSON.parse(gunzipSync(Buffer.from(helmPayload, 'base64')).toString());
}

function bumpVersion(v: string): string {
  const parts = v.split('.');
  parts[parts.length - 1] = String(Number(parts[parts.length - 1]) + 1);
  return parts.join('.');
}
