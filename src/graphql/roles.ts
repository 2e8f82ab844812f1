/**
 * What an API token may do, weakest first; each role includes the ones before it. This module imports nothing,
 * so that the CLI can name the roles without loading GraphQL.
 */
export const ROLES = ['viewer', 'editor', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}
