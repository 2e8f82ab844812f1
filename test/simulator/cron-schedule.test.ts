import { describe, expect, it } from 'vitest';
import { CronSchedule, CronSyntaxError } from '../../src/simulator/cron-schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('cron schedule', () => {
  it('finds the next matching minute for the standard syntax', () => {
    // 2026-03-02 is a Monday.
    expect(iso(new CronSchedule('*/5 * * * *').next(at('2026-03-02T10:02:30Z')))).toBe('2026-03-02T10:05:00.000Z');
    // Strictly after: a time on the schedule gives the following one.
    expect(iso(new CronSchedule('*/5 * * * *').next(at('2026-03-02T10:05:00Z')))).toBe('2026-03-02T10:10:00.000Z');
    expect(iso(new CronSchedule('0 */6 * * *').next(at('2026-03-02T13:00:00Z')))).toBe('2026-03-02T18:00:00.000Z');
    expect(iso(new CronSchedule('30 2 * * *').next(at('2026-03-02T02:30:00Z')))).toBe('2026-03-03T02:30:00.000Z');
    // Weekdays only: from Friday evening to Monday morning.
    expect(iso(new CronSchedule('*/15 * * * 1-5').next(at('2026-03-06T23:50:00Z')))).toBe('2026-03-09T00:00:00.000Z');
    // Names, lists and ranges with a step; 7 is Sunday too.
    expect(iso(new CronSchedule('0 9 * jan,jul sun').next(at('2026-03-02T00:00:00Z')))).toBe('2026-07-05T09:00:00.000Z');
    expect(iso(new CronSchedule('0 9 * * 7').next(at('2026-03-02T00:00:00Z')))).toBe('2026-03-08T09:00:00.000Z');
    expect(iso(new CronSchedule('10-40/15 8 * * *').next(at('2026-03-02T08:26:00Z')))).toBe('2026-03-02T08:40:00.000Z');
    // Both day fields restricted: either matches (the 1st of April, a Wednesday, comes before the first Monday of April).
    expect(iso(new CronSchedule('0 0 1 * mon').next(at('2026-03-30T12:00:00Z')))).toBe('2026-04-01T00:00:00.000Z');
    expect(iso(new CronSchedule('@hourly').next(at('2026-03-02T10:00:00Z')))).toBe('2026-03-02T11:00:00.000Z');
    expect(iso(new CronSchedule('@monthly').next(at('2026-12-15T00:00:00Z')))).toBe('2027-01-01T00:00:00.000Z');
    // 29 February: the next leap year.
    expect(iso(new CronSchedule('0 0 29 2 *').next(at('2026-03-02T00:00:00Z')))).toBe('2028-02-29T00:00:00.000Z');
    expect(new CronSchedule('0 0 30 2 *').next(at('2026-03-02T00:00:00Z'))).toBeUndefined();
  });

  it('gives the latest due time of an interval and counts the missed ones', () => {
    const s = new CronSchedule('*/5 * * * *');
    // 10:05, 10:10 and 10:15 fell due after 10:00 up to 10:17.
    expect(s.latestDue(at('2026-03-02T10:00:00Z'), at('2026-03-02T10:17:00Z'))).toEqual({ time: at('2026-03-02T10:15:00Z'), missed: 3 });
    expect(s.latestDue(at('2026-03-02T10:00:00Z'), at('2026-03-02T10:04:59Z'))).toBeUndefined();
    expect(iso(s.previous(at('2026-03-02T10:04:59Z')))).toBe('2026-03-02T10:00:00.000Z');
  });

  it('rejects malformed schedules with a message naming the field', () => {
    const bad: [string, string][] = [
      ['* * * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 4'],
      ['61 * * * *', 'minute "61": 61 is outside 0-59'],
      ['* * * foo *', 'month "foo": "foo" is not a number or a name'],
      ['*/0 * * * *', 'minute "*/0": step "0" must be a positive integer'],
      ['* 5-2 * * *', 'hour "5-2": range 5-2 runs backwards'],
    ];
    for (const [expr, message] of bad) {
      expect(() => new CronSchedule(expr)).toThrow(CronSyntaxError);
      expect(() => new CronSchedule(expr)).toThrow(`invalid schedule "${expr}": ${message}`);
    }
  });
});
