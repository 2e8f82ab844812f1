import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { Namespace } from '../inventory/namespace.type.js';
import { NamespaceCost } from './namespace-cost.type.js';

@Resolver(() => Namespace)
export class NamespaceCostResolver {
  @FieldResolver(() => NamespaceCost, { nullable: true, description: 'Cost of the namespace over the last 30 days; null for a namespace deleted more than 30 days ago.' })
  async cost(@Root() namespace: Namespace, @Ctx() context: GraphQLContext): Promise<NamespaceCost | null> {
    return context.loaders.namespaceCost.load(namespace.rowId);
  }
}
