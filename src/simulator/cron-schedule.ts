/**
 * The standard 5-field cron syntax as the CronJob controller reads it (minute hour day-of-month month day-of-week):
 * `*`, lists, ranges, steps, month and day names, 7 for Sunday, the `@hourly`…`@yearly` macros. A day matches when
 * either day field matches if both are restricted, as in Vixie cron. Times are UTC.
 */

export class CronSyntaxError extends Error {}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
] as const;

const MINUTE = 60_000;
/** Searching further than this for a matching time means the schedule never matches (say, 30 February). */
const HORIZON_MS = 5 * 366 * 86_400_000;

export class CronSchedule {
  private readonly minutes: Set<number>;
  private readonly hours: Set<number>;
  private readonly days: Set<number>;
  private readonly months: Set<number>;
  private readonly weekdays: Set<number>;
  private readonly anyDay: boolean;
  private readonly anyWeekday: boolean;

  constructor(readonly expression: string) {
    const text = MACROS[expression.trim().toLowerCase()] ?? expression.trim();
    const parts = text.split(/\s+/);
    if (parts.length !== 5) throw new CronSyntaxError(`invalid schedule "${expression}": expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
    const sets = parts.map((p, i) => parseField(p, FIELDS[i], expression));
    [this.minutes, this.hours, this.days, this.months, this.weekdays] = sets;
    if (this.weekdays.delete(7)) this.weekdays.add(0);
    this.anyDay = parts[2].startsWith('*');
    this.anyWeekday = parts[4].startsWith('*');
  }

  /** The first matching minute strictly after `after` (ms since the epoch), or undefined if none comes within 5 years. */
  next(after: number): number | undefined {
    let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
    const end = after + HORIZON_MS;
    while (t <= end) {
      const d = new Date(t);
      if (!this.months.has(d.getUTCMonth() + 1)) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      } else if (!this.dayMatches(d)) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      } else if (!this.hours.has(d.getUTCHours())) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
      } else if (!this.minutes.has(d.getUTCMinutes())) {
        t += MINUTE;
      } else return t;
    }
    return undefined;
  }

  /**
   * The latest matching time in (`after`, `now`], and how many were missed in that interval (the controller starts
   * only the latest one).
   */
  latestDue(after: number, now: number): { time: number; missed: number } | undefined {
    let latest: number | undefined;
    let missed = 0;
    for (let t = this.next(after); t !== undefined && t <= now; t = this.next(t)) {
      latest = t;
      if (++missed > 100) {
        // As the controller does past 100 missed starts: it gives up counting and takes the last due time.
        const last = this.previous(now);
        return last === undefined ? undefined : { time: last, missed };
      }
    }
    return latest === undefined ? undefined : { time: latest, missed };
  }

  /** The latest matching minute at or before `at`, looking back at most a year. */
  previous(at: number): number | undefined {
    for (let t = Math.floor(at / MINUTE) * MINUTE; t > at - 366 * 86_400_000; t -= MINUTE) {
      if (this.matches(t)) return t;
    }
    return undefined;
  }

  matches(t: number): boolean {
    const d = new Date(t);
    return this.minutes.has(d.getUTCMinutes()) && this.hours.has(d.getUTCHours()) && this.months.has(d.getUTCMonth() + 1) && this.dayMatches(d);
  }

  private dayMatches(d: Date): boolean {
    const dom = this.days.has(d.getUTCDate());
    const dow = this.weekdays.has(d.getUTCDay());
    if (this.anyDay && this.anyWeekday) return true;
    if (this.anyDay) return dow;
    if (this.anyWeekday) return dom;
    return dom || dow;
  }
}

function parseField(text: string, f: (typeof FIELDS)[number], expression: string): Set<number> {
  const bad = (why: string) => new CronSyntaxError(`invalid schedule "${expression}": ${f.name} "${text}": ${why}`);
  const value = (v: string): number => {
    const named = 'names' in f ? (f.names as readonly string[]).indexOf(v.toLowerCase()) : -1;
    if (named >= 0) return named + (f.name === 'month' ? 1 : 0);
    if (!/^\d+$/.test(v)) throw bad(`"${v}" is not a number${'names' in f ? ' or a name' : ''}`);
    const n = Number(v);
    if (n < f.min || n > f.max) throw bad(`${n} is outside ${f.min}-${f.max}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === '') throw bad('malformed');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw bad(`step "${stepText}" must be a positive integer`);
    let lo: number, hi: number;
    if (range === '*' || range === '?') [lo, hi] = [f.min, f.name === 'day of week' ? 6 : f.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [value(a), value(b)];
      if (lo > hi) throw bad(`range ${lo}-${hi} runs backwards`);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}
