// Calendar days in the workspace's time zone. The analytics core counts in whole local days
// (day 0 = 1970-01-01): periods start at local midnight, so an order at 23:30 UTC on 31
// January belongs to February in Amsterdam.

import { zoneOffsetMs } from '../platform/time.js';

const DAY_MS = 86_400_000;

/** Converts instants to local day numbers, caching the zone's UTC offset per hour. */
export class DayConverter {
  private readonly cache = new Map<number, number>();
  private readonly utc: boolean;
  constructor(readonly timeZone: string = 'UTC') {
    this.utc = timeZone === 'UTC' || timeZone === 'Etc/UTC';
  }

  /** offset of local time from UTC, in ms, at instant `ms` */
  private offsetAt(ms: number): number {
    return this.utc ? 0 : zoneOffsetMs(ms, this.timeZone);
  }

  private readonly dayCache = new Map<number, number>();

  dayOf(ms: number): number {
    if (this.utc) return Math.floor(ms / DAY_MS);
    // most UTC days have one offset throughout: cache per day, per hour only around a change
    const utcDay = Math.floor(ms / DAY_MS);
    let dayOffset = this.dayCache.get(utcDay);
    if (dayOffset === undefined) {
      const a = this.offsetAt(utcDay * DAY_MS);
      const b = this.offsetAt(utcDay * DAY_MS + DAY_MS - 1);
      dayOffset = a === b ? a : NaN;
      this.dayCache.set(utcDay, dayOffset);
    }
    if (!Number.isNaN(dayOffset)) return Math.floor((ms + dayOffset) / DAY_MS);
    const hour = Math.floor(ms / 3_600_000);
    let offset = this.cache.get(hour);
    if (offset === undefined) {
      const a = this.offsetAt(hour * 3_600_000);
      const b = this.offsetAt(hour * 3_600_000 + 3_599_999);
      // a transition inside this hour (half-hour zones): compute exactly, don't cache
      if (a !== b) return Math.floor((ms + this.offsetAt(ms)) / DAY_MS);
      offset = a;
      this.cache.set(hour, offset);
    }
    return Math.floor((ms + offset) / DAY_MS);
  }
}

/** Day number of a calendar date. */
export function dayOfDate(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** 'YYYY-MM-DD' of a day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** months since 1970-01 of a day number */
export function monthIndex(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth() - 1970 * 12;
}

/** first day of a month index */
export function monthStart(month: number): number {
  return Math.floor(Date.UTC(1970, month, 1) / DAY_MS);
}

export function monthLabel(month: number): string {
  return isoDay(monthStart(month)).slice(0, 7);
}

const DATE_ONLY = /^(\d{4})-?(\d{2})-?(\d{2})$/;
const DATE_TIME_NO_ZONE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::\d{2})?)?$/;

/** the whole number written in s[from, to), NaN when a character is not a digit */
function digitsAt(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses a date as found in files: YYYYMMDD, YYYY-MM-DD (a calendar date, kept as is),
 * a date and time without zone (local time: its date is kept), an ISO instant with a zone
 * or Z (converted to the time zone), or M/D/YYYY [H:MM]. Returns null when unreadable.
 */
export function parseDay(text: string, converter: DayConverter): number | null {
  const s = text.trim();
  // fast path for the common export format 2024-01-31T23:30:00[.sss]Z
  if (s.length >= 20 && s.charCodeAt(4) === 45 && s.charCodeAt(10) === 84 && s.charCodeAt(s.length - 1) === 90) {
    const y = digitsAt(s, 0, 4);
    const mo = digitsAt(s, 5, 7);
    const d = digitsAt(s, 8, 10);
    const h = digitsAt(s, 11, 13);
    const mi = digitsAt(s, 14, 16);
    const se = digitsAt(s, 17, 19);
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60 && y >= 100 && d <= daysInMonth(y, mo)) {
      // Date.UTC(y, mo - 1, d, h, mi, se) by integer arithmetic (years ≥ 100: Date.UTC reads 0–99 as 1900–1999)
      return converter.dayOf(civilDay(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + se * 1000);
    }
  }
  let m = DATE_ONLY.exec(s);
  if (m) return validDay(+m[1], +m[2], +m[3]);
  m = DATE_TIME_NO_ZONE.exec(s);
  if (m) return validDay(+m[1], +m[2], +m[3]);
  m = SLASHED.exec(s);
  if (m) return validDay(+m[3], +m[1], +m[2]);
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(s)) {
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return converter.dayOf(ms);
  }
  return null;
}

/** the whole number written in b[from, to), NaN when a byte is not a digit */
function digitsOf(b: Uint8Array, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * parseDay's fast path on the UTF-8 bytes of a cell, b[s, e): the day of an instant written
 * 2024-01-31T23:30:00[.sss]Z, the same day parseDay gives its text; NaN when the cell is not in
 * that form (parseDay on its text decides then).
 */
export function dayOfIsoInstantBytes(b: Uint8Array, s: number, e: number, converter: DayConverter): number {
  if (e - s < 20 || b[s + 4] !== 45 || b[s + 10] !== 84 || b[e - 1] !== 90) return NaN;
  // ASCII only: byte offsets are then the text's offsets (and the text has nothing to trim: a digit first, Z last)
  for (let i = s; i < e; i++) if (b[i] > 127) return NaN;
  const y = digitsOf(b, s, s + 4);
  const mo = digitsOf(b, s + 5, s + 7);
  const d = digitsOf(b, s + 8, s + 10);
  const h = digitsOf(b, s + 11, s + 13);
  const mi = digitsOf(b, s + 14, s + 16);
  const se = digitsOf(b, s + 17, s + 19);
  if (mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60 && y >= 100 && d <= daysInMonth(y, mo)) {
    return converter.dayOf(civilDay(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + se * 1000);
  }
  return NaN;
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, mo: number): number {
  return mo === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : monthDays[mo - 1];
}

/** day number of a valid proleptic Gregorian date (days from civil: eras of 400 years), the same as dayOfDate for years ≥ 100 */
function civilDay(y: number, mo: number, d: number): number {
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function validDay(y: number, mo: number, d: number): number | null {
  if (mo < 1 || mo > 12 || d < 1) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 && leap ? 29 : monthDays[mo - 1])) return null;
  return dayOfDate(y, mo, d);
}

/**
 * The day `months` calendar months after `day`, clamped to the end of the month (31 Jan + 1
 * month = 28/29 Feb; + 2 months = 31 Mar: always counted from the original day, never chained).
 */
export function addMonths(day: number, months: number): number {
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Math.floor(Date.UTC(y, m, Math.min(d.getUTCDate(), last)) / DAY_MS);
}

/** Calendar months from the month of `a` to the month of `b` (day of month ignored). */
export function monthsBetween(a: number, b: number): number {
  return monthIndex(b) - monthIndex(a);
}
