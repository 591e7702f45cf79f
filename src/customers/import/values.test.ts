import { describe, expect, it } from 'vitest';
import { decideDateOrder, isoDateBytes, normalizeEmail, normalizePhone, parseAmount, parseDate, plainAmountBytes } from './values.js';

const amount = (s: string, cur = 'EUR') => {
  const r = parseAmount(s, cur);
  return r.ok ? r.value : r.reason;
};

describe('parseAmount', () => {
  it('reads symbols, codes, thousands separators and comma decimals into minor units', () => {
    expect(amount('$1,234.56', 'USD')).toEqual({ minor: 123456, currency: 'USD' });
    expect(amount('1.234,56 €')).toEqual({ minor: 123456, currency: 'EUR' });
    expect(amount('1 234,5')).toEqual({ minor: 123450, currency: null });
    expect(amount("CHF 1'000.05")).toEqual({ minor: 100005, currency: 'CHF' });
    expect(amount('12')).toEqual({ minor: 1200, currency: null });
    expect(amount('19,99')).toEqual({ minor: 1999, currency: null });
    expect(amount('1,250')).toEqual({ minor: 125000, currency: null });
    expect(amount('0.1')).toEqual({ minor: 10, currency: null });
    expect(amount('¥1,500')).toEqual({ minor: 1500, currency: 'JPY' });
    expect(amount('(5.00)')).toEqual({ minor: -500, currency: null });
    expect(amount('-5')).toEqual({ minor: -500, currency: null });
  });
  it('rejects garbage and absurd amounts with a reason', () => {
    expect(amount('abc')).toMatch(/not an amount/);
    expect(amount('')).toMatch(/empty/);
    expect(amount('1.2.3,4,5')).toMatch(/not an amount/);
    expect(amount('99999999999999999')).toMatch(/too large/);
    expect(amount('12 XYZ')).toMatch(/not an amount/);
  });
});

describe('parseDate', () => {
  const utc: { order: 'dmy' | 'mdy'; timeZone: string } = { order: 'dmy', timeZone: 'UTC' };
  const iso = (s: string, o = utc) => {
    const r = parseDate(s, o);
    return r.ok ? r.value.toISOString() : `ERR ${r.reason}`;
  };
  it('reads ISO, Shopify offsets, unix seconds and compact dates', () => {
    expect(iso('2024-01-05')).toBe('2024-01-05T00:00:00.000Z');
    expect(iso('2024-01-05T13:00:00Z')).toBe('2024-01-05T13:00:00.000Z');
    expect(iso('2024-01-05T13:00:00.250+02:00')).toBe('2024-01-05T11:00:00.250Z');
    expect(iso('2024-01-05 13:00:00 +0100')).toBe('2024-01-05T12:00:00.000Z');
    expect(iso('2024-01-05 13:00:00 -0500')).toBe('2024-01-05T18:00:00.000Z');
    expect(iso('1704459600')).toBe('2024-01-05T13:00:00.000Z');
    expect(iso('19970101')).toBe('1997-01-01T00:00:00.000Z');
    expect(iso('Jan 5, 2024')).toBe('2024-01-05T00:00:00.000Z');
    expect(iso('5 January 2024 1:30 PM')).toBe('2024-01-05T13:30:00.000Z');
  });
  it('applies the time zone to local times, including summer time', () => {
    const ams = { order: 'dmy' as const, timeZone: 'Europe/Amsterdam' };
    expect(iso('2024-01-05 13:00', ams)).toBe('2024-01-05T12:00:00.000Z');
    expect(iso('2024-07-05 13:00', ams)).toBe('2024-07-05T11:00:00.000Z');
  });
  it('reads day/month or month/day as the column decided', () => {
    expect(iso('05/01/2024')).toBe('2024-01-05T00:00:00.000Z');
    expect(iso('05/01/2024', { order: 'mdy', timeZone: 'UTC' })).toBe('2024-05-01T00:00:00.000Z');
    expect(iso('9/6/2016 6:29:00', { order: 'mdy', timeZone: 'UTC' })).toBe('2016-09-06T06:29:00.000Z');
    expect(iso('13/01/2024', { order: 'mdy', timeZone: 'UTC' })).toMatch(/^ERR .*month\/day\/year/);
  });
  it('rejects garbage and impossible dates', () => {
    expect(iso('not a date')).toMatch(/^ERR/);
    expect(iso('2024-02-30')).toMatch(/^ERR .*does not exist/);
    expect(iso('2024-13-01')).toMatch(/^ERR .*month 13/);
    expect(iso('')).toMatch(/^ERR .*empty/);
  });
  it('decides a column order from its values', () => {
    expect(decideDateOrder(['01/02/2024', '25/02/2024']).order).toBe('dmy');
    expect(decideDateOrder(['01/02/2024', '02/25/2024']).order).toBe('mdy');
    expect(decideDateOrder(['01/02/2024'], 'mdy')).toEqual({ order: 'mdy', ambiguous: true, conflict: false });
    expect(decideDateOrder(['13/02/2024', '02/25/2024']).conflict).toBe(true);
  });
});

describe('people', () => {
  it('normalises emails and phones for duplicate detection', () => {
    expect(normalizeEmail('  Anna@Example.COM ')).toBe('anna@example.com');
    expect(normalizeEmail('nope')).toBeNull();
    expect(normalizePhone('+31 (6) 1234-5678')).toBe('31612345678');
    expect(normalizePhone('0031 6 12345678')).toBe('31612345678');
    expect(normalizePhone('123')).toBeNull();
  });
});

describe('the fast paths from bytes', () => {
  it('read plain amounts as parseAmount does, and nothing else', () => {
    const cells = ['0', '12', '12.3', '12.34', '12.345', '123456789012', '1234567890123', '123456789012.99', '.5', '5.', '1,5', ' 5', '5 ', '-5', '+5', '', '1e3', '0x1', '12.3a', '٣'];
    for (const cell of cells) {
      const b = Buffer.from(`x${cell}y`);
      const got = plainAmountBytes(b, 1, b.length - 1);
      const want = /^\d{1,12}(?:\.\d{1,2})?$/.test(cell) ? (parseAmount(cell, 'EUR') as { ok: true; value: { minor: number } }).value.minor : -1;
      expect(got, cell).toBe(want);
    }
  });

  it('read ISO dates as parseDate does, in any zone; anything else is left to parseDate', () => {
    const cells = [
      '2024-01-05',
      '2024-01-05T13:00',
      '2024-01-05 13:00:59',
      '2024-01-05T13:00:00.123Z',
      '2024-01-05T13:00:00,5z',
      '2024-01-05T13:00:00.123456789Z',
      '2024-01-05T13:00:00.1234567890Z',
      '2024-02-29T00:00:00Z',
      '2023-02-29',
      '1900-02-29',
      '2000-02-29',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '2024-01-05T24:00',
      '2024-01-05T23:60',
      '2024-01-05T23:59:60',
      '2024-01-05T23:59:61',
      '1899-12-31',
      '2201-01-01',
      '2024-03-31T02:30:00',
      '2024-10-27T02:30:00',
      '2024-01-05T13:00:00+01:00',
      '2024-01-05 Z',
      '2024-01-05Z',
      '2024/01/05',
      '2024-1-5',
      '2024-01-05t13:00',
      '2024-01-05T1:00',
      '2024-01-05T13:00:0',
      '2024-01-05T13:00:00.',
      ' 2024-01-05',
      '2024-01-05 ',
      '2024-01-05T13:00:00ZZ',
    ];
    for (const timeZone of ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata']) {
      for (const cell of cells) {
        const b = Buffer.from(`,${cell},`);
        const got = isoDateBytes(b, 1, b.length - 1, timeZone);
        const want = parseDate(cell, { order: 'dmy', timeZone });
        // the fast path answers parseDate's instant, or NaN: never another instant, never a date parseDate refuses
        if (Number.isNaN(got)) expect(['2024-01-05', '2024-01-05T13:00:00.123Z', '2024-03-31T02:30:00']).not.toContain(cell);
        else {
          expect(want.ok, `${cell} ${timeZone}`).toBe(true);
          if (want.ok) expect(got, `${cell} ${timeZone}`).toBe(want.value.getTime());
        }
      }
    }
  });
});
