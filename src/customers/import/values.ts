import { hourlyOffsets } from '../../platform/time.js';
// Pure parsers for the values found in exported CSV files: amounts to integer minor units,
// dates in the formats shops and payment providers write, emails and phone numbers.

const currencyCodes = new Set(Intl.supportedValuesOf('currency'));
const exponentCache = new Map<string, number>();

/** Decimal places of a currency's minor unit (EUR 2, JPY 0, BHD 3). */
export function currencyExponent(currency: string): number {
  let e = exponentCache.get(currency);
  if (e === undefined) {
    try {
      e = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      e = 2;
    }
    exponentCache.set(currency, e);
  }
  return e;
}

export function isCurrencyCode(code: string): boolean {
  return currencyCodes.has(code.toUpperCase());
}

/** Largest amount accepted: 10^12 minor units (ten billion in major units). */
export const MAX_AMOUNT_MINOR = 1e12;

const symbols: Record<string, string> = { '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR', '₩': 'KRW', '₽': 'RUB', R$: 'BRL', CHF: 'CHF', kr: 'SEK', zł: 'PLN' };
const dollarCurrencies = new Set(['USD', 'CAD', 'AUD', 'NZD', 'SGD', 'HKD', 'MXN']);

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const fail = (reason: string) => ({ ok: false as const, reason });

export interface Amount {
  minor: number;
  /** currency named in the cell (symbol or code), when there was one */
  currency: string | null;
}

/**
 * "$1,234.56", "1.234,56 €", "1 234,56", "EUR 12", "(5.00)", "-5" → minor units of the currency.
 * A single separator followed by exactly three digits is a thousands separator ("1,234").
 */
const plainAmount = /^\d{1,12}(?:\.(\d{1,2}))?$/;

export function parseAmount(raw: string, defaultCurrency: string): Parsed<Amount> {
  // fast path: "123" or "123.45" in a currency with cents
  const plain = plainAmount.exec(raw);
  if (plain && currencyExponent(defaultCurrency) === 2) {
    const dot = raw.indexOf('.');
    const minor = dot < 0 ? Number(raw) * 100 : Number(raw.slice(0, dot)) * 100 + Number(plain[1].padEnd(2, '0'));
    return { ok: true, value: { minor, currency: null } };
  }
  let s = raw.trim();
  if (!s) return fail('amount is empty');
  let currency: string | null = null;
  let negative = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  const code = /^([A-Za-z]{3})\s*|\s*([A-Za-z]{3})$/.exec(s);
  if (code) {
    const c = (code[1] ?? code[2]).toUpperCase();
    if (!isCurrencyCode(c)) return fail(`"${raw.slice(0, 40)}" is not an amount`);
    currency = c;
    s = s.slice(0, code.index) + s.slice(code.index + code[0].length);
  }
  if (s.includes('$')) {
    currency = dollarCurrencies.has(defaultCurrency) ? defaultCurrency : 'USD';
    s = s.replace(/[A-Z]{0,2}\$/, '');
  }
  for (const [sym, cur] of Object.entries(symbols)) {
    if (s.includes(sym)) {
      currency = cur;
      s = s.replace(sym, '');
    }
  }
  s = s.replace(/[\s\u00a0\u202f']/g, '');
  if (s.startsWith('-')) {
    negative = !negative;
    s = s.slice(1);
  } else if (s.endsWith('-')) {
    negative = !negative;
    s = s.slice(0, -1);
  } else if (s.startsWith('+')) s = s.slice(1);
  if (!/^[0-9.,]+$/.test(s) || !/[0-9]/.test(s)) return fail(`"${raw.slice(0, 40)}" is not an amount`);
  const exponent = currencyExponent(currency ?? defaultCurrency);
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let intPart = s;
  let frac = '';
  if (lastDot >= 0 && lastComma >= 0) {
    const dec = Math.max(lastDot, lastComma);
    const thousands = dec === lastDot ? ',' : '.';
    const raw = s.slice(0, dec);
    if (!new RegExp(`^\\d{1,3}(?:\\${thousands}\\d{3})+$`).test(raw)) return fail(`"${raw.slice(0, 40)}" is not an amount`);
    intPart = raw.split(thousands).join('');
    frac = s.slice(dec + 1);
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const count = s.split(sep).length - 1;
    const after = s.length - Math.max(lastDot, lastComma) - 1;
    if (count > 1 || (after === 3 && exponent !== 3 && s.indexOf(sep) > 0)) {
      intPart = s.split(sep).join('');
    } else {
      intPart = s.slice(0, Math.max(lastDot, lastComma));
      frac = s.slice(Math.max(lastDot, lastComma) + 1);
    }
  }
  if (frac.includes('.') || frac.includes(',')) return fail(`"${raw.slice(0, 40)}" is not an amount`);
  if (intPart.length > 15) return fail(`amount "${raw.slice(0, 40)}" is too large`);
  let minor = Number(intPart || '0') * 10 ** exponent;
  if (frac) minor += Math.round(Number(`0.${frac}`) * 10 ** exponent);
  if (!Number.isFinite(minor)) return fail(`"${raw.slice(0, 40)}" is not an amount`);
  if (minor > MAX_AMOUNT_MINOR) return fail(`amount "${raw.slice(0, 40)}" is too large`);
  return { ok: true, value: { minor: negative && minor !== 0 ? -minor : minor, currency } };
}

/**
 * parseAmount's fast path straight from a cell's bytes: "123" or "123.45" (up to 12 digits, at
 * most 2 decimals) in minor units of a currency with cents; −1 when the cell is anything else
 * (the caller then decodes it and calls parseAmount).
 */
export function plainAmountBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let whole = 0;
  while (i < e) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) break;
    whole = whole * 10 + c;
    i++;
  }
  const digits = i - s;
  if (digits < 1 || digits > 12) return -1;
  if (i === e) return whole * 100;
  if (b[i] !== 46) return -1; // '.'
  const f1 = b[i + 1] - 48;
  if (e - i === 2 && f1 >= 0 && f1 <= 9) return whole * 100 + f1 * 10;
  const f2 = b[i + 2] - 48;
  if (e - i === 3 && f1 >= 0 && f1 <= 9 && f2 >= 0 && f2 <= 9) return whole * 100 + f1 * 10 + f2;
  return -1;
}

// ---- dates ----

export type DateOrder = 'dmy' | 'mdy';

const months: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

const offsetsByZone = new Map<string, (instant: number) => number>();

/** Offset of a time zone from UTC in ms at an instant (cached per hour). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  let offsets = offsetsByZone.get(timeZone);
  if (!offsets) offsetsByZone.set(timeZone, (offsets = hourlyOffsets(timeZone)));
  return offsets(instant);
}

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, zone: string | undefined, timeZone: string): Parsed<Date> {
  if (mo < 1 || mo > 12) return fail(`month ${mo} is out of range`);
  if (d < 1 || d > 31) return fail(`day ${d} is out of range`);
  if (h > 23 || mi > 59 || s > 60) return fail('time is out of range');
  if (y < 1900 || y > 2200) return fail(`year ${y} is out of range`);
  const base = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCDate() !== d) return fail(`day ${d} does not exist in month ${mo}`);
  let offsetMs: number;
  if (zone === undefined || zone === '') offsetMs = zoneOffsetMs(base - zoneOffsetMs(base, timeZone), timeZone);
  else if (/^(z|utc|gmt)$/i.test(zone)) offsetMs = 0;
  else {
    const m = /^(?:utc|gmt)?([+-])(\d{1,2}):?(\d{2})?$/i.exec(zone);
    if (!m) return fail(`unknown time zone "${zone}"`);
    offsetMs = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
  }
  return { ok: true, value: new Date(base - offsetMs) };
}

const isoRe = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{1,2}|(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?)?$/i;
const numericRe = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4}),?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;
const namedRe =
  /^(?:[A-Za-z]{3,9},?\s+)?(?:(\d{1,2})\s+([A-Za-z]{3,9})\.?|([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?),?\s+(\d{4}),?(?:\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;

function hour12(h: number, ampm: string | undefined): number {
  if (!ampm) return h;
  const pm = ampm.toLowerCase() === 'pm';
  return (h % 12) + (pm ? 12 : 0);
}

/** The two leading numbers of a "05/01/2024"-style date, for deciding the column's order. */
export function numericDateParts(raw: string): [number, number] | null {
  const m = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b/.exec(raw);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * Decides day/month vs month/day for a column from its values: a first number above 12 means
 * day first, a second above 12 means month first. Undecided columns use the fallback.
 */
export function decideDateOrder(values: Iterable<string>, fallback: DateOrder = 'dmy'): { order: DateOrder; ambiguous: boolean; conflict: boolean } {
  let dmy = false;
  let mdy = false;
  for (const v of values) {
    const p = numericDateParts(v);
    if (!p) continue;
    if (p[0] > 12) dmy = true;
    if (p[1] > 12) mdy = true;
  }
  if (dmy && !mdy) return { order: 'dmy', ambiguous: false, conflict: false };
  if (mdy && !dmy) return { order: 'mdy', ambiguous: false, conflict: false };
  return { order: fallback, ambiguous: !dmy && !mdy, conflict: dmy && mdy };
}

export interface DateOptions {
  order: DateOrder;
  /** zone for times written without an offset */
  timeZone: string;
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * parseDate's fast path straight from a cell's bytes, for the ISO dates exports mostly write:
 * "2024-01-05", "2024-01-05T13:00", "2024-01-05 13:00:00", "2024-01-05T13:00:00.123Z" (Z or no
 * zone). Answers the instant in ms as parseDate would, or NaN for anything else, a date out of
 * range among them (the caller then decodes the cell and calls parseDate for the value or the reason).
 */
export function isoDateBytes(b: Uint8Array, s: number, e: number, timeZone: string): number {
  const n = e - s;
  if (n < 10 || b[s + 4] !== 45 || b[s + 7] !== 45) return Number.NaN;
  const y = digits(b, s, 4);
  const mo = digits(b, s + 5, 2);
  const d = digits(b, s + 8, 2);
  if (y < 0 || mo < 0 || d < 0) return Number.NaN;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  let i = s + 10;
  let zulu = false;
  if (i < e) {
    const t = b[i];
    if ((t !== 84 && t !== 32) || e - i < 6 || b[i + 3] !== 58) return Number.NaN; // 'T' or ' ', "HH:MM"
    h = digits(b, i + 1, 2);
    mi = digits(b, i + 4, 2);
    if (h < 0 || mi < 0) return Number.NaN;
    i += 6;
    if (i < e && b[i] === 58) {
      sec = digits(b, i + 1, 2);
      if (sec < 0 || e - i < 3) return Number.NaN;
      i += 3;
      if (i < e && (b[i] === 46 || b[i] === 44)) {
        // a fraction of 1 to 9 digits: its first three are the milliseconds
        let j = i + 1;
        while (j < e && b[j] >= 48 && b[j] <= 57) j++;
        const count = j - i - 1;
        if (count < 1 || count > 9) return Number.NaN;
        for (let k = 0; k < 3; k++) ms = ms * 10 + (k < count ? b[i + 1 + k] - 48 : 0);
        i = j;
      }
    }
    if (i < e && (b[i] === 90 || b[i] === 122)) {
      zulu = true; // 'Z' or 'z'
      i++;
    }
    if (i !== e) return Number.NaN;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1900 || y > 2200) return Number.NaN;
  if (d > (mo === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : daysInMonth[mo - 1])) return Number.NaN;
  const base = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  return zulu ? base : base - zoneOffsetMs(base - zoneOffsetMs(base, timeZone), timeZone);
}

/** The number written by `count` ASCII digits at b[at]; −1 when they are not all digits. */
function digits(b: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const c = b[at + k] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** ISO 8601, "2024-01-05 13:00:00 +0100", dd/mm/yyyy or mm/dd/yyyy, "Jan 5, 2024", yyyymmdd, unix seconds or ms. */
export function parseDate(raw: string, opts: DateOptions): Parsed<Date> {
  const s = raw.trim();
  if (!s) return fail('date is empty');
  let m = isoRe.exec(s);
  if (m) {
    const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
    return build(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), ms, m[8], opts.timeZone);
  }
  if (/^\d{8}$/.test(s)) {
    const y = +s.slice(0, 4);
    if (y >= 1900 && y <= 2200) return build(y, +s.slice(4, 6), +s.slice(6, 8), 0, 0, 0, 0, undefined, opts.timeZone);
  }
  if (/^\d{9,10}(\.\d+)?$/.test(s)) return { ok: true, value: new Date(Math.round(Number(s) * 1000)) };
  if (/^\d{12,13}$/.test(s)) return { ok: true, value: new Date(Number(s)) };
  m = numericRe.exec(s);
  if (m) {
    let [a, b] = [+m[1], +m[2]];
    if (opts.order === 'mdy') [a, b] = [b, a];
    let y = +m[3];
    if (m[3].length === 2) y += y >= 70 ? 1900 : 2000;
    const r = build(y, b, a, hour12(+(m[4] ?? 0), m[7]), +(m[5] ?? 0), +(m[6] ?? 0), 0, m[8], opts.timeZone);
    if (!r.ok) return fail(`"${s.slice(0, 40)}" is not a valid date (read as ${opts.order === 'dmy' ? 'day/month/year' : 'month/day/year'}: ${r.reason})`);
    return r;
  }
  m = namedRe.exec(s);
  if (m) {
    const mon = months[(m[2] ?? m[3]).toLowerCase()];
    if (!mon) return fail(`"${s.slice(0, 40)}" is not a date`);
    return build(+m[5], mon, +(m[1] ?? m[4]), hour12(+(m[6] ?? 0), m[9]), +(m[7] ?? 0), +(m[8] ?? 0), 0, m[10], opts.timeZone);
  }
  return fail(`"${s.slice(0, 40)}" is not a date`);
}

// ---- people ----

export function normalizeEmail(raw: string | null | undefined): string | null {
  const e = (raw ?? '').trim().toLowerCase();
  return e.includes('@') ? e : null;
}

export function isValidEmail(raw: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw.trim());
}

/** Digits only; a leading 00 becomes the international form; fewer than 6 digits is no phone. */
export function normalizePhone(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let d = raw.replace(/^'/, '').replace(/\D/g, '');
  if (d.startsWith('00')) d = d.slice(2);
  return d.length >= 6 ? d : null;
}

export function parseBoolean(raw: string): boolean | null {
  const s = raw.trim().toLowerCase();
  if (['yes', 'y', 'true', '1', 'subscribed', 'opted_in', 'opt-in', 'confirmed'].includes(s)) return true;
  if (['no', 'n', 'false', '0', 'unsubscribed', 'not_subscribed', 'opted_out', 'pending', ''].includes(s)) return false;
  return null;
}
