import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { notFound } from '../platform/http/errors.js';
import { industryKeys } from './industries.js';

const timeZones = new Set(Intl.supportedValuesOf('timeZone').concat(['UTC']));
const currencies = new Set(Intl.supportedValuesOf('currency'));

export const workspaceInput = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  industry: z.enum(industryKeys),
  timeZone: z.string().refine((tz) => timeZones.has(tz), 'is not a known IANA time zone'),
  currency: z
    .string()
    .transform((c) => c.toUpperCase())
    .refine((c) => currencies.has(c), 'is not an ISO 4217 currency code'),
  locale: z
    .string()
    .trim()
    .max(35)
    .refine(isLocale, 'is not a language tag such as en-GB or de-DE')
    .transform((l) => Intl.getCanonicalLocales(l)[0]!)
    .nullable()
    .optional(),
  activityWindowDays: z.number().int().min(7).max(3650).nullable().optional(),
});

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1 && Intl.DateTimeFormat.supportedLocalesOf([tag]).length === 1;
  } catch {
    return false;
  }
}

// A likely locale when the owner has not chosen one: from the currency, for the euro from the time zone.
const localeByCurrency: Record<string, string> = {
  GBP: 'en-GB',
  USD: 'en-US',
  CAD: 'en-CA',
  AUD: 'en-AU',
  NZD: 'en-NZ',
  INR: 'en-IN',
  ZAR: 'en-ZA',
  SGD: 'en-SG',
  CHF: 'de-CH',
  SEK: 'sv-SE',
  NOK: 'nb-NO',
  DKK: 'da-DK',
  PLN: 'pl-PL',
  CZK: 'cs-CZ',
  JPY: 'ja-JP',
};
const localeByZone: Record<string, string> = {
  'Europe/Dublin': 'en-IE',
  'Europe/Berlin': 'de-DE',
  'Europe/Vienna': 'de-AT',
  'Europe/Paris': 'fr-FR',
  'Europe/Brussels': 'fr-BE',
  'Europe/Madrid': 'es-ES',
  'Europe/Rome': 'it-IT',
  'Europe/Amsterdam': 'nl-NL',
  'Europe/Lisbon': 'pt-PT',
  'Europe/Helsinki': 'fi-FI',
  'Europe/Athens': 'el-GR',
  'Europe/Tallinn': 'et-EE',
  'Europe/Luxembourg': 'fr-LU',
};
export function defaultLocale(currency: string, timeZone: string): string {
  return localeByCurrency[currency] ?? localeByZone[timeZone] ?? 'en-GB';
}
export type WorkspaceInput = z.infer<typeof workspaceInput>;

export interface Workspace {
  name: string;
  industry: string;
  timeZone: string;
  currency: string;
  /** how dates, numbers and money are written (chosen, else derived from currency and time zone) */
  locale: string;
  activityWindowDays: number | null;
  extra: Record<string, unknown>;
}

export async function getWorkspace(db: Database): Promise<Workspace | null> {
  const row = await db.selectFrom('workspace').selectAll().executeTakeFirst();
  if (!row) return null;
  return {
    name: row.name,
    industry: row.industry,
    timeZone: row.time_zone,
    currency: row.currency,
    locale: row.locale ?? defaultLocale(row.currency, row.time_zone),
    activityWindowDays: row.activity_window_days,
    extra: row.extra ?? {},
  };
}

export async function requireWorkspace(db: Database): Promise<Workspace> {
  const ws = await getWorkspace(db);
  if (!ws) throw notFound('Workspace (run first-time setup)');
  return ws;
}

export async function saveWorkspace(db: Database, input: WorkspaceInput): Promise<Workspace> {
  const values = {
    name: input.name,
    industry: input.industry,
    time_zone: input.timeZone,
    currency: input.currency,
    locale: input.locale ?? null,
    activity_window_days: input.activityWindowDays ?? null,
  };
  await db
    .insertInto('workspace')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
  return (await getWorkspace(db))!;
}

/** Feature settings kept under workspace.extra[feature]; merged, not replaced. */
export async function getFeatureSettings<T extends object>(db: Database, feature: string, defaults: T): Promise<T> {
  const ws = await getWorkspace(db);
  return { ...defaults, ...((ws?.extra?.[feature] as Partial<T>) ?? {}) };
}

export async function setFeatureSettings(db: Database, feature: string, value: object): Promise<void> {
  const ws = await requireWorkspace(db);
  const extra = { ...ws.extra, [feature]: { ...((ws.extra[feature] as object) ?? {}), ...value } };
  await db
    .updateTable('workspace')
    .set({ extra: JSON.stringify(extra), updated_at: new Date() })
    .execute();
}
