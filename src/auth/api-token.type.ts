import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { connectionType } from '../graphql/relay/connection.js';
import { toGlobalId } from '../graphql/relay/global-id.js';
import { Node } from '../graphql/relay/node.js';
import type { ApiTokenRecord } from './api-token.service.js';
import { RoleEnum } from './role.type.js';
import type { Role } from '../graphql/roles.js';

@ObjectType({ implements: Node, description: 'An API token. Its secret is shown once, when created, and never again: only a hash is stored.' })
export class ApiToken implements Node {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  @Field({ description: 'Name given at creation, to tell tokens apart.' })
  name: string;

  @Field(() => RoleEnum, { description: 'What the token may do.' })
  role: Role;

  @Field({ description: 'First characters of the secret (`kg_` and six more), to recognise a token without revealing it.' })
  prefix: string;

  @Field(() => GraphQLDateTime, { description: 'When the token was created.' })
  createdAt: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Last time the token authenticated a request (to the minute); null if never used.' })
  lastUsedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the token stops working; null for no expiry.' })
  expiresAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the token was revoked; null while it is not.' })
  revokedAt: Date | null;

  @Field({ description: 'True while the token is neither revoked nor expired.' })
  active: boolean;

  static from(record: ApiTokenRecord, now = new Date()): ApiToken {
    return Object.assign(new ApiToken(), {
      id: toGlobalId('ApiToken', record.id),
      name: record.name,
      role: record.role,
      prefix: record.prefix,
      createdAt: record.createdAt,
      lastUsedAt: record.lastUsedAt,
      expiresAt: record.expiresAt,
      revokedAt: record.revokedAt,
      active: record.revokedAt === null && (record.expiresAt === null || record.expiresAt > now),
    });
  }
}

export const ApiTokenConnection = connectionType('ApiToken', () => ApiToken, 'A page of API tokens, oldest first.');

@ObjectType({ description: 'A new API token and its secret. Store the secret now: it cannot be read again.' })
export class CreateApiTokenPayload {
  @Field(() => ApiToken, { description: 'The token.' })
  token: ApiToken;

  @Field({ description: 'The secret to send as `Authorization: Bearer <secret>`. Returned only here.' })
  secret: string;
}
