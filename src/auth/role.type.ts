import { registerEnumType } from 'type-graphql';

/** GraphQL names of the roles; the values are the stored ones (`viewer`, `editor`, `admin`). */
export const RoleEnum = { VIEWER: 'viewer', EDITOR: 'editor', ADMIN: 'admin' } as const;

registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What an API token may do. Each role includes the ones before it.',
  valuesConfig: {
    VIEWER: { description: 'Read everything in the organisation.' },
    EDITOR: { description: 'Also register, update and resync clusters.' },
    ADMIN: { description: 'Also manage API tokens, set pricing and remove clusters.' },
  },
});
