import { describe, expect, it } from 'vitest';
import { DayConverter, dayOfDate, isoDay, monthIndex, monthStart, parseDay } from './dates.js';

describe('local days', () => {
  const ams = new DayConverter('Europe/Amsterdam');
  const utc = new DayConverter('UTC');
  it('puts instants on the local calendar day, across daylight-saving changes', () => {
    expect(isoDay(ams.dayOf(Date.parse('2024-01-31T22:59:00Z')))).toBe('2024-01-31');
    expect(isoDay(ams.dayOf(Date.parse('2024-01-31T23:00:00Z')))).toBe('2024-02-01');
    // summer time: UTC+2
    expect(isoDay(ams.dayOf(Date.parse('2024-06-30T21:59:00Z')))).toBe('2024-06-30');
    expect(isoDay(ams.dayOf(Date.parse('2024-06-30T22:00:00Z')))).toBe('2024-07-01');
    // the night the clocks go forward (31 March 2024, 01:00 UTC)
    expect(isoDay(ams.dayOf(Date.parse('2024-03-30T23:30:00Z')))).toBe('2024-03-31');
    expect(isoDay(utc.dayOf(Date.parse('2024-03-30T23:30:00Z')))).toBe('2024-03-30');
    expect(isoDay(new DayConverter('America/Los_Angeles').dayOf(Date.parse('2024-03-01T07:59:00Z')))).toBe('2024-02-29');
  });
  it('reads dates as files write them', () => {
    expect(isoDay(parseDay('19970101', utc)!)).toBe('1997-01-01');
    expect(isoDay(parseDay('2024-02-29', utc)!)).toBe('2024-02-29');
    expect(isoDay(parseDay('2024-02-29 23:30', ams)!)).toBe('2024-02-29'); // local time without zone: its date
    expect(isoDay(parseDay('2024-02-29T23:30:00Z', ams)!)).toBe('2024-03-01');
    expect(isoDay(parseDay('12/1/2010 8:26', utc)!)).toBe('2010-12-01');
    expect(parseDay('2023-02-29', utc)).toBeNull();
    expect(parseDay('yesterday', utc)).toBeNull();
  });
  it('counts months', () => {
    expect(monthIndex(dayOfDate(1970, 1, 31))).toBe(0);
    expect(monthIndex(dayOfDate(2024, 3, 1))).toBe(54 * 12 + 2);
    expect(isoDay(monthStart(monthIndex(dayOfDate(2024, 3, 17))))).toBe('2024-03-01');
  });
});
