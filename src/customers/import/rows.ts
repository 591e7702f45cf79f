// Turns one CSV record into a typed row for its record type, or a reason it is bad. Pure.
import { createHash } from 'node:crypto';
import { retentionDrivers, type RetentionDriver } from '../customers.tables.js';
import type { Field, ImportType, Mapping, Preset } from './presets.js';
import { type DateOrder, isCurrencyCode, MAX_AMOUNT_MINOR, isValidEmail, normalizeEmail, normalizePhone, parseAmount, parseBoolean, parseDate } from './values.js';

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

/** Builds the per-record mapper. It keeps a count of identical id-less rows so each gets a stable id. */
export function createMapper(opts: MapperOptions): (fields: string[]) => MappedRow {
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
  const headerOf = (f: Field) => opts.mapping[f] ?? f;

  const get = (fields: string[], i: number): string | null => {
    if (i < 0) return null;
    const v = fields[i];
    if (v === undefined) return null;
    const t = v.trim();
    return t === '' ? null : t;
  };

  /** an id cell: a leading apostrophe (a spreadsheet's text marker) dropped, "17850.0" read as 17850 */
  const idCell = (f: string[], i: number): string | null => {
    let v = get(f, i);
    if (v === null) return null;
    v = v.replace(/^'/, '');
    const m = floatId.exec(v);
    if (m) {
      opts.onFloatId?.();
      return m[1];
    }
    return v;
  };

  const customerPart = (f: string[]): { part: CustomerPart } | { error: string } => {
    let customerExt = idCell(f, c.customer_id);
    if (customerExt === '0') customerExt = null; // guest checkout (WooCommerce writes 0)
    const emailRaw = get(f, c.email);
    let email: string | null = null;
    if (emailRaw) {
      if (!isValidEmail(emailRaw)) return { error: `${headerOf('email')}: "${emailRaw.slice(0, 60)}" is not an email address` };
      email = emailRaw;
    }
    const phone = get(f, c.phone)?.replace(/^'/, '') ?? null;
    let name = get(f, c.name);
    if (!name) {
      const parts = [get(f, c.first_name), get(f, c.last_name)].filter(Boolean);
      name = parts.length ? parts.join(' ') : null;
    }
    const emailNorm = normalizeEmail(email);
    const phoneNorm = normalizePhone(phone);
    if (!customerExt && !emailNorm && !phoneNorm) {
      if (name && opts.type !== 'customers') customerExt = `name:${name.toLowerCase().replace(/\s+/g, ' ')}`;
      else return { error: 'no customer id, email or phone on this row' };
    }
    for (const v of [name, email, phone]) if (v && v.length > 500) return { error: 'a name, email or phone is longer than 500 characters' };
    return {
      part: {
        customerExt,
        name,
        email,
        emailNorm,
        phone,
        phoneNorm,
        address: get(f, c.address),
        city: get(f, c.city),
        postalCode: get(f, c.postal_code),
        country: get(f, c.country),
      },
    };
  };

  /** The row's amount: the amount column, else quantity × unit price (a line of an order). Negative
   * amounts are allowed only where `negativeOk` (orders: a refund or cancellation). */
  const money = (f: string[], negativeOk: boolean): { amount: number; currency: string; negativeQuantity: boolean } | { error: string } => {
    const curCell = get(f, c.currency)?.toUpperCase() ?? null;
    if (curCell && !isCurrencyCode(curCell)) return { error: `${headerOf('currency')}: "${curCell.slice(0, 20)}" is not a currency code` };
    let quantity = 1;
    const qRaw = c.quantity >= 0 ? get(f, c.quantity) : null;
    if (qRaw !== null) {
      if (!quantityRe.test(qRaw)) return { error: `${headerOf('quantity')}: "${qRaw.slice(0, 30)}" is not a quantity` };
      quantity = Number(qRaw.replace(',', '.'));
    }
    const byUnit = c.amount < 0 && c.unit_price >= 0;
    const raw = get(f, byUnit ? c.unit_price : c.amount);
    if (raw === null) return { error: `${headerOf(byUnit ? 'unit_price' : 'amount')}: ${byUnit ? 'unit price' : 'amount'} is empty` };
    const a = parseAmount(raw, curCell ?? opts.defaultCurrency);
    if (!a.ok) return { error: `${headerOf(byUnit ? 'unit_price' : 'amount')}: ${a.reason}` };
    let minor = byUnit ? Math.round(a.value.minor * quantity) : a.value.minor;
    // a returned line: its quantity is negative; its amount may be written without the sign
    if (quantity < 0 && minor > 0) minor = -minor;
    if (minor < 0 && !negativeOk) return { error: `${headerOf('amount')}: negative amount "${raw.slice(0, 30)}"` };
    if (Math.abs(minor) > MAX_AMOUNT_MINOR) return { error: `${headerOf(byUnit ? 'unit_price' : 'amount')}: the line's amount is too large` };
    return { amount: minor, currency: curCell ?? a.value.currency ?? opts.defaultCurrency, negativeQuantity: quantity < 0 };
  };

  const notAfter = opts.notAfter ?? Date.now() + 86400_000;
  const future = (field: Field, raw: string, d: Date) => (d.getTime() > notAfter ? `${headerOf(field)}: "${raw.slice(0, 40)}" is in the future (more than a day ahead)` : null);
  const date = (f: string[], field: Field, required: boolean): { value: Date | null } | { error: string } => {
    const raw = get(f, c[field]);
    if (raw === null) return required ? { error: `${headerOf(field)}: date is empty` } : { value: null };
    const d = parseDate(raw, dateOpts(field));
    if (!d.ok) return { error: `${headerOf(field)}: ${d.reason}` };
    const ahead = future(field, raw, d.value);
    return ahead ? { error: ahead } : { value: d.value };
  };

  const derive = (prefix: string, base: string): string => {
    const h = hashId('', base);
    const n = occurrences.get(h) ?? 0;
    if (occurrences.size < occurrenceCap) occurrences.set(h, n + 1);
    return hashId(prefix, `${base}|${n}`);
  };

  if (opts.type === 'orders') {
    return (f) => {
      const orderId = idCell(f, c.order_id);
      if (opts.preset?.lineItemRows && orderId && get(f, c.amount) === null) return { kind: 'line-item', ext: orderId };
      const statusRaw = get(f, c.status)?.toLowerCase() ?? null;
      let status: OrderStatus = 'paid';
      if (statusRaw) {
        const s = statusMap[statusRaw] ?? statusMap[statusRaw.replace(/^wc-/, '')];
        if (!s) return { kind: 'error', reason: `${headerOf('status')}: unknown order status "${statusRaw.slice(0, 30)}"` };
        if (s === 'skip') return { kind: 'skip', reason: `status "${statusRaw}" is not a completed order` };
        status = s;
      }
      const cp = customerPart(f);
      if ('error' in cp) return { kind: 'error', reason: cp.error };
      const m = money(f, true);
      if ('error' in m) return { kind: 'error', reason: m.error };
      const d = date(f, 'date', true);
      if ('error' in d) return { kind: 'error', reason: d.error };
      const orderedAt = d.value!;
      const ext = orderId ?? derive(m.amount < 0 ? 'r:' : 'h:', `${cp.part.customerExt ?? cp.part.emailNorm ?? cp.part.phoneNorm}|${orderedAt.toISOString()}|${m.amount}|${m.currency}`);
      return {
        kind: 'order',
        row: {
          line: 0,
          ext,
          extGiven: orderId !== null,
          amount: m.amount,
          currency: m.currency,
          orderedAt,
          status,
          cancels: idCell(f, c.cancels),
          negativeQuantity: m.negativeQuantity,
          ...cp.part,
        },
      };
    };
  }
  if (opts.type === 'customers') {
    return (f) => {
      const cp = customerPart(f);
      if ('error' in cp) return { kind: 'error', reason: cp.error };
      const birthdayRaw = get(f, c.birthday);
      let birthday: string | null = null;
      if (birthdayRaw) {
        const b = parseDate(birthdayRaw, dateOpts('birthday'));
        if (!b.ok) return { kind: 'error', reason: `${headerOf('birthday')}: ${b.reason}` };
        const bAhead = future('birthday', birthdayRaw, b.value);
        if (bAhead) return { kind: 'error', reason: bAhead };
        birthday = b.value.toISOString().slice(0, 10);
        // a date without time in a zone east of UTC lands on the previous day in UTC
        const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthdayRaw);
        if (iso) birthday = birthdayRaw;
      }
      const acq = date(f, 'acquired_at', false);
      if ('error' in acq) return { kind: 'error', reason: acq.error };
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
        row: { line: 0, ...cp.part, birthday, tags, acquiredAt: acq.value, consent, driver: (driverRaw as RetentionDriver | null) ?? null },
      };
    };
  }
  return (f) => {
    const cp = customerPart(f);
    if ('error' in cp) return { kind: 'error', reason: cp.error };
    const plan = get(f, c.plan);
    if (!plan) return { kind: 'error', reason: `${headerOf('plan')}: plan is empty` };
    const m = money(f, false);
    if ('error' in m) return { kind: 'error', reason: m.error };
    const intervalRaw = (get(f, c.interval) ?? 'month').toLowerCase();
    const interval = intervals[intervalRaw];
    if (!interval) return { kind: 'error', reason: `${headerOf('interval')}: "${intervalRaw.slice(0, 20)}" is not week, month, quarter or year` };
    const s = date(f, 'started_at', true);
    if ('error' in s) return { kind: 'error', reason: s.error };
    const e = date(f, 'canceled_at', false);
    if ('error' in e) return { kind: 'error', reason: e.error };
    const subId = idCell(f, c.subscription_id);
    const ext = subId ?? derive('s:', `${cp.part.customerExt ?? cp.part.emailNorm ?? cp.part.phoneNorm}|${plan}|${s.value!.toISOString()}`);
    return {
      kind: 'subscription',
      row: {
        line: 0,
        ext,
        extGiven: subId !== null,
        plan,
        amount: m.amount,
        currency: m.currency,
        interval,
        startedAt: s.value!,
        canceledAt: e.value,
        cancelReason: get(f, c.cancel_reason),
        ...cp.part,
      },
    };
  };
}
