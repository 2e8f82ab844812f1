import http from 'node:http';
import { ADDRESS_NOT_ALLOWED } from './api-server-address.js';

/**
 * A kubeconfig that cannot be used: the message names the problem and never quotes secret material.
 * `problem`: the document itself is wrong (`invalid`), the context cannot be found (`context`), its
 * credentials cannot be obtained (`credentials`, e.g. a failing exec plugin), they are of a kind this
 * caller may not use (`policy`), or they sit in the server URL (`url-credentials`).
 */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
  constructor(
    message: string,
    readonly problem: 'invalid' | 'context' | 'credentials' | 'policy' | 'url-credentials' = 'invalid',
  ) {
    super(message);
  }
}

/**
 * The Kubernetes API answered with an error (`status` is the HTTP status, `reason`/`code` come from the
 * returned Status object), or — as the subclass {@link KubeTransportError} — never answered at all.
 */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export type TransportReason = 'ConnectionRefused' | 'DNSLookupFailed' | 'Timeout' | 'TLSError' | 'ConnectionReset' | 'NetworkError' | 'AddressNotAllowed';

/** No HTTP answer: refused, unresolvable, timed out, TLS rejected or cut. `status` and `code` are 0. */
export class KubeTransportError extends KubeApiError {
  override name = 'KubeTransportError';
  constructor(
    message: string,
    override readonly reason: TransportReason,
    /** The node error code, e.g. ECONNREFUSED or ERR_TLS_CERT_ALTNAME_INVALID. */
    readonly errno: string | undefined,
  ) {
    super(message, 0, reason, 0);
  }
}

const TLS_ERROR_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

/** Plain-language description of a TLS verification failure, keyed by node's error code. */
function describeTlsFailure(errno: string): string {
  switch (errno) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'HOSTNAME_MISMATCH':
      return "the server's certificate does not match its host name";
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return "the server's certificate is not signed by a trusted certificate authority (check certificate-authority-data)";
    case 'CERT_HAS_EXPIRED':
      return "the server's certificate has expired";
    case 'CERT_NOT_YET_VALID':
      return "the server's certificate is not valid yet";
    default:
      return 'the TLS handshake failed';
  }
}

export function toTransportError(err: unknown, server: string): KubeTransportError {
  const e = err as NodeJS.ErrnoException;
  const errno = typeof e?.code === 'string' ? e.code : undefined;
  if (errno && (TLS_ERROR_CODES.has(errno) || errno.startsWith('ERR_SSL_') || errno.startsWith('ERR_TLS_'))) {
    return new KubeTransportError(`TLS failure talking to ${server}: ${describeTlsFailure(errno)} (${errno})`, 'TLSError', errno);
  }
  switch (errno) {
    case ADDRESS_NOT_ALLOWED:
      return new KubeTransportError(
        `the address of ${server} is not allowed as an API server (KUBEGRAPH_API_SERVER_DENY, KUBEGRAPH_API_SERVER_ALLOW)`,
        'AddressNotAllowed',
        errno,
      );
    case 'ECONNREFUSED':
      return new KubeTransportError(`cannot connect to ${server}: connection refused (ECONNREFUSED)`, 'ConnectionRefused', errno);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new KubeTransportError(`cannot resolve the host of ${server} (${errno})`, 'DNSLookupFailed', errno);
    case 'ETIMEDOUT':
      return new KubeTransportError(`connection to ${server} timed out (ETIMEDOUT)`, 'Timeout', errno);
    case 'ECONNRESET':
    case 'EPIPE':
      return new KubeTransportError(`connection to ${server} was reset (${errno})`, 'ConnectionReset', errno);
    default:
      return new KubeTransportError(
        `cannot reach ${server}${errno ? ` (${errno})` : ''}: ${e instanceof Error ? e.message : String(e)}`,
        'NetworkError',
        errno,
      );
  }
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export function apiError(status: number, body: string, method: string, path: string): KubeApiError {
  let parsed: StatusBody | undefined;
  try {
    parsed = JSON.parse(body) as StatusBody;
  } catch {
    parsed = undefined;
  }
  const reason = parsed?.reason || http.STATUS_CODES[status]?.replace(/\s+/g, '') || 'Unknown';
  const code = typeof parsed?.code === 'number' ? parsed.code : status;
  const detail = parsed?.message ?? (body.length > 0 && body.length <= 200 ? body.trim() : http.STATUS_CODES[status] ?? '');
  return new KubeApiError(`${method} ${path} failed: HTTP ${status} ${reason}${detail ? `: ${detail}` : ''}`, status, reason, code);
}

