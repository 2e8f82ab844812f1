import { ErrorCode } from '../graphql/errors.js';
import type { GraphQLMetrics } from './metrics-registry.js';

/**
 * Counts the errors of an answer on /metrics, by operation type and the code the client gets (an error without
 * one counts as INTERNAL_SERVER_ERROR). HTTP answers and graphql-ws results and refusals all count here.
 */
export function countErrors(metrics: GraphQLMetrics, operationType: string, codes: readonly unknown[]): void {
  for (const code of codes) {
    metrics.errors.inc({ operation_type: operationType, code: typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR });
  }
}
