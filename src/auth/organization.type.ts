import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { toGlobalId } from '../graphql/relay/global-id.js';
import { Node } from '../graphql/relay/node.js';
import type { OrganizationRecord } from './api-token.service.js';

@ObjectType({ implements: Node, description: 'A tenant: owns clusters and API tokens. A token sees only its own organisation.' })
export class Organization implements Node {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  @Field({ description: 'Unique organisation name.' })
  name: string;

  @Field(() => GraphQLDateTime, { description: 'When the organisation was created.' })
  createdAt: Date;

  static from(record: OrganizationRecord): Organization {
    return Object.assign(new Organization(), { id: toGlobalId('Organization', record.id), name: record.name, createdAt: record.createdAt });
  }
}
