import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { logger } from '../common/logger.js';

const log = logger.child({ component: 'metrics' });

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
  return async (_req, res) => {
    try {
      const text = await registry.metrics();
      res.type(registry.contentType).send(text);
    } catch (err) {
      // What failed is for the log; a scraper only needs to know that this scrape has no data.
      log.error({ err }, 'metrics could not be collected');
      res.status(500).type('text/plain').send('metrics could not be collected; the server log says why\n');
    }
  };
}
