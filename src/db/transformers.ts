import type { ValueTransformer } from 'typeorm';

/**
 * node-postgres returns bigint and numeric as strings (they can exceed a double). Our bigints are
 * bytes and millicores, far below 2^53, and costs are compared as numbers, so entities expose numbers.
 */
export const numberTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};
