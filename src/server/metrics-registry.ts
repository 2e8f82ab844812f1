/** Prometheus text exposition (format 0.0.4), written by hand: a few counters, gauges and histograms. */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${keys.map((k) => `${k}="${escape(labels[k])}"`).join(',')}}`;
}

function withLabel(key: string, name: string, value: string): string {
  const extra = `${name}="${value}"`;
  return key === '' ? `{${extra}}` : `${key.slice(0, -1)},${extra}}`;
}

interface Metric {
  name: string;
  help: string;
  render(): string[];
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.values].map(([k, v]) => `${this.name}${k} ${v}`)];
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  dec(labels: Labels = {}, by = 1): void {
    this.inc(labels, -by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines;
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.series) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${withLabel(key, 'le', String(b))} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${withLabel(key, 'le', '+Inf')} ${s.count}`);
      lines.push(`${this.name}_sum${key} ${s.sum}`);
      lines.push(`${this.name}_count${key} ${s.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    return `${this.metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }
}

/** What the GraphQL endpoint reports on /metrics. */
export class GraphQLMetrics {
  readonly requests: Counter;
  readonly errors: Counter;
  readonly duration: Histogram;
  readonly activeSubscriptions: Gauge;
  readonly subscriptionExecutions: Counter;

  constructor(readonly registry: MetricsRegistry = new MetricsRegistry()) {
    this.requests = registry.register(new Counter('kubegraph_graphql_requests_total', 'GraphQL operations answered, by operation type.'));
    this.errors = registry.register(new Counter('kubegraph_graphql_errors_total', 'Errors in GraphQL responses, by operation type and error code.'));
    this.duration = registry.register(
      new Histogram('kubegraph_graphql_request_duration_seconds', 'Time to answer a GraphQL operation, by operation type.', [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
      ]),
    );
    this.activeSubscriptions = registry.register(new Gauge('kubegraph_graphql_active_subscriptions', 'graphql-ws subscriptions currently open.'));
    this.subscriptionExecutions = registry.register(
      new Counter('kubegraph_graphql_subscription_executions_total', 'Subscription events executed; subscriptions with the same operation, variables, organisation and role share one execution per event.'),
    );
  }
}
