import { registerEnumType } from 'type-graphql';
import type { Role } from '../graphql/roles.js';

/** GraphQL names of the roles (ROLES in upper case); the values are the stored ones. */
export const RoleEnum: { readonly [R in Role as Uppercase<R>]: R } = { VIEWER: 'viewer', EDITOR: 'editor', ADMIN: 'admin' };

registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What an API token may do. Each role includes the ones before it.',
  valuesConfig: {
    VIEWER: { description: 'Read everything in the organisation.' },
    EDITOR: { description: 'Also register, update and resync clusters.' },
    ADMIN: { description: 'Also manage API tokens, set pricing and remove clusters.' },
  },
});
