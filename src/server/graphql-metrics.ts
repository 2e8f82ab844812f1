import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ErrorCode, isClientCode } from '../graphql/errors.js';

/** Distinct operation names reported before further new ones are counted as `other`. */
export const MAX_OPERATION_NAMES = 100;
/** Longer names are counted as `other`: a label value is not the place for a whole query. */
const MAX_OPERATION_NAME_LENGTH = 64;

export type Outcome = 'success' | 'client_error' | 'server_error';

/** An answer's outcome from the codes of its errors: a client's mistake, or one of ours when any error is. */
export function outcomeOf(codes: readonly unknown[]): Outcome {
  if (codes.length === 0) return 'success';
  return codes.every(isClientCode) ? 'client_error' : 'server_error';
}

/**
 * Operation names as label values, bounded: an operation that could not be resolved is `unknown`, one without a name
 * `anonymous`, and new names are taken only from authenticated callers and only up to MAX_OPERATION_NAMES; past that
 * (or from anyone else) they are `other`. The dashboards' named operations get their own series; a client that makes
 * up names cannot grow the series without end.
 */
export class OperationNames {
  private readonly known = new Set<string>();

  label(operationResolved: boolean, name: string | undefined, authenticated: boolean): string {
    if (!operationResolved) return 'unknown';
    if (name === undefined) return 'anonymous';
    if (this.known.has(name)) return name;
    if (!authenticated || this.known.size >= MAX_OPERATION_NAMES || name.length > MAX_OPERATION_NAME_LENGTH) return 'other';
    this.known.add(name);
    return name;
  }
}

/**
 * What graphql-ws subscriptions report, as plain numbers: the fan-out path adds to them without labels or
 * allocations, and /metrics reads them when scraped.
 */
export interface SubscriptionStats {
  /** Subscriptions receiving events now. */
  open: number;
  /** Events executed (once per group of equal subscriptions). */
  executions: number;
  /** Results sent to subscribers. */
  delivered: number;
  /** Results executed for a subscriber and never sent to it: it fell too far behind, or ended with results queued. */
  dropped: number;
  /** Subscriptions ended with SUBSCRIBER_TOO_SLOW. */
  slowConsumerCloses: number;
}

/** What the GraphQL endpoint reports on /metrics. */
export class GraphQLMetrics {
  readonly operations: Counter<'operation_name' | 'operation_type' | 'outcome'>;
  readonly duration: Histogram<'operation_name' | 'operation_type' | 'outcome'>;
  readonly errors: Counter<'operation_type' | 'code'>;
  readonly names = new OperationNames();
  readonly subscriptions: SubscriptionStats = { open: 0, executions: 0, delivered: 0, dropped: 0, slowConsumerCloses: 0 };

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.operations = new Counter({
      name: 'kubegraph_graphql_operations_total',
      help: 'GraphQL operations answered (over HTTP) or subscribed to (over graphql-ws), by operation name, type and outcome.',
      labelNames: ['operation_name', 'operation_type', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'kubegraph_graphql_operation_duration_seconds',
      help: 'Time to answer a GraphQL query or mutation over HTTP, by operation name, type and outcome.',
      labelNames: ['operation_name', 'operation_type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.errors = new Counter({
      name: 'kubegraph_graphql_errors_total',
      help: 'Errors in GraphQL answers, by operation type and the code the client got.',
      labelNames: ['operation_type', 'code'],
      registers,
    });
    const stats = this.subscriptions;
    const fromStats = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    new Gauge({
      name: 'kubegraph_graphql_active_subscriptions',
      help: 'graphql-ws subscriptions receiving events now.',
      registers,
      collect() {
        this.set(stats.open);
      },
    });
    fromStats(
      'kubegraph_graphql_subscription_executions_total',
      'Subscription events executed; subscriptions with the same operation, variables, organisation and role share one execution per event.',
      () => stats.executions,
    );
    fromStats('kubegraph_graphql_subscription_events_delivered_total', 'Subscription results sent to subscribers.', () => stats.delivered);
    fromStats(
      'kubegraph_graphql_subscription_events_dropped_total',
      'Subscription results never sent to their subscriber: it fell too far behind, or ended with results still queued.',
      () => stats.dropped,
    );
    fromStats(
      'kubegraph_graphql_subscription_slow_consumer_closes_total',
      'Subscriptions ended with SUBSCRIBER_TOO_SLOW (the subscriber, or its shared execution, fell too far behind).',
      () => stats.slowConsumerCloses,
    );
  }

  /** Counts the errors of an answer by operation type and the code the client got (none counts as INTERNAL_SERVER_ERROR). */
  countErrors(operationType: string, codes: readonly unknown[]): void {
    for (const code of codes) this.errors.inc({ code: typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR, operation_type: operationType });
  }
}
