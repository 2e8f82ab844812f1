import { Field, Float, InputType, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'Prices used to turn resource usage into cost for one cluster (OpenCost-compatible).' })
export class ClusterPricing {
  @Field(() => Float, { description: 'Price of one vCPU core for one hour, in `currency`.' })
  cpuCoreHour: number;

  @Field(() => Float, { description: 'Price of one GiB (2^30 bytes) of memory for one hour, in `currency`.' })
  ramGiBHour: number;

  @Field(() => Float, { description: 'Price of one GiB of persistent storage for one month, in `currency`.' })
  storageGiBMonth: number;

  @Field(() => Float, { description: 'Price of one GiB of network egress to another zone of the same region, in `currency`.' })
  egressZoneGiB: number;

  @Field(() => Float, { description: 'Price of one GiB of network egress to another region, in `currency`.' })
  egressRegionGiB: number;

  @Field(() => Float, { description: 'Price of one GiB of network egress to the internet, in `currency`.' })
  egressInternetGiB: number;

  @Field({ description: 'ISO 4217 currency code of every price above (for example USD).' })
  currency: string;

  @Field({ description: 'True when no prices were set for the cluster and the defaults apply.' })
  isDefault: boolean;
}

@InputType({ description: 'Prices for one cluster; every price is a finite, non-negative number in `currency`.' })
export class ClusterPricingInput {
  @Field(() => Float, { description: 'Price of one vCPU core for one hour.' })
  cpuCoreHour: number;

  @Field(() => Float, { description: 'Price of one GiB of memory for one hour.' })
  ramGiBHour: number;

  @Field(() => Float, { description: 'Price of one GiB of persistent storage for one month.' })
  storageGiBMonth: number;

  @Field(() => Float, { description: 'Price of one GiB of egress to another zone.' })
  egressZoneGiB: number;

  @Field(() => Float, { description: 'Price of one GiB of egress to another region.' })
  egressRegionGiB: number;

  @Field(() => Float, { description: 'Price of one GiB of egress to the internet.' })
  egressInternetGiB: number;

  @Field({ description: 'ISO 4217 currency code, three upper-case letters. Defaults to USD.', defaultValue: 'USD' })
  currency: string;
}
