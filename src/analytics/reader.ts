// Reads order and subscription files for `keepwell report`: CSV (comma, semicolon or tab, with
// a header using common column names) or whitespace-separated files without a header such as
// CDNOW's, where the columns are named by 1-based number. Bad rows are reported with their
// line number and skipped; the good ones are kept.
import fs from 'node:fs';
import readline from 'node:readline';
import { columnKey, columnNames, type ColumnField } from '../platform/columns.js';
import { readCsvFile, readLinesOfFile } from '../platform/csv/reader.js';
import { DayConverter, parseDay } from './dates.js';
import { OrderTableBuilder, type BillingInterval, type OrderTable, type SubscriptionRow } from './orders.js';

export interface RowError {
  line: number;
  message: string;
}

export interface ColumnChoice {
  /** 1-based column numbers; when given, they win over header names */
  customerCol?: number;
  dateCol?: number;
  amountCol?: number;
  timeZone?: string;
  currencyDigits?: number;
}

/** Header names per field, from the CSV column vocabulary shared with `keepwell import` (src/platform/columns.ts). */
const named = (...fields: ColumnField[]) => fields.flatMap((f) => columnNames[f] as readonly string[]).map((n) => n.replace(/ /g, '_'));
export const headerAliases = {
  customer: named('customer_id', 'email'),
  date: named('date'),
  amount: named('amount'),
  amountMinor: named('amount_minor'),
  status: named('status'),
  currency: named('currency'),
  orderId: named('order_id'),
  /** on a cancellation or refund row: the order it undoes */
  cancels: named('cancels'),
};

const voidStatuses = new Set(['refunded', 'cancelled', 'canceled', 'voided', 'void', 'failed', 'declined']);

export const normalizeHeader = (h: string) => columnKey(h).replace(/ /g, '_');

function findColumn(headers: string[], names: string[]): number {
  for (const name of names) {
    const i = headers.indexOf(name);
    if (i >= 0) return i;
  }
  return -1;
}

/** Parses "1,234.50", "€ 12,50", "-3.5" to minor units; null when not a number. */
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;

export function parseAmount(text: string, digits = 2): number | null {
  // most files write plain decimals: no currency signs or separators to clean up
  if (PLAIN_NUMBER.test(text)) return Math.round(Number(text) * 10 ** digits);
  let s = text.trim().replace(/[^\d.,\-+]/g, '');
  if (s === '') return null;
  if (s.includes(',') && s.includes('.')) s = s.lastIndexOf(',') > s.lastIndexOf('.') ? s.replace(/\./g, '').replace(',', '.') : s.replace(/,/g, '');
  else if (/^[-+]?\d+,\d{1,2}$/.test(s)) s = s.replace(',', '.');
  else s = s.replace(/,/g, '');
  const v = Number(s);
  if (!Number.isFinite(v)) return null;
  return Math.round(v * 10 ** digits);
}

async function firstLine(file: string): Promise<string> {
  const stream = fs.createReadStream(file, { encoding: 'utf8', end: 64 * 1024 });
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() !== '') {
      rl.close();
      stream.destroy();
      return line.replace(/^\uFEFF/, '');
    }
  }
  return '';
}

function detectDelimiter(line: string): string | null {
  const counts = [',', ';', '\t'].map((d) => [d, line.split(d).length - 1] as const).sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : null;
}

/**
 * Calls `f(line, cells)` for each row of a file, blank rows left out: whitespace-separated
 * columns when `delimiter` is null, else the fast plain-CSV reader (csv-parse for awkward files).
 */
async function forEachRow(file: string, delimiter: string | null, f: (line: number, cells: string[]) => void): Promise<void> {
  if (delimiter === null) {
    await readLinesOfFile(file, (text, line) => {
      const t = text.trim();
      if (t !== '') f(line, t.split(/\s+/));
    });
    return;
  }
  await readCsvFile(file, delimiter, (cells, line) => {
    if (cells.length === 1 && cells[0].trim() === '') return;
    f(line, cells);
  });
}

export interface OrdersFile {
  table: OrderTable;
  errors: RowError[];
  rows: number;
  columns: { customer: string; date: string; amount: string; status: string | null };
}

export async function readOrdersFile(file: string, choice: ColumnChoice = {}): Promise<OrdersFile> {
  const head = await firstLine(file);
  if (!head) throw new Error(`${file} is empty`);
  const delimiter = detectDelimiter(head);
  const converter = new DayConverter(choice.timeZone ?? 'UTC');
  const digits = choice.currencyDigits ?? 2;
  const builder = new OrderTableBuilder();
  const errors: RowError[] = [];
  let cCol = choice.customerCol ? choice.customerCol - 1 : -1;
  let dCol = choice.dateCol ? choice.dateCol - 1 : -1;
  let aCol = choice.amountCol ? choice.amountCol - 1 : -1;
  let minorCol = -1;
  let sCol = -1;
  let oCol = -1;
  let refCol = -1;
  let curCol = -1;
  let names = { customer: `column ${cCol + 1}`, date: `column ${dCol + 1}`, amount: `column ${aCol + 1}`, status: null as string | null };
  // a file repeats a few statuses and currencies: the last text seen and its answer, no string work per row
  let statusText: string | null = null;
  let statusVoid = false;
  const isVoidStatus = (text: string) => {
    if (text !== statusText) {
      statusText = text;
      statusVoid = voidStatuses.has(text.trim().toLowerCase());
    }
    return statusVoid;
  };
  let currencyText: string | null = null;
  let currencyIdx = -1;
  const currencyOf = (text: string) => {
    if (text !== currencyText) {
      currencyText = text;
      const code = text.trim().toUpperCase();
      currencyIdx = code ? builder.currencyCode(code) : -1;
    }
    return currencyIdx;
  };
  let first = true;
  let rows = 0;
  await forEachRow(file, delimiter, (line, cells) => {
    if (first) {
      first = false;
      const headers = cells.map(normalizeHeader);
      const looksLikeHeader = headers.some((h) => Object.values(headerAliases).some((list) => list.includes(h)));
      if (looksLikeHeader) {
        if (cCol < 0) cCol = findColumn(headers, headerAliases.customer);
        if (dCol < 0) dCol = findColumn(headers, headerAliases.date);
        if (aCol < 0) {
          aCol = findColumn(headers, headerAliases.amount);
          if (aCol < 0) minorCol = findColumn(headers, headerAliases.amountMinor);
        }
        sCol = findColumn(headers, headerAliases.status);
        // order ids are kept only when cancellations name the order they cancel
        refCol = findColumn(headers, headerAliases.cancels);
        curCol = findColumn(headers, headerAliases.currency);
        if (refCol >= 0) oCol = findColumn(headers, headerAliases.orderId);
        const missing = [cCol < 0 && 'customer id (e.g. customer_id, email)', dCol < 0 && 'date (e.g. date, created_at)', aCol < 0 && minorCol < 0 && 'amount (e.g. amount, total)'].filter(Boolean);
        if (missing.length) throw new Error(`${file}: no column for ${missing.join(', ')}; name them with --customer-col/--date-col/--amount-col (1-based)`);
        names = { customer: cells[cCol].trim(), date: cells[dCol].trim(), amount: cells[aCol >= 0 ? aCol : minorCol].trim(), status: sCol >= 0 ? cells[sCol].trim() : null };
        return;
      }
      if (cCol < 0 || dCol < 0 || aCol < 0) {
        // no header: the CDNOW layouts, or say which flags are needed
        if (delimiter === null && cells.length === 4) [cCol, dCol, aCol] = [0, 1, 3];
        else if (delimiter === null && cells.length === 5) [cCol, dCol, aCol] = [1, 2, 4];
        else throw new Error(`${file} has no header row; name the columns with --customer-col N --date-col N --amount-col N (1-based)`);
        names = { customer: `column ${cCol + 1}`, date: `column ${dCol + 1}`, amount: `column ${aCol + 1}`, status: null };
      }
      // a header row of other names (CDNOW master's) is skipped when its date does not parse
      if (parseDay(cells[dCol] ?? '', converter) === null && parseAmount(cells[aCol] ?? '', digits) === null) return;
    }
    rows++;
    const id = (cells[cCol] ?? '').trim();
    const day = parseDay(cells[dCol] ?? '', converter);
    const amount = aCol >= 0 ? parseAmount(cells[aCol] ?? '', digits) : parseAmount(cells[minorCol] ?? '', 0);
    if (!id) errors.push({ line, message: `missing customer id (${names.customer})` });
    else if (day === null) errors.push({ line, message: `unreadable date ${JSON.stringify(cells[dCol] ?? '')} (${names.date})` });
    else if (amount === null) errors.push({ line, message: `unreadable amount ${JSON.stringify(cells[aCol >= 0 ? aCol : minorCol] ?? '')} (${names.amount})` });
    else if (refCol >= 0) {
      const cancels = (cells[refCol] ?? '').trim() || undefined;
      builder.add(id, day, amount, sCol >= 0 && isVoidStatus(cells[sCol] ?? ''), {
        orderId: oCol >= 0 ? (cells[oCol] ?? '').trim() : undefined,
        cancels,
        currency: curCol >= 0 ? (cells[curCol] ?? '').trim() || undefined : undefined,
      });
    } else builder.addRow(builder.customerIndex(id), day, amount, sCol >= 0 && isVoidStatus(cells[sCol] ?? ''), curCol >= 0 ? currencyOf(cells[curCol] ?? '') : -1);
  });
  return { table: builder.build(), errors, rows, columns: names };
}

const intervals = new Set(['week', 'month', 'quarter', 'year']);
const intervalAliases: Record<string, BillingInterval> = { weekly: 'week', monthly: 'month', quarterly: 'quarter', yearly: 'year', annual: 'year', annually: 'year' };

export interface SubscriptionsFile {
  subscriptions: SubscriptionRow[];
  errors: RowError[];
  rows: number;
}

/** Subscriptions: id, customer, plan, amount, interval, started_at, canceled_at (header required). */
export async function readSubscriptionsFile(file: string, choice: ColumnChoice = {}): Promise<SubscriptionsFile> {
  const head = await firstLine(file);
  if (!head) throw new Error(`${file} is empty`);
  const delimiter = detectDelimiter(head) ?? ',';
  const converter = new DayConverter(choice.timeZone ?? 'UTC');
  const digits = choice.currencyDigits ?? 2;
  const subscriptions: SubscriptionRow[] = [];
  const errors: RowError[] = [];
  let col: Record<string, number> | null = null;
  let rows = 0;
  await forEachRow(file, delimiter, (line, cells) => {
    if (!col) {
      const h = cells.map(normalizeHeader);
      col = {
        id: findColumn(h, ['id', 'subscription_id', 'external_id']),
        customer: findColumn(h, ['customer', ...headerAliases.customer]),
        plan: findColumn(h, ['plan', 'plan_name', 'product', 'price_id']),
        amount: findColumn(h, ['amount', 'price', 'plan_amount', 'mrr']),
        interval: findColumn(h, ['interval', 'billing_interval', 'plan_interval']),
        started: findColumn(h, ['started_at', 'start_date', 'start', 'created_at', 'created']),
        canceled: findColumn(h, ['canceled_at', 'cancelled_at', 'ended_at', 'end_date', 'canceled', 'cancelled']),
      };
      const missing = ['customer', 'plan', 'amount', 'interval', 'started'].filter((k) => col![k] < 0);
      if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(', ')} (expected id, customer, plan, amount, interval, started_at, canceled_at)`);
      return;
    }
    rows++;
    const get = (k: string) => (col![k] >= 0 ? (cells[col![k]] ?? '').trim() : '');
    const customerId = get('customer');
    const start = parseDay(get('started'), converter);
    const cancelText = get('canceled');
    const cancel = cancelText === '' ? null : parseDay(cancelText, converter);
    const amount = parseAmount(get('amount'), digits);
    const intervalText = get('interval').toLowerCase();
    const interval = (intervals.has(intervalText) ? intervalText : intervalAliases[intervalText]) as BillingInterval | undefined;
    if (!customerId) errors.push({ line, message: 'missing customer' });
    else if (!get('plan')) errors.push({ line, message: 'missing plan' });
    else if (start === null) errors.push({ line, message: `unreadable started_at ${JSON.stringify(get('started'))}` });
    else if (cancelText !== '' && cancel === null) errors.push({ line, message: `unreadable canceled_at ${JSON.stringify(cancelText)}` });
    else if (cancel !== null && cancel < start) errors.push({ line, message: 'canceled_at is before started_at' });
    else if (amount === null || amount < 0) errors.push({ line, message: `unreadable amount ${JSON.stringify(get('amount'))}` });
    else if (!interval) errors.push({ line, message: `interval must be week, month, quarter or year (got ${JSON.stringify(get('interval'))})` });
    else subscriptions.push({ id: get('id') || `line-${line}`, customerId, plan: get('plan'), amount, interval, startDay: start, cancelDay: cancel });
  });
  return { subscriptions, errors, rows };
}

export interface RatesFile {
  rates: { currency: string; day: number; rate: number }[];
  errors: RowError[];
}

/**
 * Exchange rates the owner provides: a CSV with the columns currency, date and rate — 1 unit of
 * `currency` is worth `rate` of the report's currency from that date on (until its next rate).
 */
export async function readRatesFile(file: string, timeZone = 'UTC'): Promise<RatesFile> {
  const head = await firstLine(file);
  if (!head) throw new Error(`${file} is empty`);
  const delimiter = detectDelimiter(head) ?? ',';
  const converter = new DayConverter(timeZone);
  const rates: RatesFile['rates'] = [];
  const errors: RowError[] = [];
  let col: { currency: number; date: number; rate: number } | null = null;
  await forEachRow(file, delimiter, (line, cells) => {
    if (!col) {
      const h = cells.map(normalizeHeader);
      col = { currency: findColumn(h, ['currency', 'code', 'from']), date: findColumn(h, ['date', 'valid_from', 'day', 'as_of']), rate: findColumn(h, ['rate', 'exchange_rate']) };
      const missing = Object.entries(col)
        .filter(([, i]) => i < 0)
        .map(([k]) => k);
      if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(', ')} (expected currency, date, rate)`);
      return;
    }
    const currency = (cells[col.currency] ?? '').trim().toUpperCase();
    const day = parseDay(cells[col.date] ?? '', converter);
    const rate = Number((cells[col.rate] ?? '').trim());
    if (!/^[A-Z]{3}$/.test(currency)) errors.push({ line, message: `currency must be an ISO code such as JPY (got ${JSON.stringify(cells[col.currency] ?? '')})` });
    else if (day === null) errors.push({ line, message: `unreadable date ${JSON.stringify(cells[col.date] ?? '')}` });
    else if (!(rate > 0) || !Number.isFinite(rate)) errors.push({ line, message: `rate must be a positive number (got ${JSON.stringify(cells[col.rate] ?? '')})` });
    else rates.push({ currency, day, rate });
  });
  return { rates, errors };
}
