import { decodeHelmReleaseData } from './helm-release.decoder.js';
import type { Obj } from './k8s-fields.js';

export interface HelmReleaseRow {
  namespace: string;
  name: string;
  /** uid of the Secret holding this (latest) revision. */
  uid: string;
  resourceVersion: string | null;
  revision: number;
  status: string;
  chartName: string;
  chartVersion: string | null;
  appVersion: string | null;
  values: Record<string, unknown>;
  firstDeployedAt: string | null;
  lastDeployedAt: string | null;
  deletedAt: string | null;
}

/** A `helm.sh/release.v1` Secret → the release row it describes. */
export function mapHelmReleaseSecret(obj: Obj): HelmReleaseRow {
  const release = decodeHelmReleaseData(obj.data?.release);
  return {
    namespace: release.namespace || obj.metadata.namespace,
    name: release.name,
    uid: obj.metadata.uid,
    resourceVersion: typeof obj.metadata.resourceVersion === 'string' ? obj.metadata.resourceVersion : null,
    revision: release.revision,
    status: release.status,
    chartName: release.chartName ?? '',
    chartVersion: release.chartVersion,
    appVersion: release.appVersion,
    values: release.values,
    firstDeployedAt: release.firstDeployed?.toISOString() ?? null,
    lastDeployedAt: release.lastDeployed?.toISOString() ?? null,
    deletedAt: null,
  };
}
