import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHelmReleaseData, HelmReleaseDecodeError } from '../../src/sync/helm-release.decoder.js';

// Encoded here by hand, the way Helm 3 and the API server do it, so the decoder is checked against the format.
function encode(release: unknown, gzip = true): string {
  const json = Buffer.from(JSON.stringify(release));
  const helm = (gzip ? gzipSync(json) : json).toString('base64');
  return Buffer.from(helm).toString('base64');
}

const release = {
  name: 'ingress',
  namespace: 'infra',
  version: 7,
  info: {
    status: 'deployed',
    first_deployed: '2026-01-02T03:04:05.123Z',
    last_deployed: '2026-03-04T05:06:07Z',
    description: 'Upgrade complete',
  },
  chart: { metadata: { name: 'ingress-nginx', version: '4.10.1', appVersion: '1.10.1' }, values: { replicaCount: 1 } },
  config: { controller: { replicaCount: 3 } },
  manifest: '---\nkind: Deployment',
};

describe('helm release decoder', () => {
  it('decodes base64 of base64 of gzip of JSON', () => {
    expect(decodeHelmReleaseData(encode(release))).toEqual({
      name: 'ingress',
      namespace: 'infra',
      revision: 7,
      status: 'deployed',
      chartName: 'ingress-nginx',
      chartVersion: '4.10.1',
      appVersion: '1.10.1',
      values: { controller: { replicaCount: 3 } },
      firstDeployed: new Date('2026-01-02T03:04:05.123Z'),
      lastDeployed: new Date('2026-03-04T05:06:07Z'),
      description: 'Upgrade complete',
    });
  });

  it('accepts an uncompressed payload and missing optional parts', () => {
    const d = decodeHelmReleaseData(encode({ name: 'x', version: 1, config: null }, false));
    expect(d).toMatchObject({ name: 'x', revision: 1, status: 'unknown', chartName: null, values: {}, firstDeployed: null });
  });

  it.each([
    ['empty', ''],
    ['not JSON', Buffer.from(Buffer.from('hello').toString('base64')).toString('base64')],
    ['broken gzip', Buffer.from(Buffer.from([0x1f, 0x8b, 0x08, 1, 2, 3]).toString('base64')).toString('base64')],
    ['no version', encode({ name: 'x' })],
  ])('rejects %s', (_label, data) => {
    expect(() => decodeHelmReleaseData(data)).toThrow(HelmReleaseDecodeError);
  });
});
