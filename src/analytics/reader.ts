// Reads order and subscription files for `keepwell report`: CSV (comma, semicolon or tab, with
// a header using common column names) or whitespace-separated files without a header such as
// CDNOW's, where the columns are named by 1-based number. Bad rows are reported with their
// line number and skipped; the good ones are kept.
import fs from 'node:fs';
import readline from 'node:readline';
import { columnKey, columnNames, type ColumnField } from '../platform/columns.js';
import { type CsvRecord, readCsvFile, readCsvRecords, readLinesOfFile } from '../platform/csv/reader.js';
import { DayConverter, dayOfIsoInstantBytes, parseDay } from './dates.js';
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

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * parseAmount's plain-decimal case on the bytes of a cell, b[s, e): NaN when the cell is not
 * -?digits[.digits] with at most 15 digits (parseAmount on its text decides then). With at most
 * 15 digits the digits are an exact integer M and 10^k is exact, so M / 10^k is the correctly
 * rounded value of the decimal: the same number Number(text) gives.
 */
function plainAmountBytes(b: Uint8Array, s: number, e: number, digits: number): number {
  let i = s;
  const negative = b[i] === 45;
  if (negative) i++;
  let m = 0;
  let count = 0;
  let fraction = -1;
  for (; i < e; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      count++;
    } else if (c === 46 && fraction < 0 && count > 0) fraction = count;
    else return NaN;
  }
  if (count === 0 || count > 15 || fraction === count) return NaN;
  const k = fraction < 0 ? 0 : count - fraction;
  const v = k === 0 ? m : m / POW10[k];
  return Math.round((negative ? -v : v) * 10 ** digits);
}

/** JavaScript's trim() whitespace within ASCII (tab, line feed, vertical tab, form feed, carriage return, space) */
const isAsciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/**
 * Customer ids by their bytes (ASCII ids, trimmed) → the builder's customer index: the builder's
 * own Map is asked once per distinct id, not once per row with a string made for it.
 */
class ByteIdIndex {
  private slots = new Int32Array(1 << 12).fill(-1);
  private hashes = new Int32Array(1 << 11);
  private starts = new Int32Array(1 << 11);
  private lengths = new Int32Array(1 << 11);
  private values = new Int32Array(1 << 11);
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  private count = 0;

  constructor(private readonly indexOf: (id: string) => number) {}

  /** the index of the id b[s, e) (ASCII, trimmed, not empty) whose FNV-1a hash is h */
  get(b: Uint8Array, s: number, e: number, h: number): number {
    const mask = this.slots.length - 1;
    const len = e - s;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = this.slots[slot];
      if (k < 0) return this.add(b, s, e, h, slot);
      if (this.hashes[k] !== h || this.lengths[k] !== len) continue;
      const at = this.starts[k];
      let i = 0;
      while (i < len && this.arena[at + i] === b[s + i]) i++;
      if (i === len) return this.values[k];
    }
  }

  private add(b: Uint8Array, s: number, e: number, h: number, slot: number): number {
    const k = this.count++;
    if (k === this.hashes.length) {
      const grow = (a: Int32Array) => {
        const bigger = new Int32Array(a.length * 2);
        bigger.set(a);
        return bigger;
      };
      this.hashes = grow(this.hashes);
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.values = grow(this.values);
    }
    const len = e - s;
    if (this.used + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      bigger.set(this.arena);
      this.arena = bigger;
    }
    this.arena.set(b.subarray(s, e), this.used);
    this.hashes[k] = h;
    this.starts[k] = this.used;
    this.lengths[k] = len;
    this.used += len;
    const value = this.indexOf(Buffer.from(b.buffer, b.byteOffset + s, len).toString('latin1'));
    this.values[k] = value;
    this.slots[slot] = k;
    if (2 * this.count > this.slots.length) this.rehash();
    return value;
  }

  private rehash() {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let k = 0; k < this.count; k++) {
      let slot = this.hashes[k] & mask;
      while (slots[slot] >= 0) slot = (slot + 1) & mask;
      slots[slot] = k;
    }
    this.slots = slots;
  }
}

/** whether b[s, e) holds the same bytes as `last` */
function sameBytes(b: Uint8Array, s: number, e: number, last: Uint8Array | null): boolean {
  if (last === null || last.length !== e - s) return false;
  for (let i = 0; i < last.length; i++) if (last[i] !== b[s + i]) return false;
  return true;
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
  const onCells = (line: number, cells: string[]) => {
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
  };
  if (delimiter === null) {
    await forEachRow(file, null, onCells);
    return { table: builder.build(), errors, rows, columns: names };
  }
  // CSV: the common row (an ASCII customer id, an ISO instant, a plain decimal) straight from
  // the file's bytes, the same values onCells would find; anything else goes through onCells
  const ids = new ByteIdIndex((id) => builder.customerIndex(id));
  let statusBytes: Uint8Array | null = null;
  let statusBytesVoid = false;
  let currencyBytes: Uint8Array | null = null;
  let currencyBytesIdx = -1;
  const fromBytes = (rec: CsvRecord): boolean => {
    if (!rec.raw(cCol)) return false;
    const b = rec.bytes;
    let s = rec.starts[cCol];
    let e = rec.ends[cCol];
    while (s < e && isAsciiSpace(b[s])) s++;
    while (e > s && isAsciiSpace(b[e - 1])) e--;
    if (s === e) return false;
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) {
      const c = b[i];
      if (c > 127) return false;
      h = Math.imul(h ^ c, 16777619);
    }
    let day = rec.raw(dCol) ? dayOfIsoInstantBytes(b, rec.starts[dCol], rec.ends[dCol], converter) : NaN;
    if (Number.isNaN(day)) {
      const parsed = parseDay(rec.text(dCol), converter);
      if (parsed === null) return false;
      day = parsed;
    }
    const ac = aCol >= 0 ? aCol : minorCol;
    const dg = aCol >= 0 ? digits : 0;
    let amount = rec.raw(ac) ? plainAmountBytes(b, rec.starts[ac], rec.ends[ac], dg) : NaN;
    if (Number.isNaN(amount)) {
      const parsed = parseAmount(rec.text(ac), dg);
      if (parsed === null) return false;
      amount = parsed;
    }
    let isVoid = false;
    if (sCol >= 0) {
      if (rec.raw(sCol) && sameBytes(b, rec.starts[sCol], rec.ends[sCol], statusBytes)) isVoid = statusBytesVoid;
      else {
        isVoid = isVoidStatus(rec.text(sCol));
        statusBytes = rec.raw(sCol) ? b.slice(rec.starts[sCol], rec.ends[sCol]) : null;
        statusBytesVoid = isVoid;
      }
    }
    let currency = -1;
    if (curCol >= 0) {
      if (rec.raw(curCol) && sameBytes(b, rec.starts[curCol], rec.ends[curCol], currencyBytes)) currency = currencyBytesIdx;
      else {
        currency = currencyOf(rec.text(curCol));
        currencyBytes = rec.raw(curCol) ? b.slice(rec.starts[curCol], rec.ends[curCol]) : null;
        currencyBytesIdx = currency;
      }
    }
    rows++;
    builder.addRow(ids.get(b, s, e, h | 0), day, amount, isVoid, currency);
    return true;
  };
  await readCsvRecords(file, delimiter, (rec, line) => {
    if (rec.length === 1 && rec.text(0).trim() === '') return;
    if (first || refCol >= 0 || !fromBytes(rec)) onCells(line, rec.cells());
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
