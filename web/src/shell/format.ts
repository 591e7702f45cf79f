// Dates, numbers and money as the business sees them: in the workspace's locale, time zone and
// currency (Settings), never the browser's. Every page formats through this file.
//
// The workspace's settings are loaded once (useWorkspaceFormat / useWorkspaceTimeZone) and kept
// here, so the plain functions below format in the workspace's locale once it is known.
import { useEffect, useState } from 'react';
import { api } from '../api';

export interface WorkspaceFormat {
  locale: string;
  timeZone: string;
  currency: string;
}

/** Until the workspace is loaded: the browser's locale and zone, euros. */
let current: WorkspaceFormat = { locale: browserLocale(), timeZone: browserTimeZone(), currency: 'EUR' };

function browserLocale(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().locale || 'en-GB';
  } catch {
    return 'en-GB';
  }
}
function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// Intl formatters are costly to make and a list formats hundreds of cells: keep them.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function dateFormat(options: Intl.DateTimeFormatOptions, timeZone: string | undefined, locale = current.locale): Intl.DateTimeFormat {
  const key = `d|${locale}|${timeZone}|${JSON.stringify(options)}`;
  let f = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    } catch {
      f = new Intl.DateTimeFormat(undefined, options); // an unknown zone or locale: the browser's
    }
    formatters.set(key, f);
  }
  return f;
}
function numberFormat(options: Intl.NumberFormatOptions, locale = current.locale): Intl.NumberFormat {
  const key = `n|${locale}|${JSON.stringify(options)}`;
  let f = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, options);
    } catch {
      f = new Intl.NumberFormat('en-GB', { ...options, currency: options.currency ? 'EUR' : undefined });
    }
    formatters.set(key, f);
  }
  return f;
}

function toDate(value: string | Date | null | undefined): Date | null {
  if (value == null || value === '') return null;
  // a day without a time (a birthday) is that day wherever you are, not midnight UTC
  const d = value instanceof Date ? value : /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "29 Nov 2026, 14:05" (in the workspace's locale) in the workspace's time zone; "—" for nothing. */
export function formatDateTime(value: string | Date | null | undefined, timeZone: string | undefined = current.timeZone, locale?: string): string {
  const d = toDate(value);
  return d ? dateFormat({ dateStyle: 'medium', timeStyle: 'short' }, timeZone, locale).format(d) : '—';
}

/** "29 Nov 2026" in the workspace's time zone; a YYYY-MM-DD day is shown as that day. */
export function formatDate(value: string | Date | null | undefined, timeZone: string | undefined = current.timeZone): string {
  const d = toDate(value);
  if (!d) return '—';
  const dayOnly = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
  return dateFormat({ dateStyle: 'medium' }, dayOnly ? 'UTC' : timeZone).format(d);
}

/** "14:05" in the workspace's time zone. */
export function formatTime(value: string | Date | null | undefined, timeZone: string | undefined = current.timeZone): string {
  const d = toDate(value);
  return d ? dateFormat({ timeStyle: 'short' }, timeZone).format(d) : '—';
}

/** Digits after the point in a currency's minor unit (EUR 2, JPY 0, BHD 3). */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export interface MoneyOptions {
  /** whole units only ("€1,235"), for headline figures */
  whole?: boolean;
}

/** An amount in major units ("€3.30", never "€3.3"), in the workspace's currency unless given. */
export function formatMoneyMajor(value: number | null | undefined, currency?: string | null, options: MoneyOptions = {}, locale?: string): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const c = currency || current.currency;
  const digits = options.whole ? 0 : currencyDigits(c);
  return numberFormat({ style: 'currency', currency: c, minimumFractionDigits: digits, maximumFractionDigits: digits }, locale).format(value);
}

/** An amount in minor units (cents), as stored. */
export function formatMoney(minor: number | null | undefined, currency?: string | null, options: MoneyOptions = {}, locale?: string): string {
  if (minor == null || !Number.isFinite(minor)) return '—';
  const c = currency || current.currency;
  return formatMoneyMajor(minor / 10 ** currencyDigits(c), c, options, locale);
}

/**
 * A range of money in major units ("€10–€20"), precise enough that its ends differ: a histogram
 * bin from 1.2 to 1.8 is "€1.20–€1.80", never "€1–€1".
 */
export function formatMoneyRange(low: number, high: number, currency?: string | null): string {
  const c = currency || current.currency;
  const most = currencyDigits(c);
  for (let digits = 0; digits <= most; digits++) {
    const f = numberFormat({ style: 'currency', currency: c, minimumFractionDigits: digits, maximumFractionDigits: digits });
    const a = f.format(low);
    const b = f.format(high);
    if (a !== b || digits === most) return `${a}–${b}`;
  }
  return `${formatMoneyMajor(low, c)}–${formatMoneyMajor(high, c)}`;
}

/** A count or measure with the locale's grouping ("12,345", "12.345"). */
export function formatNumber(value: number | null | undefined, maximumFractionDigits = 0): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return numberFormat({ maximumFractionDigits }).format(value);
}

/** A share 0–1 as a percentage ("42%"). */
export function formatPercent(share: number | null | undefined, maximumFractionDigits = 0): string {
  if (share == null || !Number.isFinite(share)) return '—';
  return numberFormat({ style: 'percent', maximumFractionDigits }).format(share);
}

let cached: Promise<WorkspaceFormat | undefined> | null = null;
function load(): Promise<WorkspaceFormat | undefined> {
  cached ??= api.get<Partial<WorkspaceFormat>>('/api/workspace').then(
    (w) => {
      current = { locale: w.locale || current.locale, timeZone: w.timeZone || current.timeZone, currency: w.currency || current.currency };
      formatters.clear();
      return current;
    },
    () => {
      cached = null;
      return undefined;
    },
  );
  return cached;
}

/** The workspace's locale, time zone and currency; the page re-renders once they are loaded. */
export function useWorkspaceFormat(): WorkspaceFormat {
  const [fmt, setFmt] = useState<WorkspaceFormat>(current);
  useEffect(() => {
    let live = true;
    void load().then((f) => live && f && setFmt(f));
    return () => {
      live = false;
    };
  }, []);
  return fmt;
}

/** The workspace time zone (undefined until loaded). */
export function useWorkspaceTimeZone(): string | undefined {
  const [tz, setTz] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void load().then((f) => live && setTz(f?.timeZone));
    return () => {
      live = false;
    };
  }, []);
  return tz;
}

/** Forget the loaded settings (after the owner changes them in Settings). */
export function forgetWorkspaceTimeZone(): void {
  cached = null;
}
export const forgetWorkspaceFormat = forgetWorkspaceTimeZone;

/** What setup proposes from the browser: its language, time zone, and the currency of its region. */
export function browserDefaults(): WorkspaceFormat {
  const locale = (typeof navigator !== 'undefined' && navigator.language) || browserLocale();
  return { locale, timeZone: browserTimeZone(), currency: currencyOfLocale(locale) };
}

// The currency of a locale's region (the regions a small business is likely to be in; else euros).
const regionCurrency: Record<string, string> = {
  GB: 'GBP',
  IE: 'EUR',
  US: 'USD',
  CA: 'CAD',
  AU: 'AUD',
  NZ: 'NZD',
  IN: 'INR',
  ZA: 'ZAR',
  SG: 'SGD',
  HK: 'HKD',
  JP: 'JPY',
  CN: 'CNY',
  KR: 'KRW',
  CH: 'CHF',
  LI: 'CHF',
  SE: 'SEK',
  NO: 'NOK',
  DK: 'DKK',
  IS: 'ISK',
  PL: 'PLN',
  CZ: 'CZK',
  HU: 'HUF',
  RO: 'RON',
  BG: 'BGN',
  TR: 'TRY',
  IL: 'ILS',
  AE: 'AED',
  SA: 'SAR',
  BR: 'BRL',
  MX: 'MXN',
  AR: 'ARS',
  CL: 'CLP',
  CO: 'COP',
  PE: 'PEN',
  NG: 'NGN',
  KE: 'KES',
  EG: 'EGP',
  MY: 'MYR',
  TH: 'THB',
  ID: 'IDR',
  PH: 'PHP',
  VN: 'VND',
  TW: 'TWD',
  UA: 'UAH',
  RS: 'RSD',
};
export function currencyOfLocale(locale: string): string {
  let region: string | undefined;
  try {
    region = new Intl.Locale(locale).maximize().region;
  } catch {
    region = undefined;
  }
  return (region && regionCurrency[region]) || 'EUR';
}
