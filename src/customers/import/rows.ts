// Turns one CSV record into a typed row for its record type, or a reason it is bad. Pure.
import { createHash } from 'node:crypto';
import { retentionDrivers, type RetentionDriver } from '../customers.tables.js';
import type { Field, ImportType, Mapping, Preset } from './presets.js';
import { type CsvRecord as RecordView, utf8Slice } from '../../platform/csv/reader.js';
import {
  currencyExponent,
  type DateOrder,
  isCurrencyCode,
  isoDateBytes,
  MAX_AMOUNT_MINOR,
  isValidEmail,
  normalizeEmail,
  normalizePhone,
  parseAmount,
  parseBoolean,
  parseDate,
  plainAmountBytes,
} from './values.js';

export type OrderStatus = 'paid' | 'pending' | 'refunded' | 'cancelled';

export interface CustomerPart {
  /** the customer's id in the source (or "name:…" when only a name identifies them) */
  customerExt: string | null;
  name: string | null;
  email: string | null;
  emailNorm: string | null;
  phone: string | null;
  phoneNorm: string | null;
  address: string | null;
  city: string | null;
  postalCode: string | null;
  country: string | null;
}

export interface OrderRow extends CustomerPart {
  line: number;
  ext: string;
  extGiven: boolean;
  /** minor units; negative on a cancellation or refund row (the reader turns those into RefundRows) */
  amount: number;
  currency: string;
  orderedAt: Date;
  status: OrderStatus;
  /** the order a cancellation or refund row names as the one it undoes */
  cancels?: string | null;
  /** a quantity below zero on the row (a returned line) */
  negativeQuantity?: boolean;
}

/** A cancellation or refund: applied at the end of the import to the order it undoes (refunds.ts). */
export interface RefundRow extends CustomerPart {
  refund: true;
  line: number;
  /** the refund's own id (an invoice "C536379"), or one made from its contents */
  ext: string;
  /** minor units refunded (positive) */
  amount: number;
  currency: string;
  refundedAt: Date;
  /** the order it names, when the file says */
  cancels: string | null;
  /** what the order becomes when this undoes all of it */
  kind: 'cancelled' | 'refunded';
}

/** More lines of an order already handed on in an earlier batch of the same import (a line-item
 * file whose lines of one order are not next to each other): their sum is added to the order. */
export interface OrderPart {
  part: true;
  line: number;
  ext: string;
  /** minor units to add (negative when the lines returned goods) */
  amount: number;
}

export interface CustomerRow extends CustomerPart {
  line: number;
  birthday: string | null;
  tags: string[] | null;
  acquiredAt: Date | null;
  consent: boolean | null;
  driver: RetentionDriver | null;
}

export interface SubscriptionRow extends CustomerPart {
  line: number;
  ext: string;
  extGiven: boolean;
  plan: string;
  amount: number;
  currency: string;
  interval: 'week' | 'month' | 'quarter' | 'year';
  startedAt: Date;
  canceledAt: Date | null;
  cancelReason: string | null;
}

export type MappedRow =
  | { kind: 'order'; row: OrderRow }
  | { kind: 'customer'; row: CustomerRow }
  | { kind: 'subscription'; row: SubscriptionRow }
  | { kind: 'error'; reason: string }
  | { kind: 'skip'; reason: string }
  /** a continuation row of an order already seen (one row per line item) */
  | { kind: 'line-item'; ext: string };

export interface MapperOptions {
  type: ImportType;
  headers: string[];
  mapping: Mapping;
  preset: Preset | null;
  defaultCurrency: string;
  timeZone: string;
  /** date order per field (decided from the data) */
  dateOrders: Partial<Record<Field, DateOrder>>;
  /** dates after this instant (epoch ms; default: a day from now) are refused: nothing is dated in the future */
  notAfter?: number;
  /** told when an id written as a float ("17850.0") is read as the integer it names */
  onFloatId?(): void;
}

/** "17850.0" → "17850": spreadsheets write numeric ids as floats. */
const floatId = /^(\d+)\.0+$/;
const quantityRe = /^[+-]?\d+(?:[.,]\d+)?$/;

const orderStatuses: Record<string, OrderStatus | 'skip'> = {
  paid: 'paid',
  completed: 'paid',
  complete: 'paid',
  succeeded: 'paid',
  success: 'paid',
  processing: 'paid',
  fulfilled: 'paid',
  shipped: 'paid',
  delivered: 'paid',
  closed: 'paid',
  pending: 'pending',
  open: 'pending',
  unpaid: 'pending',
  authorized: 'pending',
  'on-hold': 'pending',
  'on hold': 'pending',
  refunded: 'refunded',
  returned: 'refunded',
  refund: 'refunded',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  voided: 'cancelled',
  void: 'cancelled',
  failed: 'skip',
  declined: 'skip',
};

const intervals: Record<string, SubscriptionRow['interval']> = {
  week: 'week',
  weekly: 'week',
  w: 'week',
  month: 'month',
  monthly: 'month',
  m: 'month',
  mo: 'month',
  quarter: 'quarter',
  quarterly: 'quarter',
  q: 'quarter',
  year: 'year',
  yearly: 'year',
  annual: 'year',
  annually: 'year',
  y: 'year',
  yr: 'year',
};

const occurrenceCap = 5_000_000;

export function hashId(prefix: string, base: string): string {
  return prefix + createHash('sha1').update(base).digest('base64url').slice(0, 22);
}

/** A record as the mapper reads it: cells as text, or as offsets into the file's bytes. */
export type MapperRecord = RecordView;

/** Short cells met again and again (currency codes, statuses) by their bytes, so a row need not decode them. */
class ShortCells<T> {
  private readonly byKey = new Map<number, { bytes: Uint8Array; value: T }>();

  private static key(b: Uint8Array, s: number, e: number): number {
    let h = e - s;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
    return h;
  }

  get(b: Uint8Array, s: number, e: number): T | undefined {
    if (e - s > 24) return undefined;
    const hit = this.byKey.get(ShortCells.key(b, s, e));
    if (hit === undefined || hit.bytes.length !== e - s) return undefined;
    for (let i = 0; i < hit.bytes.length; i++) if (hit.bytes[i] !== b[s + i]) return undefined;
    return hit.value;
  }

  set(b: Uint8Array, s: number, e: number, value: T): void {
    if (e - s > 24 || this.byKey.size >= 256) return;
    this.byKey.set(ShortCells.key(b, s, e), { bytes: Uint8Array.prototype.slice.call(b, s, e), value });
  }
}

/** Builds the per-record mapper. It keeps a count of identical id-less rows so each gets a stable id. */
export function createMapper(opts: MapperOptions): (rec: MapperRecord) => MappedRow {
  const index = new Map(opts.headers.map((h, i) => [h, i]));
  const col = (f: Field): number => {
    const h = opts.mapping[f];
    return h === undefined ? -1 : (index.get(h) ?? -1);
  };
  const c = Object.fromEntries(
    (
      [
        'order_id',
        'cancels',
        'quantity',
        'unit_price',
        'subscription_id',
        'customer_id',
        'email',
        'name',
        'first_name',
        'last_name',
        'phone',
        'amount',
        'currency',
        'date',
        'status',
        'address',
        'city',
        'postal_code',
        'country',
        'birthday',
        'tags',
        'acquired_at',
        'marketing_consent',
        'retention_driver',
        'plan',
        'interval',
        'started_at',
        'canceled_at',
        'cancel_reason',
      ] as Field[]
    ).map((f) => [f, col(f)]),
  ) as Record<Field, number>;
  const occurrences = new Map<string, number>();
  const statusMap: Record<string, OrderStatus | 'skip'> = { ...orderStatuses, ...(opts.preset?.status ?? {}) };
  const dateOpts = (f: Field) => ({ order: opts.dateOrders[f] ?? 'dmy', timeZone: opts.preset?.timeZone ?? opts.timeZone });
  const zone = opts.preset?.timeZone ?? opts.timeZone;
  const headerOf = (f: Field) => opts.mapping[f] ?? f;

  /** cell i trimmed, or null when empty or absent. A cell read from bytes whose ends are not
   * spaces is decoded as it is (String.prototype.trim would leave it unchanged). */
  const get = (r: MapperRecord, i: number): string | null => {
    if (i < 0 || i >= r.length) return null;
    if (r.raw(i)) {
      const s = r.starts[i];
      const e = r.ends[i];
      if (s === e) return null;
      const b = r.bytes;
      const first = b[s];
      const last = b[e - 1];
      if (first > 32 && first < 128 && last > 32 && last < 128) return utf8Slice(b, s, e);
    }
    const t = r.text(i).trim();
    return t === '' ? null : t;
  };

  /** an id cell: a leading apostrophe (a spreadsheet's text marker) dropped, "17850.0" read as 17850 */
  const idCell = (r: MapperRecord, i: number): string | null => {
    let v = get(r, i);
    if (v === null) return null;
    if (v.charCodeAt(0) === 39) v = v.slice(1);
    if (v.charCodeAt(v.length - 1) === 48) {
      const m = floatId.exec(v);
      if (m) {
        opts.onFloatId?.();
        return m[1];
      }
    }
    return v;
  };

  // What customerPart found, for the row made next (no object per row).
  let cpExt: string | null = null;
  let cpName: string | null = null;
  let cpEmail: string | null = null;
  let cpEmailNorm: string | null = null;
  let cpPhone: string | null = null;
  let cpPhoneNorm: string | null = null;
  /** Reads the customer's cells; answers the reason the row is bad, or null. */
  const customerPart = (r: MapperRecord): string | null => {
    let customerExt = idCell(r, c.customer_id);
    if (customerExt === '0') customerExt = null; // guest checkout (WooCommerce writes 0)
    const emailRaw = get(r, c.email);
    let email: string | null = null;
    if (emailRaw) {
      if (!isValidEmail(emailRaw)) return `${headerOf('email')}: "${emailRaw.slice(0, 60)}" is not an email address`;
      email = emailRaw;
    }
    const phoneCell = get(r, c.phone);
    const phone = phoneCell !== null && phoneCell.charCodeAt(0) === 39 ? phoneCell.slice(1) : phoneCell;
    let name = get(r, c.name);
    if (!name) {
      const first = get(r, c.first_name);
      const last = get(r, c.last_name);
      name = first && last ? `${first} ${last}` : first || last || null;
    }
    const emailNorm = normalizeEmail(email);
    const phoneNorm = normalizePhone(phone);
    if (!customerExt && !emailNorm && !phoneNorm) {
      if (name && opts.type !== 'customers') customerExt = `name:${name.toLowerCase().replace(/\s+/g, ' ')}`;
      else return 'no customer id, email or phone on this row';
    }
    if ((name !== null && name.length > 500) || (email !== null && email.length > 500) || (phone !== null && phone.length > 500)) return 'a name, email or phone is longer than 500 characters';
    cpExt = customerExt;
    cpName = name;
    cpEmail = email;
    cpEmailNorm = emailNorm;
    cpPhone = phone;
    cpPhoneNorm = phoneNorm;
    return null;
  };
  const part = (r: MapperRecord): CustomerPart => ({
    customerExt: cpExt,
    name: cpName,
    email: cpEmail,
    emailNorm: cpEmailNorm,
    phone: cpPhone,
    phoneNorm: cpPhoneNorm,
    address: get(r, c.address),
    city: get(r, c.city),
    postalCode: get(r, c.postal_code),
    country: get(r, c.country),
  });

  const currencies = new ShortCells<string>();
  /** the currency cell in capitals; undefined when it is not a currency code (then `moneyError` says why) */
  const currencyCell = (r: MapperRecord): string | null | undefined => {
    const i = c.currency;
    if (i < 0) return null;
    const raw = r.raw(i);
    if (raw) {
      const hit = currencies.get(r.bytes, r.starts[i], r.ends[i]);
      if (hit !== undefined) return hit;
    }
    const cell = get(r, i)?.toUpperCase() ?? null;
    if (cell && !isCurrencyCode(cell)) {
      moneyError = `${headerOf('currency')}: "${cell.slice(0, 20)}" is not a currency code`;
      return undefined;
    }
    if (raw && cell !== null) currencies.set(r.bytes, r.starts[i], r.ends[i], cell);
    return cell;
  };

  // What money found, for the row made next.
  let mAmount = 0;
  let mCurrency = '';
  let mNegativeQuantity = false;
  let moneyError = '';
  // the last currency's exponent (a file mostly names one currency)
  let exponentOf = '';
  let exponent = 2;
  /** The row's amount: the amount column, else quantity × unit price (a line of an order). Negative
   * amounts are allowed only where `negativeOk` (orders: a refund or cancellation). Answers false
   * when the row is bad (`moneyError` says why). */
  const money = (r: MapperRecord, negativeOk: boolean): boolean => {
    const curCell = currencyCell(r);
    if (curCell === undefined) return false;
    let quantity = 1;
    const qRaw = c.quantity >= 0 ? get(r, c.quantity) : null;
    if (qRaw !== null) {
      if (!quantityRe.test(qRaw)) {
        moneyError = `${headerOf('quantity')}: "${qRaw.slice(0, 30)}" is not a quantity`;
        return false;
      }
      quantity = Number(qRaw.replace(',', '.'));
    }
    const byUnit = c.amount < 0 && c.unit_price >= 0;
    const i = byUnit ? c.unit_price : c.amount;
    const currency = curCell ?? opts.defaultCurrency;
    if (currency !== exponentOf) {
      exponentOf = currency;
      exponent = currencyExponent(currency);
    }
    // "123.45" straight from the bytes (parseAmount's own fast path, without the string)
    let minor = r.raw(i) && exponent === 2 ? plainAmountBytes(r.bytes, r.starts[i], r.ends[i]) : -1;
    let named: string | null = null;
    if (minor < 0) {
      const raw = get(r, i);
      if (raw === null) {
        moneyError = `${headerOf(byUnit ? 'unit_price' : 'amount')}: ${byUnit ? 'unit price' : 'amount'} is empty`;
        return false;
      }
      const a = parseAmount(raw, currency);
      if (!a.ok) {
        moneyError = `${headerOf(byUnit ? 'unit_price' : 'amount')}: ${a.reason}`;
        return false;
      }
      minor = a.value.minor;
      named = a.value.currency;
    }
    if (byUnit) minor = Math.round(minor * quantity);
    // a returned line: its quantity is negative; its amount may be written without the sign
    if (quantity < 0 && minor > 0) minor = -minor;
    if (minor < 0 && !negativeOk) {
      moneyError = `${headerOf('amount')}: negative amount "${(get(r, i) ?? '').slice(0, 30)}"`;
      return false;
    }
    if (Math.abs(minor) > MAX_AMOUNT_MINOR) {
      moneyError = `${headerOf(byUnit ? 'unit_price' : 'amount')}: the line's amount is too large`;
      return false;
    }
    mAmount = minor;
    mCurrency = curCell ?? named ?? opts.defaultCurrency;
    mNegativeQuantity = quantity < 0;
    return true;
  };

  const notAfter = opts.notAfter ?? Date.now() + 86400_000;
  const future = (field: Field, raw: string, ms: number) => (ms > notAfter ? `${headerOf(field)}: "${raw.slice(0, 40)}" is in the future (more than a day ahead)` : null);
  // What date found.
  let dateError = '';
  /** The date in the field's column as ms (NaN when empty and not required); null when the row is
   * bad (`dateError` says why). ISO dates are read straight from the bytes. */
  const date = (r: MapperRecord, field: Field, required: boolean): number | null => {
    const i = c[field];
    if (i >= 0 && r.raw(i)) {
      const ms = isoDateBytes(r.bytes, r.starts[i], r.ends[i], zone);
      if (ms <= notAfter) return ms; // false for NaN: read as text below
    }
    const raw = get(r, i);
    if (raw === null) {
      if (!required) return Number.NaN;
      dateError = `${headerOf(field)}: date is empty`;
      return null;
    }
    const d = parseDate(raw, dateOpts(field));
    if (!d.ok) {
      dateError = `${headerOf(field)}: ${d.reason}`;
      return null;
    }
    const ahead = future(field, raw, d.value.getTime());
    if (ahead) {
      dateError = ahead;
      return null;
    }
    return d.value.getTime();
  };
  const statuses = new ShortCells<OrderStatus>();

  const derive = (prefix: string, base: string): string => {
    const h = hashId('', base);
    const n = occurrences.get(h) ?? 0;
    if (occurrences.size < occurrenceCap) occurrences.set(h, n + 1);
    return hashId(prefix, `${base}|${n}`);
  };

  if (opts.type === 'orders') {
    const lineItemRows = Boolean(opts.preset?.lineItemRows);
    return (r) => {
      const orderId = idCell(r, c.order_id);
      if (lineItemRows && orderId && get(r, c.amount) === null) return { kind: 'line-item', ext: orderId };
      let status: OrderStatus = 'paid';
      const si = c.status;
      const known = si >= 0 && r.raw(si) ? statuses.get(r.bytes, r.starts[si], r.ends[si]) : undefined;
      if (known !== undefined) status = known;
      else {
        const statusRaw = get(r, si)?.toLowerCase() ?? null;
        if (statusRaw) {
          const s = statusMap[statusRaw] ?? statusMap[statusRaw.replace(/^wc-/, '')];
          if (!s) return { kind: 'error', reason: `${headerOf('status')}: unknown order status "${statusRaw.slice(0, 30)}"` };
          if (s === 'skip') return { kind: 'skip', reason: `status "${statusRaw}" is not a completed order` };
          status = s;
          if (r.raw(si)) statuses.set(r.bytes, r.starts[si], r.ends[si], s);
        }
      }
      const bad = customerPart(r);
      if (bad !== null) return { kind: 'error', reason: bad };
      if (!money(r, true)) return { kind: 'error', reason: moneyError };
      const ms = date(r, 'date', true);
      if (ms === null) return { kind: 'error', reason: dateError };
      const orderedAt = new Date(ms);
      const ext = orderId ?? derive(mAmount < 0 ? 'r:' : 'h:', `${cpExt ?? cpEmailNorm ?? cpPhoneNorm}|${orderedAt.toISOString()}|${mAmount}|${mCurrency}`);
      return {
        kind: 'order',
        row: {
          line: 0,
          ext,
          extGiven: orderId !== null,
          amount: mAmount,
          currency: mCurrency,
          orderedAt,
          status,
          cancels: idCell(r, c.cancels),
          negativeQuantity: mNegativeQuantity,
          customerExt: cpExt,
          name: cpName,
          email: cpEmail,
          emailNorm: cpEmailNorm,
          phone: cpPhone,
          phoneNorm: cpPhoneNorm,
          address: get(r, c.address),
          city: get(r, c.city),
          postalCode: get(r, c.postal_code),
          country: get(r, c.country),
        },
      };
    };
  }
  if (opts.type === 'customers') {
    return (f) => {
      const bad = customerPart(f);
      if (bad !== null) return { kind: 'error', reason: bad };
      const cp = part(f);
      const birthdayRaw = get(f, c.birthday);
      let birthday: string | null = null;
      if (birthdayRaw) {
        const b = parseDate(birthdayRaw, dateOpts('birthday'));
        if (!b.ok) return { kind: 'error', reason: `${headerOf('birthday')}: ${b.reason}` };
        const bAhead = future('birthday', birthdayRaw, b.value.getTime());
        if (bAhead) return { kind: 'error', reason: bAhead };
        birthday = b.value.toISOString().slice(0, 10);
        // a date without time in a zone east of UTC lands on the previous day in UTC
        const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthdayRaw);
        if (iso) birthday = birthdayRaw;
      }
      const acq = date(f, 'acquired_at', false);
      if (acq === null) return { kind: 'error', reason: dateError };
      const consentRaw = get(f, c.marketing_consent);
      const consent = consentRaw === null ? null : parseBoolean(consentRaw);
      if (consentRaw !== null && consent === null) return { kind: 'error', reason: `${headerOf('marketing_consent')}: "${consentRaw.slice(0, 30)}" is not yes or no` };
      const driverRaw = get(f, c.retention_driver)?.toLowerCase() ?? null;
      if (driverRaw && !(retentionDrivers as readonly string[]).includes(driverRaw)) {
        return { kind: 'error', reason: `${headerOf('retention_driver')}: "${driverRaw.slice(0, 30)}" is not one of ${retentionDrivers.join(', ')}` };
      }
      const tagsRaw = get(f, c.tags);
      const tags = tagsRaw
        ? [
            ...new Set(
              tagsRaw
                .split(/[,;|]/)
                .map((t) => t.trim())
                .filter(Boolean),
            ),
          ]
        : null;
      return {
        kind: 'customer',
        row: { line: 0, ...cp, birthday, tags, acquiredAt: Number.isNaN(acq) ? null : new Date(acq), consent, driver: (driverRaw as RetentionDriver | null) ?? null },
      };
    };
  }
  return (f) => {
    const bad = customerPart(f);
    if (bad !== null) return { kind: 'error', reason: bad };
    const cp = part(f);
    const plan = get(f, c.plan);
    if (!plan) return { kind: 'error', reason: `${headerOf('plan')}: plan is empty` };
    if (!money(f, false)) return { kind: 'error', reason: moneyError };
    const intervalRaw = (get(f, c.interval) ?? 'month').toLowerCase();
    const interval = intervals[intervalRaw];
    if (!interval) return { kind: 'error', reason: `${headerOf('interval')}: "${intervalRaw.slice(0, 20)}" is not week, month, quarter or year` };
    const s = date(f, 'started_at', true);
    if (s === null) return { kind: 'error', reason: dateError };
    const e = date(f, 'canceled_at', false);
    if (e === null) return { kind: 'error', reason: dateError };
    const startedAt = new Date(s);
    const subId = idCell(f, c.subscription_id);
    const ext = subId ?? derive('s:', `${cp.customerExt ?? cp.emailNorm ?? cp.phoneNorm}|${plan}|${startedAt.toISOString()}`);
    return {
      kind: 'subscription',
      row: {
        line: 0,
        ext,
        extGiven: subId !== null,
        plan,
        amount: mAmount,
        currency: mCurrency,
        interval,
        startedAt,
        canceledAt: Number.isNaN(e) ? null : new Date(e),
        cancelReason: get(f, c.cancel_reason),
        ...cp,
      },
    };
  };
}
