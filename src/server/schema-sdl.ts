import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildKubegraphSchema } from './schema.js';

/** The schema as SDL, types and fields sorted, so the committed schema.graphql diffs cleanly. */
export async function printKubegraphSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildKubegraphSchema()))}\n`;
}
