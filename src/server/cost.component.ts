import { logger } from '../common/logger.js';
import type { Component, ServeContext } from './serve.js';
import { HOUR_MS, hourStart, rollUpCosts } from '../cost/cost-rollup.js';

const log = logger.child({ component: 'cost' });

/** How often completed hours are rolled up (and the last few recomputed, for late samples). */
const INTERVAL_MS = 5 * 60_000;
const RECOMPUTE_HOURS = 3;
/** After a start, hours missed while no replica ran are caught up, this far back. */
const CATCH_UP_HOURS = 48;

/** The cost engine inside `serve`: rolls completed hours and their days into k8s_cost_attribution. */
export async function costComponent(ctx: ServeContext): Promise<Component> {
  const dataSource = await ctx.database.pool('cost');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const run = (hoursBack: number) => {
    running ??= (async () => {
      const now = new Date();
      const result = await rollUpCosts(dataSource, {
        from: new Date(hourStart(now).getTime() - hoursBack * HOUR_MS),
        to: now,
        sampleIntervalMs: ctx.config.metricsIntervalMs,
        now,
      });
      log.debug(result, 'cost rolled up');
    })()
      .catch((err: unknown) => log.error({ err }, 'cost roll-up failed; will retry at the next run'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return {
    name: 'cost',
    async start() {
      void run(CATCH_UP_HOURS);
      timer = setInterval(() => void run(RECOMPUTE_HOURS), INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
