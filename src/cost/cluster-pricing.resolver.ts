import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import { CLUSTER_COLUMNS, toCluster } from '../cluster/cluster.rows.js';
import { Cluster } from '../cluster/cluster.type.js';
import type { GraphQLContext } from '../graphql/context.js';
import { badInput, notFound } from '../graphql/errors.js';
import { uuidFromGlobalId } from '../graphql/relay/index.js';
import { ClusterPricing, ClusterPricingInput } from './cluster-pricing.type.js';
import { effectivePricing, pricingProblems, type Pricing } from './pricing.js';

// Arguments carry no class-validator constraints, so `validate: false` skips a per-call validation pass.
@Resolver(() => Cluster)
export class ClusterPricingResolver {
  @FieldResolver(() => ClusterPricing, { description: 'Effective prices: those set with setClusterPricing, or the defaults (`isDefault: true`).' })
  pricing(@Root() cluster: Cluster): ClusterPricing {
    return effectivePricing(cluster.pricingRow);
  }

  @Mutation(() => Cluster, {
    description: 'Sets the prices used for a cluster’s cost (admin only); `pricing: null` returns the cluster to the default prices. Returns the cluster with its effective `pricing`.',
  })
  async setClusterPricing(
    @Arg('clusterId', () => ID, { description: 'The Cluster id.' }) clusterId: string,
    @Arg('pricing', () => ClusterPricingInput, { validate: false, nullable: true, description: 'The new prices, or null for the defaults.' }) pricing: ClusterPricingInput | null,
    @Ctx() context: GraphQLContext,
  ): Promise<Cluster> {
    const auth = requireRole(context, 'admin');
    const rowId = uuidFromGlobalId(clusterId, 'Cluster', 'clusterId');
    let stored: Pricing | null = null;
    if (pricing) {
      stored = {
        cpuCoreHour: pricing.cpuCoreHour,
        ramGiBHour: pricing.ramGiBHour,
        storageGiBMonth: pricing.storageGiBMonth,
        egressZoneGiB: pricing.egressZoneGiB,
        egressRegionGiB: pricing.egressRegionGiB,
        egressInternetGiB: pricing.egressInternetGiB,
        currency: pricing.currency,
      };
      const problems = pricingProblems(stored);
      if (problems.length > 0) throw badInput(`Argument "pricing" is invalid: ${problems.join('; ')}`, { argumentName: 'pricing' });
    }
    const rows = await context.dataSource.query(
      `UPDATE k8s_clusters c SET pricing = $1::jsonb, updated_at = now()
       WHERE c.id = $2::uuid AND c.organization_id = $3::uuid
       RETURNING ${CLUSTER_COLUMNS}`,
      [stored === null ? null : JSON.stringify(stored), rowId, auth.organizationId],
    );
    const updated = (rows as unknown[][])[0]?.[0] as Record<string, unknown> | undefined;
    if (!updated) throw notFound(`Cluster "${clusterId}" was not found`);
    context.loaders.cluster.clear(rowId);
    return toCluster(updated);
  }
}
