import type DataLoader from 'dataloader';
import type { LoaderKit } from '../graphql/connection-loader.js';
import { namespaceCostSource } from './namespace-cost.rows.js';
import type { NamespaceCost } from './namespace-cost.type.js';

declare module '../graphql/context.js' {
  interface Loaders {
    /** Key: namespace row id. */
    namespaceCost: DataLoader<string, NamespaceCost | null>;
  }
}

export function costLoaders(kit: LoaderKit) {
  return { namespaceCost: kit.byId(namespaceCostSource, 'namespace_id') };
}
