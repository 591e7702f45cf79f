// The owner's exchange rates, stored per workspace (analytics_exchange_rates): the dashboard's
// figures convert orders in other currencies with them, each order at the latest rate on or
// before its day, and say which rates they used (the report's `currency.note`); `keepwell report
// --rates FILE` takes the same kind of list from a file.
import type { Database } from '../platform/db/database.js';
import { dayOfDate } from './dates.js';
import type { ExchangeRate } from './report.js';

export interface StoredRate {
  currency: string;
  /** YYYY-MM-DD: the rate holds from this day on */
  date: string;
  rate: number;
}

export async function listExchangeRates(db: Database): Promise<StoredRate[]> {
  const rows = await db.selectFrom('analytics_exchange_rates').select(['currency', 'valid_from', 'rate']).orderBy('currency').orderBy('valid_from').execute();
  return rows.map((r) => ({ currency: r.currency, date: String(r.valid_from), rate: Number(r.rate) }));
}

/** The stored rates as the report takes them (local day numbers). */
export async function loadExchangeRates(db: Database): Promise<ExchangeRate[]> {
  return (await listExchangeRates(db)).map((r) => {
    const [y, m, d] = r.date.split('-').map(Number);
    return { currency: r.currency, day: dayOfDate(y, m, d), rate: r.rate };
  });
}

/** Replaces the whole list (the Settings form sends it whole); the caller has validated it. */
export async function replaceExchangeRates(db: Database, rates: StoredRate[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('analytics_exchange_rates').execute();
    if (rates.length)
      await trx
        .insertInto('analytics_exchange_rates')
        .values(rates.map((r) => ({ currency: r.currency, valid_from: r.date, rate: r.rate })))
        .execute();
  });
}
