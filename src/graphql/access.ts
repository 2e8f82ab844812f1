import { forbidden, unauthenticated } from './errors.js';
import { ROLES, type Role } from './roles.js';

/** Who is asking: resolved from the API token on every request and every graphql-ws connection. */
export interface AuthContext {
  organizationId: string;
  role: Role;
  tokenId: string;
}

export function hasRole(auth: AuthContext, role: Role): boolean {
  return ROLES.indexOf(auth.role) >= ROLES.indexOf(role);
}

/**
 * The caller's identity when it holds at least `role` (viewer < editor < admin). Throws UNAUTHENTICATED
 * without a token and FORBIDDEN with a weaker one.
 */
export function requireRole(ctx: { auth: AuthContext | null; authError?: string }, role: Role): AuthContext {
  const auth = ctx.auth;
  if (!auth) throw unauthenticated(ctx.authError ?? 'An API token is required: send "Authorization: Bearer <token>"');
  if (!hasRole(auth, role)) throw forbidden(`This requires the ${role} role; the token has the ${auth.role} role`);
  return auth;
}
