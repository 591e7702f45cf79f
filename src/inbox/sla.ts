// Business-hours arithmetic for service levels, pure: the workspace's weekly schedule (with
// breaks), holidays and time zone. A target of "1 business hour" from Friday 16:30 with a
// 17:00 close is Monday 09:30; a lunch break and a holiday are skipped the same way.
import { z } from 'zod';
import { instantOfWallClock, localDate } from '../platform/time.js';

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM');
const windowSchema = z.tuple([hhmm, hhmm]).refine(([a, b]) => a < b, 'must open before it closes');

export const businessHoursSchema = z.object({
  /** IANA time zone; null = the workspace's */
  timeZone: z.string().max(100).nullable().default(null),
  /** open windows per weekday, e.g. mon: [["09:00","12:30"],["13:30","17:00"]] (a break between) */
  week: z.object(Object.fromEntries(weekdays.map((d) => [d, z.array(windowSchema).max(6).default([])])) as Record<Weekday, z.ZodDefault<z.ZodArray<typeof windowSchema>>>),
  /** closed days, YYYY-MM-DD in the time zone */
  holidays: z.array(z.iso.date()).max(400).default([]),
});
export type BusinessHoursInput = z.input<typeof businessHoursSchema>;

export interface BusinessHours {
  timeZone: string;
  week: Record<Weekday, [string, string][]>;
  holidays: string[];
}

const nine2five: [string, string][] = [['09:00', '17:00']];
export const defaultWeek: Record<Weekday, [string, string][]> = { sun: [], mon: nine2five, tue: nine2five, wed: nine2five, thu: nine2five, fri: nine2five, sat: [] };

const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

function hasHours(bh: BusinessHours): boolean {
  return weekdays.some((d) => bh.week[d].length > 0);
}

/** The open intervals [start, end) in UTC ms of one local day (y, m 0-based, d). */
function dayWindows(bh: BusinessHours, y: number, m: number, d: number): [number, number][] {
  const day = new Date(Date.UTC(y, m, d));
  if (bh.holidays.includes(day.toISOString().slice(0, 10))) return [];
  const windows = bh.week[weekdays[day.getUTCDay()]];
  const at = (hhmm: string) => instantOfWallClock(Date.UTC(y, m, d, 0, minutes(hhmm)), bh.timeZone);
  return windows.map(([a, b]) => [at(a), at(b)] as [number, number]);
}

/** Walks the open windows from the local day of `from` on (at most ~3 years ahead). */
function* windowsFrom(bh: BusinessHours, from: Date): Generator<[number, number]> {
  const [y, m, d] = localDate(from, bh.timeZone).split('-').map(Number);
  for (let i = 0; i < 1100; i++) {
    for (const w of dayWindows(bh, y, m - 1, d + i)) yield w;
  }
}

/** The instant `ms` business milliseconds after `start` (calendar time when no hours are set). */
export function addBusinessMs(start: Date, ms: number, bh: BusinessHours): Date {
  if (!hasHours(bh)) return new Date(start.getTime() + ms);
  let left = Math.max(0, ms);
  const t0 = start.getTime();
  for (const [a, b] of windowsFrom(bh, start)) {
    if (b <= t0) continue;
    const from = Math.max(a, t0);
    if (left === 0) return new Date(from);
    if (from + left <= b) return new Date(from + left);
    left -= b - from;
  }
  return new Date(t0 + ms); // no open time in three years: fall back to calendar time
}

/** Business milliseconds between a and b (negative when b is before a). */
export function businessMsBetween(a: Date, b: Date, bh: BusinessHours): number {
  if (b.getTime() < a.getTime()) return -businessMsBetween(b, a, bh);
  if (!hasHours(bh)) return b.getTime() - a.getTime();
  const t0 = a.getTime();
  const t1 = b.getTime();
  let total = 0;
  for (const [s, e] of windowsFrom(bh, a)) {
    if (s >= t1) break;
    if (e <= t0) continue;
    total += Math.min(e, t1) - Math.max(s, t0);
  }
  return total;
}

/** Whether `at` falls in open hours, and when the next opening is when it does not. */
export function openAt(at: Date, bh: BusinessHours): { open: boolean; nextOpen: Date | null } {
  if (!hasHours(bh)) return { open: true, nextOpen: null };
  const t = at.getTime();
  for (const [a, b] of windowsFrom(bh, at)) {
    if (b <= t) continue;
    return a <= t ? { open: true, nextOpen: null } : { open: false, nextOpen: new Date(a) };
  }
  return { open: false, nextOpen: null };
}
