import { gunzipSync } from 'node:zlib';

/**
 * Helm 3 stores each release revision in a Secret of type `helm.sh/release.v1`: `data.release` is base64 (the API's
 * encoding of secret data) of base64 of gzip of the release JSON. Decoding is pure so it can be tested on its own.
 */

export class HelmReleaseDecodeError extends Error {
  override name = 'HelmReleaseDecodeError';
}

export interface DecodedHelmRelease {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chartName: string | null;
  chartVersion: string | null;
  appVersion: string | null;
  /** User-supplied values only (`config`), not the chart's defaults. */
  values: Record<string, unknown>;
  firstDeployed: Date | null;
  lastDeployed: Date | null;
  description: string | null;
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

interface HelmReleaseJson {
  name?: string;
  namespace?: string;
  version?: number;
  info?: { status?: string; first_deployed?: string; last_deployed?: string; description?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
  config?: Record<string, unknown> | null;
}

function date(value: string | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Decodes `data.release` exactly as the Kubernetes API returns it (still base64 once for the API). */
export function decodeHelmReleaseData(apiEncoded: string): DecodedHelmRelease {
  if (typeof apiEncoded !== 'string' || apiEncoded.length === 0) {
    throw new HelmReleaseDecodeError('secret has no data.release');
  }
  const helmEncoded = Buffer.from(apiEncoded, 'base64').toString('latin1');
  let payload = Buffer.from(helmEncoded, 'base64');
  if (payload.length >= 3 && GZIP_MAGIC.every((b, i) => payload[i] === b)) {
    try {
      payload = gunzipSync(payload);
    } catch (err) {
      throw new HelmReleaseDecodeError(`release payload is not valid gzip: ${(err as Error).message}`);
    }
  }
  let json: HelmReleaseJson;
  try {
    json = JSON.parse(payload.toString('utf8')) as HelmReleaseJson;
  } catch {
    throw new HelmReleaseDecodeError('release payload is not JSON after base64 and gzip decoding');
  }
  if (!json || typeof json !== 'object' || typeof json.name !== 'string' || typeof json.version !== 'number') {
    throw new HelmReleaseDecodeError('release JSON lacks a name or a version');
  }
  const meta = json.chart?.metadata ?? {};
  return {
    name: json.name,
    namespace: json.namespace ?? '',
    revision: json.version,
    status: json.info?.status ?? 'unknown',
    chartName: meta.name ?? null,
    chartVersion: meta.version ?? null,
    appVersion: meta.appVersion ?? null,
    values: json.config && typeof json.config === 'object' ? json.config : {},
    firstDeployed: date(json.info?.first_deployed),
    lastDeployed: date(json.info?.last_deployed),
    description: json.info?.description ?? null,
  };
}
