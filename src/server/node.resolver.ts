import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { requireRole } from '../graphql/access.js';
import { badInput } from '../graphql/errors.js';
import { fromGlobalId } from '../graphql/relay/global-id.js';
import { loadNode, Node } from '../graphql/relay/node.js';

/** Largest `nodes(ids:)` request; the complexity limit counts each id as one object. */
export const MAX_NODE_IDS = 500;

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global id; null when it does not exist or belongs to another organisation.' })
  async node(@Arg('id', () => ID, { description: 'A global id.' }) id: string, @Ctx() context: GraphQLContext): Promise<object | null> {
    requireRole(context, 'viewer');
    const decoded = fromGlobalId(id);
    return loadNode(decoded.type, decoded.id, context);
  }

  @Query(() => [Node], { nullable: 'items', description: 'Several objects by global id, in the order asked; null for each that does not exist.' })
  async nodes(@Arg('ids', () => [ID], { description: 'Global ids.' }) ids: string[], @Ctx() context: GraphQLContext): Promise<Array<object | null>> {
    requireRole(context, 'viewer');
    if (ids.length > MAX_NODE_IDS) throw badInput(`Argument "ids" must not hold more than ${MAX_NODE_IDS} ids (got ${ids.length})`, { argumentName: 'ids' });
    const decoded = ids.map((id, i) => fromGlobalId(id, undefined, `ids[${i}]`));
    return Promise.all(decoded.map((d) => loadNode(d.type, d.id, context)));
  }
}
