import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'Cost of one namespace over the last 30 UTC days, today included (view v_k8s_namespace_costs).' })
export class NamespaceCost {
  @Field(() => ID, { description: 'Global id of the namespace.' })
  namespaceId: string;

  /** Row ids; not part of the schema. */
  namespaceRowId: string;
  clusterRowId: string;

  @Field(() => ID, { description: 'Global id of the cluster.' })
  clusterId: string;

  @Field({ description: 'Cluster name.' })
  clusterName: string;

  @Field({ description: 'Namespace name.' })
  namespace: string;

  @Field(() => String, { nullable: true, description: 'Owning team (namespace label).' })
  team: string | null;

  @Field(() => String, { nullable: true, description: 'Cost centre (namespace label).' })
  costCenter: string | null;

  @Field(() => Int, { description: 'Days of the 30 that have cost rows.' })
  daysWithCost: number;

  @Field(() => Float, { description: 'Total cost over the 30 days, in `currency`.' })
  cost30d: number;

  @Field(() => Float, { description: 'Average cost per day that has cost rows, in `currency`.' })
  averageDailyCost: number;

  @Field(() => Float, { description: 'CPU cost over the 30 days, in `currency`.' })
  cpuCost30d: number;

  @Field(() => Float, { description: 'Memory cost over the 30 days, in `currency`.' })
  memoryCost30d: number;

  @Field(() => Float, { description: 'Storage cost over the 30 days, in `currency`.' })
  storageCost30d: number;

  @Field(() => Float, { description: 'Network cost over the 30 days, in `currency`.' })
  networkCost30d: number;

  @Field(() => Float, { description: 'Share of idle node capacity attributed to the namespace over the 30 days, in `currency`.' })
  idleCost30d: number;

  @Field(() => Float, { description: 'CPU core-hours over the 30 days (max of request and usage, per hour).' })
  cpuCoreHours30d: number;

  @Field(() => Float, { description: 'Memory GiB-hours over the 30 days (max of request and usage, per hour).' })
  ramGiBHours30d: number;

  @Field(() => Float, { description: 'Persistent storage GiB-hours over the 30 days.' })
  storageGiBHours30d: number;

  @Field(() => Float, { description: 'Network egress over the 30 days, in GiB.' })
  networkGiB30d: number;

  @Field({ description: 'ISO 4217 currency code of the costs.' })
  currency: string;
}
