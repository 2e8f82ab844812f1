import type { AuthContext } from '../graphql/access.js';
import type { ApiTokenService } from '../auth/api-token.service.js';

/** The outcome of reading a request's credentials: who is asking, or why nobody is. */
export interface RequestAuth {
  auth: AuthContext | null;
  /** Why `auth` is null when a credential was sent but refused; undefined when none was sent. */
  authError?: string;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export async function authenticateBearer(header: string | undefined, tokens: ApiTokenService): Promise<RequestAuth> {
  if (header === undefined || header.trim() === '') return { auth: null };
  const m = BEARER.exec(header);
  if (!m) return { auth: null, authError: 'The Authorization header must be "Bearer <token>"' };
  const auth = await tokens.authenticate(m[1]);
  return auth ? { auth } : { auth: null, authError: 'The API token is unknown, revoked or expired' };
}

/**
 * The bearer credential of a graphql-ws `connection_init` payload: `{ authorization: "Bearer …" }`,
 * also accepted capitalised or nested under `headers` as browser clients such as GraphiQL send it.
 */
export function authorizationFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const pick = (o: Record<string, unknown>) => {
    const v = o.authorization ?? o.Authorization;
    return typeof v === 'string' ? v : undefined;
  };
  const direct = pick(params as Record<string, unknown>);
  if (direct !== undefined) return direct;
  const headers = params.headers;
  return headers !== null && typeof headers === 'object' ? pick(headers as Record<string, unknown>) : undefined;
}
