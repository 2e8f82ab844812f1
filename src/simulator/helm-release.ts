import { gzipSync } from 'node:zlib';
import type { K8sObject } from './k8s-object.js';
import { buildSecret } from './object-factory.js';
import type { Random } from './random.js';

/** A Helm 3 release as the Helm secrets driver stores it. */
export interface HelmReleaseParams {
  name: string;
  namespace: string;
  chart: string;
  chartVersion: string;
  appVersion: string;
  revision: number;
  status: 'deployed' | 'superseded' | 'failed' | 'uninstalled' | 'pending-upgrade';
  firstDeployed: number;
  lastDeployed: number;
  values: Record<string, unknown>;
  manifest: string;
}

export const HELM_SECRET_TYPE = 'helm.sh/release.v1';

export function helmSecretName(release: string, revision: number): string {
  return `sh.helm.release.v1.${release}.v${revision}`;
}

function helmTime(ms: number): string {
  // Helm marshals Go time.Time: RFC 3339 with nanoseconds.
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function releaseJson(p: HelmReleaseParams): Record<string, unknown> {
  return {
    name: p.name,
    info: {
      first_deployed: helmTime(p.firstDeployed), last_deployed: helmTime(p.lastDeployed), deleted: '',
      description: p.revision === 1 ? 'Install complete' : p.status === 'failed' ? 'Upgrade failed' : 'Upgrade complete',
      status: p.status,
      notes: `${p.chart} has been deployed to namespace ${p.namespace}.`,
    },
    chart: {
      metadata: { name: p.chart, version: p.chartVersion, description: `A Helm chart for ${p.chart}`, apiVersion: 'v2', appVersion: p.appVersion, type: 'application' },
      lock: null,
      templates: [{ name: 'templates/deployment.yaml', data: Buffer.from(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n`).toString('base64') }],
      values: { replicaCount: 1, image: { repository: p.chart, tag: p.appVersion } },
      schema: null,
      files: [],
    },
    config: p.values,
    manifest: p.manifest,
    hooks: [],
    version: p.revision,
    namespace: p.namespace,
  };
}

/** Helm's encoding of `data.release`: gzip, then base64 (the API adds its own base64 on top). */
export function encodeRelease(release: Record<string, unknown>): string {
  return gzipSync(Buffer.from(JSON.stringify(release))).toString('base64');
}

export function buildHelmSecret(rng: Random, p: HelmReleaseParams, created: number): K8sObject {
  const labels: Record<string, string> = {
    createdAt: String(Math.floor(p.lastDeployed / 1000)), name: p.name, owner: 'helm', status: p.status, version: String(p.revision),
  };
  return buildSecret(rng, helmSecretName(p.name, p.revision), p.namespace, HELM_SECRET_TYPE, { release: encodeRelease(releaseJson(p)) }, labels, created);
}
