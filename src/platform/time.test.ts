import { describe, expect, it } from 'vitest';
import { endOfLocalDay, hourlyOffsets, instantOfWallClock, localDate, zoneOffsetMs } from './time.js';

describe('time zones', () => {
  it('knows offsets on both sides of a daylight-saving change', () => {
    expect(zoneOffsetMs(Date.parse('2026-03-29T00:30:00Z'), 'Europe/Amsterdam')).toBe(3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-03-29T01:30:00Z'), 'Europe/Amsterdam')).toBe(7_200_000);
    expect(zoneOffsetMs(Date.parse('2026-07-01T12:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-07-01T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(() => zoneOffsetMs(0, 'Mars/Olympus')).toThrow(/unknown time zone/);
  });

  it('turns wall-clock times into instants and instants into local dates', () => {
    expect(new Date(instantOfWallClock(Date.UTC(2026, 0, 31, 23, 30), 'Europe/Amsterdam')).toISOString()).toBe('2026-01-31T22:30:00.000Z');
    expect(localDate(new Date('2026-01-31T23:30:00Z'), 'Europe/Amsterdam')).toBe('2026-02-01');
    expect(localDate(new Date('2026-01-31T23:30:00Z'), 'UTC')).toBe('2026-01-31');
    expect(endOfLocalDay(new Date('2026-03-28T12:00:00Z'), 'Europe/Amsterdam').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(endOfLocalDay(new Date('2026-03-29T12:00:00Z'), 'Europe/Amsterdam').toISOString()).toBe('2026-03-29T22:00:00.000Z'); // a 23-hour day
    const cached = hourlyOffsets('Europe/London');
    expect(cached(Date.parse('2026-06-01T10:00:00Z'))).toBe(3_600_000);
    expect(cached(Date.parse('2026-12-01T10:00:00Z'))).toBe(0);
  });
});
