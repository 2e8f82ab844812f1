import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The registry a server reports on /metrics: prom-client's process metrics (CPU, memory, event loop, GC, handles)
 * and whatever each part registers. One per server rather than prom-client's global one, so that servers started in
 * one process (tests, benchmarks) keep their counts apart.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** GET /metrics: the registry in the Prometheus text format (0.0.4). */
export function metricsRoute(registry: Registry): RequestHandler {
  return async (_req, res, next) => {
    try {
      const text = await registry.metrics();
      res.type(registry.contentType).send(text);
    } catch (err) {
      next(err);
    }
  };
}
