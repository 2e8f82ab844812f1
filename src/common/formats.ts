/** Text formats checked in several domains: before a value reaches PostgreSQL, or to tell an id from a name. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** Whether year-month-day names a day of the calendar: JavaScript's Date rolls 2026-02-30 over into March. */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A URL as it may be shown, stored or logged: without the user name and password it may carry
 * (`https://user:password@host:6443` → `https://host:6443`). Text that is no URL is returned as it is.
 */
export function withoutUrlCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url;
  }
}

/** A property name as its column (`restartCount` → `restart_count`): stored rows are snake_case, mapped ones camelCase. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A column name as its property (`restart_count` → `restartCount`). */
export function camelCase(column: string): string {
  return column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}
