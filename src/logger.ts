import { pino, type Logger } from 'pino';

// One root logger; domains take children (`logger.child({ component: 'sync' })`) so every line says where it came from.
export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'kubegraph' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type { Logger };
