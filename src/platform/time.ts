// Time zones, in one place, on @date-fns/tz: storage is UTC, display and "today" follow the
// workspace's zone. Hot paths (imports, analytics) cache offsets per hour or per day around these.
import { tzOffset } from '@date-fns/tz';

const HOUR_MS = 3_600_000;

/** Offset of `timeZone` from UTC at an instant, in ms (positive east of Greenwich). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  const minutes = tzOffset(timeZone, new Date(instant));
  if (!Number.isFinite(minutes)) throw new RangeError(`unknown time zone "${timeZone}"`);
  return minutes * 60_000;
}

/** The instant at which the wall clock in `timeZone` shows `wall` (a UTC timestamp read as local time). */
export function instantOfWallClock(wall: number, timeZone: string): number {
  return wall - zoneOffsetMs(wall - zoneOffsetMs(wall, timeZone), timeZone);
}

/** The calendar date (YYYY-MM-DD) in `timeZone` at an instant. */
export function localDate(at: Date, timeZone: string): string {
  return new Date(at.getTime() + zoneOffsetMs(at.getTime(), timeZone)).toISOString().slice(0, 10);
}

/** The instant the local day after `at` begins in `timeZone` (the end of "today"). */
export function endOfLocalDay(at: Date, timeZone: string): Date {
  const [y, m, d] = localDate(at, timeZone).split('-').map(Number);
  return new Date(instantOfWallClock(Date.UTC(y, m - 1, d + 1), timeZone));
}

/** Offsets cached per hour, for code that converts millions of instants in one zone. */
export function hourlyOffsets(timeZone: string): (instant: number) => number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return () => 0;
  const perHour = new Map<number, number>();
  return (instant) => {
    const hour = Math.floor(instant / HOUR_MS);
    let off = perHour.get(hour);
    if (off === undefined) {
      off = zoneOffsetMs(hour * HOUR_MS, timeZone);
      if (perHour.size > 100_000) perHour.clear();
      perHour.set(hour, off);
    }
    return off;
  };
}

export interface WallClock {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  hour: number;
  minute: number;
}

/** What the wall clock in `timeZone` shows at an instant. */
export function wallClockAt(at: Date, timeZone: string): WallClock {
  const w = new Date(at.getTime() + zoneOffsetMs(at.getTime(), timeZone));
  return { year: w.getUTCFullYear(), month: w.getUTCMonth() + 1, day: w.getUTCDate(), weekday: w.getUTCDay(), hour: w.getUTCHours(), minute: w.getUTCMinutes() };
}
