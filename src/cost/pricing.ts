/** Cluster prices: the defaults from the cost model and validation of prices set by an admin. */
import type { ClusterPricing } from './cluster-pricing.type.js';

export interface Pricing {
  cpuCoreHour: number;
  ramGiBHour: number;
  storageGiBMonth: number;
  egressZoneGiB: number;
  egressRegionGiB: number;
  egressInternetGiB: number;
  currency: string;
}

/** OpenCost-compatible defaults, used when a cluster has no prices of its own. */
export const DEFAULT_PRICING: Readonly<Pricing> = Object.freeze({
  cpuCoreHour: 0.031611,
  ramGiBHour: 0.004237,
  storageGiBMonth: 0.04,
  egressZoneGiB: 0.01,
  egressRegionGiB: 0.01,
  egressInternetGiB: 0.12,
  currency: 'USD',
});

const PRICE_KEYS = ['cpuCoreHour', 'ramGiBHour', 'storageGiBMonth', 'egressZoneGiB', 'egressRegionGiB', 'egressInternetGiB'] as const;

/** Returns the problems with `pricing` (empty when valid), each naming the field. */
export function pricingProblems(pricing: Pricing): string[] {
  const problems: string[] = [];
  for (const key of PRICE_KEYS) {
    const value = pricing[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${key} must be a finite number`);
    else if (value < 0) problems.push(`${key} must not be negative (got ${value})`);
  }
  if (!/^[A-Z]{3}$/.test(pricing.currency)) problems.push(`currency must be an ISO 4217 code such as USD (got "${pricing.currency}")`);
  return problems;
}

/** The prices in force for a cluster: its stored prices, or the defaults when none (or only a malformed value) are stored. */
export function effectivePricing(stored: unknown): ClusterPricing {
  if (stored && typeof stored === 'object') {
    const s = stored as Partial<Pricing>;
    const candidate: Pricing = {
      cpuCoreHour: Number(s.cpuCoreHour),
      ramGiBHour: Number(s.ramGiBHour),
      storageGiBMonth: Number(s.storageGiBMonth),
      egressZoneGiB: Number(s.egressZoneGiB),
      egressRegionGiB: Number(s.egressRegionGiB),
      egressInternetGiB: Number(s.egressInternetGiB),
      currency: typeof s.currency === 'string' ? s.currency : DEFAULT_PRICING.currency,
    };
    if (pricingProblems(candidate).length === 0) return { ...candidate, isDefault: false };
  }
  return { ...DEFAULT_PRICING, isDefault: true };
}
