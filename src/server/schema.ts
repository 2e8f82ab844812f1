import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver.js';
import { ClusterStatusChangedResolver } from '../events/cluster-status-changed.resolver.js';
import { PodChangedResolver } from '../events/pod-changed.resolver.js';
import { NodeResolver } from './relay/node.resolver.js';

/** Every resolver class of the API; each domain adds its own line here. */
const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  AuthResolver,
  PodChangedResolver,
  ClusterStatusChangedResolver,
];

export async function buildKubegraphSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Input classes may carry class-validator constraints; objects without them pass as they are.
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  });
}
