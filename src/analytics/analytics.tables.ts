// Tables of the analytics feature (migrations numbered 0200–227 in analytics.migrations.ts).
import type { ColumnType, Generated } from 'kysely';

export interface AnalyticsExchangeRatesTable {
  /** ISO 4217 code of the other currency */
  currency: string;
  /** the rate holds from this day on (a calendar date, the workspace's days) */
  valid_from: ColumnType<string, string, string>;
  /** 1 unit of `currency` in the workspace currency */
  rate: number;
  updated_at: Generated<Date>;
}

export interface AnalyticsTables {
  analytics_exchange_rates: AnalyticsExchangeRatesTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends AnalyticsTables {}
}
