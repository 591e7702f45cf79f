// Money and numbers as the business writes them, for everything the server formats (emails,
// playbook templates, public pages, timeline summaries): in the workspace's locale, each amount in
// its own currency with that currency's decimals ("£3.30", "¥1,200", "3,30 €"), never "€3.3" or a
// hard-coded `/ 100`. The web app's counterpart is web/src/shell/format.ts.
import type { Database } from '../platform/db/database.js';
import { getWorkspace } from './workspace.service.js';

/** When no workspace is set up yet (first-time setup, a bare test database). */
export const fallbackFormat = { locale: 'en-GB', currency: 'EUR' } as const;

// Intl formatters are costly to make and a batch of emails formats many amounts: keep them.
const formatters = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, options);
    } catch {
      f = new Intl.NumberFormat(fallbackFormat.locale, options); // a locale this Node does not know
    }
    formatters.set(key, f);
  }
  return f;
}

function knownCurrency(currency: string): boolean {
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency });
    return true;
  } catch {
    return false;
  }
}

/** Digits of a currency's minor unit (EUR 2, JPY 0, BHD 3); 2 for a code Intl does not know. */
export function currencyDigits(currency: string): number {
  if (!knownCurrency(currency)) return 2;
  return numberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** An amount in minor units (as stored) in its currency: "£1,234.50" in en-GB, "1.234,50 €" in de-DE. */
export function formatMoney(minor: number, currency: string, locale: string = fallbackFormat.locale): string {
  const digits = currencyDigits(currency);
  const major = minor / 10 ** digits;
  if (!knownCurrency(currency)) return `${numberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(major)} ${currency}`;
  return numberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(major);
}

/** A count with the locale's grouping ("12,345", "12.345"). */
export function formatNumber(value: number, locale: string = fallbackFormat.locale): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

export interface MoneyFormat {
  locale: string;
  /** the workspace's currency */
  currency: string;
  /** minor units in `currency` (the workspace's when not given) */
  money: (minor: number, currency?: string | null) => string;
}

/** The workspace's locale and currency, read once, with a formatter bound to them. */
export async function workspaceMoney(db: Database): Promise<MoneyFormat> {
  const ws = await getWorkspace(db);
  const locale = ws?.locale ?? fallbackFormat.locale;
  const currency = ws?.currency ?? fallbackFormat.currency;
  return { locale, currency, money: (minor, c) => formatMoney(minor, c || currency, locale) };
}
