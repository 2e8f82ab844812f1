import { badInput } from './errors.js';

/** Years 1 to 9999: what an ISO date-time names and PostgreSQL reads back (it has no year 0). */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Refuses a date-time argument that is not a date or lies outside the years PostgreSQL is given them in. */
export function checkDateTimeArgument(value: Date, argName: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw badInput(`Argument "${argName}" must be a date-time`, { argumentName: argName });
  if (value.getTime() < EARLIEST_MS || value.getTime() > LATEST_MS) {
    throw badInput(`Argument "${argName}" must be between 0001-01-01 and 9999-12-31 (got "${value.toISOString()}")`, { argumentName: argName });
  }
}
