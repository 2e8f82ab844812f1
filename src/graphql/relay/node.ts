import type { GraphQLInterfaceType, GraphQLSchema } from 'graphql';
import { Field, ID, InterfaceType, type ClassType } from 'type-graphql';
import type { GraphQLContext } from '../context.js';

/**
 * Loads one object of a Node type by its uuid, within the caller's organisation; null when absent or
 * owned by another organisation (the caller cannot tell the two apart).
 */
export type NodeLoader = (uuid: string, context: GraphQLContext) => Promise<object | null>;

interface NodeTypeRegistration {
  typeName: string;
  classRef?: ClassType;
  load: NodeLoader;
}

const registrations = new Map<string, NodeTypeRegistration>();
/** Objects returned by `node(id:)`, with the type their id named; lets plain rows resolve their GraphQL type. */
const typedByNodeQuery = new WeakMap<object, string>();

/**
 * Makes a type reachable through `node(id:)`/`nodes(ids:)`. Call it next to the type's resolver; the
 * type's class must also declare `implements: Node` and expose its global id (`toGlobalId`) as `id`.
 */
export function registerNodeType(registration: NodeTypeRegistration): void {
  if (registrations.has(registration.typeName)) throw new Error(`Node type ${registration.typeName} is registered twice`);
  registrations.set(registration.typeName, registration);
}

export async function loadNode(type: string, uuid: string, context: GraphQLContext): Promise<object | null> {
  const registration = registrations.get(type);
  if (!registration) return null;
  const value = await registration.load(uuid, context);
  if (value !== null) typedByNodeQuery.set(value, type);
  return value;
}

function resolveNodeType(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const named = (value as { __typename?: unknown }).__typename;
  if (typeof named === 'string') return named;
  const fromQuery = typedByNodeQuery.get(value);
  if (fromQuery) return fromQuery;
  for (const registration of registrations.values()) {
    if (registration.classRef && value instanceof registration.classRef) return registration.typeName;
  }
  return undefined;
}

/**
 * type-graphql wraps `resolveType` in an async function; the compiled executor (graphql-jit) does not await
 * type resolvers. The Node type is known synchronously, so the schema gets the plain function back.
 */
export function bindNodeTypeResolver(schema: GraphQLSchema): void {
  (schema.getType('Node') as GraphQLInterfaceType).resolveType = resolveNodeType;
}

@InterfaceType('Node', {
  description: 'An object with a globally unique, opaque id, fetchable with `node(id:)`.',
  resolveType: resolveNodeType,
})
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique opaque id. Pass it to `node(id:)` or to arguments that take this type.' })
  id: string;
}
