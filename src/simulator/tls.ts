import { generate } from 'selfsigned';

export interface ServingCertificate {
  caCert: string;
  cert: string;
  key: string;
}

let shared: Promise<ServingCertificate> | undefined;

/**
 * A CA and a serving certificate for 127.0.0.1 / localhost / ::1, generated once per process
 * (EC P-256, so it is quick) and shared by every simulated cluster in it.
 */
export function servingCertificate(): Promise<ServingCertificate> {
  shared ??= create().catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

async function create(): Promise<ServingCertificate> {
  const notBeforeDate = new Date(Date.now() - 3_600_000);
  const notAfterDate = new Date(Date.now() + 365 * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: 'kubegraph-simulator-ca' }], {
    keyType: 'ec', algorithm: 'sha256', notBeforeDate, notAfterDate,
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }],
  });
  const server = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec', algorithm: 'sha256', notBeforeDate, notAfterDate, ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 2, value: 'kubernetes.default.svc' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { caCert: ca.cert, cert: server.cert, key: server.private };
}
