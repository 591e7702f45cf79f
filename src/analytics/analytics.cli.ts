// `keepwell report [FILE]`: the retention report without a server, from a file or from the
// workspace's database. Prints tables (or --json) and writes a self-contained HTML report.
import { Option, type Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { configFromOptions, withDatabaseOptions } from '../platform/cli-options.js';
import { industries, industryBenchmark } from '../workspace/index.js';
import { DayConverter, parseDay } from './dates.js';
import { readOrdersFile, readRatesFile, readSubscriptionsFile, type RowError } from './reader.js';
import { renderHtmlReport, renderText } from './report.html.js';
import { type ExchangeRate, ordersReport, subscriptionsReport, type PeriodType, type ReportOptions, type RetentionReport, type TimeUnit } from './report.js';

export class ReportUsageError extends Error {}

interface ReportFlags {
  json?: boolean;
  html?: string | false;
  calibrationEnd?: string;
  asOf?: string;
  timeUnit: string;
  period: string;
  type: string;
  customerCol?: string;
  dateCol?: string;
  amountCol?: string;
  timeZone: string;
  industry: string;
  horizon: string;
  discountRate: string;
  activityWindow?: string;
  top: string;
  currency: string;
  rates?: string;
  dataDir?: string;
  databaseUrl?: string;
}

const positiveInt = (flag: string, v: string | undefined, max = 1e9): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ReportUsageError(`${flag} must be a whole number from 1 to ${max} (got ${JSON.stringify(v)})`);
  return n;
};

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new ReportUsageError(`${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  return v as T;
}

/** Validated report options from the flags. */
export function reportOptionsFromFlags(flags: ReportFlags): {
  options: ReportOptions;
  columns: { customerCol?: number; dateCol?: number; amountCol?: number };
  type: 'orders' | 'subscriptions';
  timeZone: string;
} {
  const timeUnit = oneOf('--time-unit', flags.timeUnit, ['day', 'week', 'month'] as const);
  const periodType = oneOf('--period', flags.period, ['month', 'quarter', 'half', 'year'] as const);
  const type = oneOf('--type', flags.type, ['orders', 'subscriptions'] as const);
  const timeZone = flags.timeZone;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ReportUsageError(`--time-zone must be an IANA time zone such as Europe/Amsterdam (got ${JSON.stringify(timeZone)})`);
  }
  const converter = new DayConverter(timeZone);
  const day = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const d = parseDay(v, converter);
    if (d === null) throw new ReportUsageError(`${flag} must be a date such as 1997-09-30 (got ${JSON.stringify(v)})`);
    return d;
  };
  const horizon = positiveInt('--horizon', flags.horizon, 3650)!;
  const discountRate = Number(flags.discountRate);
  if (!Number.isFinite(discountRate) || discountRate < 0 || discountRate > 1)
    throw new ReportUsageError(`--discount-rate must be a yearly rate between 0 and 1, e.g. 0.1 (got ${JSON.stringify(flags.discountRate)})`);
  if (!industries.some((i) => i.key === flags.industry)) throw new ReportUsageError(`--industry must be one of ${industries.map((i) => i.key).join(', ')} (got ${JSON.stringify(flags.industry)})`);
  const industry = industryBenchmark(flags.industry);
  const digits = (() => {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency: flags.currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      throw new ReportUsageError(`--currency must be an ISO 4217 code such as EUR (got ${JSON.stringify(flags.currency)})`);
    }
  })();
  return {
    type,
    timeZone,
    columns: {
      customerCol: positiveInt('--customer-col', flags.customerCol, 1000),
      dateCol: positiveInt('--date-col', flags.dateCol, 1000),
      amountCol: positiveInt('--amount-col', flags.amountCol, 1000),
    },
    options: {
      timeUnit: timeUnit as TimeUnit,
      periodType: periodType as PeriodType,
      calibrationEndDay: day('--calibration-end', flags.calibrationEnd),
      asOfDay: day('--as-of', flags.asOf),
      horizonDays: horizon,
      discountRate,
      activityWindowDays: positiveInt('--activity-window', flags.activityWindow, 3650) ?? null,
      saveListSize: positiveInt('--top', flags.top, 10000),
      industry: { key: industry.key, name: industry.name, annualRetention: industry.annualRetention },
      currencyDigits: digits,
      currency: flags.currency.toUpperCase(),
    },
  };
}

/** The owner's exchange rates from --rates (currency, date, rate): any unreadable row is a usage error naming its line. */
async function exchangeRatesFromFlags(flags: ReportFlags, timeZone: string): Promise<ExchangeRate[] | undefined> {
  if (!flags.rates) return undefined;
  if (!fs.existsSync(flags.rates)) throw new ReportUsageError(`--rates: file not found: ${flags.rates}`);
  try {
    const { rates, errors } = await readRatesFile(flags.rates, timeZone);
    if (errors.length) throw new ReportUsageError(`--rates ${flags.rates}: line ${errors[0].line}: ${errors[0].message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
    return rates;
  } catch (err) {
    if (err instanceof ReportUsageError) throw err;
    throw new ReportUsageError(`--rates: ${(err as Error).message}`);
  }
}

/** Runs the report on a file; returns the report and the rows it could not read. */
export async function reportFromFile(file: string, flags: ReportFlags): Promise<{ report: RetentionReport; errors: RowError[]; rows: number }> {
  const { options, columns, type, timeZone } = reportOptionsFromFlags(flags);
  if (!fs.existsSync(file)) throw new ReportUsageError(`File not found: ${file}`);
  options.exchangeRates = await exchangeRatesFromFlags(flags, timeZone);
  if (type === 'subscriptions') {
    const read = await readSubscriptionsFile(file, { timeZone, currencyDigits: options.currencyDigits });
    if (read.subscriptions.length === 0) throw new ReportUsageError(`${file}: no readable subscriptions (${read.errors.length} bad rows)`);
    return { report: subscriptionsReport(read.subscriptions, options), errors: read.errors, rows: read.rows };
  }
  const read = await readOrdersFile(file, { ...columns, timeZone, currencyDigits: options.currencyDigits });
  if (read.table.length === 0) throw new ReportUsageError(`${file}: no readable orders (${read.errors.length} bad rows)`);
  return { report: ordersReport(read.table, options), errors: read.errors, rows: read.rows };
}

/** The JSON printed by --json: the report, minus per-period internals nobody scripts against. */
export function reportJson(report: RetentionReport, extra: Record<string, unknown> = {}) {
  return { ...extra, ...report };
}

const CUSTOMERS_MARK = '\u0000keepwell:customers\u0000';

/**
 * Writes JSON.stringify(value) and a line end to stdout, the same bytes as console.log of it,
 * with the per-customer rows (nearly all of the output on a large file) stringified and written
 * a few thousand at a time: no single string of tens of megabytes to build, flatten and encode.
 * JSON.stringify of an array is its elements' JSON joined by commas inside brackets.
 */
export function writeJsonLine(value: { customers?: unknown }, write: (text: string) => void = (text) => process.stdout.write(text)): void {
  const rows = value.customers;
  if (!Array.isArray(rows) || rows.length === 0) {
    write(`${JSON.stringify(value)}\n`);
    return;
  }
  const head = JSON.stringify({ ...value, customers: CUSTOMERS_MARK });
  const marked = JSON.stringify(CUSTOMERS_MARK);
  const at = head.indexOf(marked);
  if (at < 0 || head.indexOf(marked, at + 1) >= 0) {
    write(`${JSON.stringify(value)}\n`);
    return;
  }
  write(`${head.slice(0, at)}[`);
  const BATCH = 2000;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = JSON.stringify(rows.slice(i, i + BATCH));
    write(i === 0 ? batch.slice(1, -1) : `,${batch.slice(1, -1)}`);
  }
  write(`]${head.slice(at + marked.length)}\n`);
}

export function registerAnalyticsCommands(program: Command): void {
  withDatabaseOptions(
    program
      .command('report')
      .argument('[file]', 'orders (or subscriptions) file; without it, the workspace database')
      .description('retention report: churn per period, cohorts, CLV (BG/NBD, Gamma-Gamma, sBG), health and the save list'),
  )
    .addOption(new Option('--json', 'print the results as one JSON object'))
    .addOption(new Option('--html <file>', 'write the HTML report here').default('keepwell-report.html'))
    .addOption(new Option('--no-html', 'do not write an HTML report'))
    .addOption(new Option('--calibration-end <date>', 'fit the models on data up to this date; the rest is the holdout'))
    .addOption(new Option('--as-of <date>', "the day the report is as of (default: a file's last day; the database: today, or its last day when the data ends long before today)"))
    .addOption(new Option('--time-unit <unit>', 'unit of frequency, recency, age and the model rate: day, week or month').default('day'))
    .addOption(new Option('--period <type>', 'period of the churn table: month, quarter, half or year').default('month'))
    .addOption(new Option('--type <type>', 'what the file holds: orders or subscriptions').default('orders'))
    .addOption(new Option('--customer-col <n>', 'customer id column (1-based), for files without a header'))
    .addOption(new Option('--date-col <n>', 'date column (1-based)'))
    .addOption(new Option('--amount-col <n>', 'amount column (1-based)'))
    .addOption(new Option('--time-zone <tz>', 'time zone for timestamps in the file').default('UTC'))
    .addOption(new Option('--currency <code>', 'currency of the amounts in the file').default('USD'))
    .addOption(
      new Option('--rates <file>', 'exchange rates into the report currency (CSV: currency,date,rate — 1 unit of currency = rate, from that date on); without it other currencies are totalled apart'),
    )
    .addOption(new Option('--industry <key>', 'industry to compare with (file reports)').default('all'))
    .addOption(new Option('--horizon <days>', 'CLV horizon in days').default('365'))
    .addOption(new Option('--discount-rate <rate>', 'yearly discount rate for CLV').default('0.1'))
    .addOption(new Option('--activity-window <days>', 'days a one-off customer stays active after a purchase (default: derived)'))
    .addOption(new Option('--top <n>', 'length of the save list').default('20'))
    .action(async (file: string | undefined, flags: ReportFlags) => {
      try {
        await runReport(file, flags);
      } catch (err) {
        if (err instanceof ReportUsageError || (err instanceof Error && /no column|no header|is empty|missing column/.test(err.message))) {
          console.error(`keepwell report: ${err.message}`);
          process.exit(2);
        }
        throw err;
      }
    });
}

async function runReport(file: string | undefined, flags: ReportFlags): Promise<void> {
  const log = (msg: string) => (flags.json ? console.error(msg) : console.log(msg));
  let sections: { title: string; report: RetentionReport }[];
  let title: string;
  let currency = flags.currency;
  let generatedAt = new Date().toISOString();
  if (file) {
    const { report, errors, rows } = await reportFromFile(file, flags);
    if (errors.length) {
      log(`${errors.length} of ${rows} rows could not be read and were skipped:`);
      for (const e of errors.slice(0, 10)) log(`  line ${e.line}: ${e.message}`);
      if (errors.length > 10) log(`  … and ${errors.length - 10} more`);
    }
    sections = [{ title: report.type === 'subscriptions' ? 'Subscriptions' : 'Orders', report }];
    title = `Retention report: ${path.basename(file)}`;
    if (flags.json) writeJsonLine(reportJson(report, { source: path.resolve(file), skippedRows: errors.length }));
  } else {
    const { options, timeZone } = reportOptionsFromFlags(flags);
    const exchangeRates = await exchangeRatesFromFlags(flags, timeZone);
    const config = configFromOptions(flags);
    // the database only for this branch: a report on a file starts without it
    const { openDatabase } = await import('../platform/db/database.js');
    const { workspaceReport } = await import('./analytics.service.js');
    const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
    try {
      const ws = await workspaceReport(database.db, {
        now: new Date(),
        asOfDay: options.asOfDay,
        calibrationEndDay: options.calibrationEndDay,
        timeUnit: options.timeUnit,
        periodType: options.periodType,
        horizonDays: options.horizonDays,
        discountRate: options.discountRate,
        saveListSize: options.saveListSize,
        exchangeRates,
      });
      currency = ws.workspace.currency;
      generatedAt = ws.generatedAt;
      title = `Retention report: ${ws.workspace.name}`;
      sections = [];
      if (ws.orders) sections.push({ title: 'Orders', report: ws.orders });
      if (ws.subscriptions) sections.push({ title: 'Subscriptions', report: ws.subscriptions });
      if (flags.json) {
        const main = ws.orders ?? ws.subscriptions;
        const json = main
          ? {
              workspace: ws.workspace,
              ...main,
              models: { ...main.models, ...(ws.subscriptions ? { sbg: ws.subscriptions.models.sbg } : {}) },
              subscriptions: ws.subscriptions && ws.orders ? ws.subscriptions : undefined,
            }
          : { workspace: ws.workspace, totals: { customers: 0, orders: 0, revenue: 0 }, periods: [], benchmark: null, models: { bgnbd: null, gammaGamma: null }, customers: [] };
        writeJsonLine(json);
      }
      if (sections.length === 0) log('The workspace has no orders or subscriptions yet: import some first (keepwell import).');
    } finally {
      await database.close();
    }
  }
  if (!flags.json) for (const s of sections) console.log(`\n== ${s.title} ==\n${renderText(s.report, currency)}`);
  if (flags.html !== false && sections.length) {
    const out = path.resolve(flags.html ?? 'keepwell-report.html');
    fs.writeFileSync(out, renderHtmlReport({ title, currency, generatedAt, reports: sections }));
    log(`\nHTML report written to ${out}`);
  }
}
