import { forbidden, unauthenticated } from '../server/errors.js';

export type Role = 'viewer' | 'editor' | 'admin';

export const ROLES: readonly Role[] = ['viewer', 'editor', 'admin'];

/** Who is asking: resolved from the API token on every request and every graphql-ws connection. */
export interface AuthContext {
  organizationId: string;
  role: Role;
  tokenId: string;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && value in RANK;
}

export function hasRole(auth: AuthContext, role: Role): boolean {
  return RANK[auth.role] >= RANK[role];
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
