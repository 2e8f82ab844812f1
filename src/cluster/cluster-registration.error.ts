/**
 * Why a registration, update or removal was refused. Each cause has its own value so that callers (GraphQL
 * `extensions.reason`, CLI exit messages, tests) can tell them apart; nothing is stored when one is thrown.
 */
export type RegistrationFailure =
  | 'INVALID_INPUT'
  | 'INVALID_KUBECONFIG'
  | 'UNKNOWN_CONTEXT'
  | 'CREDENTIALS_NOT_ALLOWED'
  | 'CREDENTIALS_FAILED'
  | 'CREDENTIALS_IN_URL'
  | 'ADDRESS_NOT_ALLOWED'
  | 'UNREACHABLE'
  | 'TLS_FAILURE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'API_ERROR'
  | 'NAME_TAKEN'
  | 'NOT_FOUND';

export class ClusterRegistrationError extends Error {
  override name = 'ClusterRegistrationError';
  constructor(
    message: string,
    readonly reason: RegistrationFailure,
  ) {
    super(message);
  }
}
