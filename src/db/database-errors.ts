/**
 * Errors that say the database cannot be reached or cannot take the work now (not that the work was wrong): the
 * connection or the server went away, it is shutting down or starting, or it has no connection to spare. SQLSTATE
 * classes 08 (connection exception), 57P (operator intervention) and 53 (insufficient resources), socket errors
 * (ECONNREFUSED, …) and the pool's and driver's own messages for them.
 */
const UNAVAILABLE_SQLSTATE = /^(08|57P|53)/;
const UNAVAILABLE_MESSAGE = /Connection terminated|connection error|not queryable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|timeout exceeded when trying to connect|Client was closed/i;

/** The SQLSTATE (or socket error code) of an error from pg or TypeORM, or '' when it has none. */
export function sqlstateOf(err: unknown): string {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const inner = e?.driverError ?? e;
  return typeof inner?.code === 'string' ? inner.code : typeof e?.code === 'string' ? e.code : '';
}

export function isDatabaseUnavailable(err: unknown): boolean {
  const code = sqlstateOf(err);
  if (UNAVAILABLE_SQLSTATE.test(code) || /^E[A-Z]+$/.test(code)) return true;
  const e = err as { message?: unknown; driverError?: { message?: unknown } } | undefined;
  return UNAVAILABLE_MESSAGE.test(String(e?.driverError?.message ?? e?.message ?? ''));
}
