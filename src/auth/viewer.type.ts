import { Field, ObjectType } from 'type-graphql';
import type { AuthContext } from '../graphql/access.js';
import { RoleEnum } from './role.type.js';
import type { Role } from '../graphql/roles.js';

@ObjectType({ description: 'Who is asking: the API token of this request, its role and organisation.' })
export class Viewer {
  /** The request's identity; `organization` and `token` are resolved from it when selected. */
  auth: AuthContext;

  @Field(() => RoleEnum, { description: 'The token\'s role.' })
  role: Role;

  static from(auth: AuthContext): Viewer {
    return Object.assign(new Viewer(), { auth, role: auth.role });
  }
}
