// Columnar order data: the compact form every source (CSV file, database) is turned into
// before the analytics run. Money in integer minor units, time in local day numbers.
import { addMonths, monthsBetween } from './dates.js';

export interface OrderTable {
  /** distinct customer ids; a row's `customer` indexes this list */
  customerIds: string[];
  length: number;
  customer: Int32Array;
  day: Int32Array;
  /** integer minor units; a negative amount is a refund */
  amount: Float64Array;
  /** 1 = the order was refunded or cancelled: it is no purchase and no revenue */
  void: Uint8Array;
  /** for a negative row, the row of the order it cancels when the data names it (-1: not named) */
  cancels?: Int32Array;
  /** the currency of each row (an index into `currencies`) when the data names currencies */
  currency?: Uint16Array;
  currencies?: string[];
}

export class OrderTableBuilder {
  private readonly index = new Map<string, number>();
  readonly customerIds: string[] = [];
  private n = 0;
  private customer = new Int32Array(1024);
  private day = new Int32Array(1024);
  private amount = new Float64Array(1024);
  private voided = new Uint8Array(1024);

  customerIndex(id: string): number {
    let c = this.index.get(id);
    if (c === undefined) {
      c = this.customerIds.length;
      this.index.set(id, c);
      this.customerIds.push(id);
    }
    return c;
  }

  private orderRows: Map<string, number> | null = null;
  private refs: [number, string][] = [];

  /**
   * `ref.orderId` names the order (only needed when cancellations name the order they cancel);
   * `ref.cancels` on a negative row names the order it cancels.
   */
  private currencyRows: Uint16Array | null = null;
  private readonly currencyIndex = new Map<string, number>();
  readonly currencies: string[] = [];

  /** `ref.currency`: the row's ISO currency code, when the data has one (never added to another currency's amounts) */
  add(customerId: string, day: number, amountMinor: number, isVoid = false, ref?: { orderId?: string; cancels?: string; currency?: string }): void {
    const cur = ref?.currency?.trim().toUpperCase();
    if (ref?.orderId) (this.orderRows ??= new Map()).set(ref.orderId, this.n);
    if (ref?.cancels && amountMinor < 0) this.refs.push([this.n, ref.cancels]);
    this.addRow(this.customerIndex(customerId), day, amountMinor, isVoid, cur ? this.currencyCode(cur) : -1);
  }

  /** the index of a currency code (trimmed, upper case) for addRow */
  currencyCode(code: string): number {
    let k = this.currencyIndex.get(code);
    if (k === undefined) {
      k = this.currencies.push(code) - 1;
      this.currencyIndex.set(code, k);
    }
    return k;
  }

  /** one row by customer index (customerIndex) and currency index (currencyCode; -1: none): no objects per row */
  addRow(customer: number, day: number, amountMinor: number, isVoid: boolean, currency: number): void {
    if (this.n === this.customer.length) this.grow();
    if (currency >= 0) {
      if (!this.currencyRows) this.currencyRows = new Uint16Array(this.customer.length).fill(0xffff);
      this.currencyRows[this.n] = currency;
    } else if (this.currencyRows) this.currencyRows[this.n] = 0xffff;
    this.customer[this.n] = customer;
    this.day[this.n] = day;
    this.amount[this.n] = Math.round(amountMinor);
    this.voided[this.n] = isVoid ? 1 : 0;
    this.n++;
  }

  get length(): number {
    return this.n;
  }

  private grow() {
    const size = this.customer.length * 2;
    const c = new Int32Array(size);
    c.set(this.customer);
    this.customer = c;
    const d = new Int32Array(size);
    d.set(this.day);
    this.day = d;
    const a = new Float64Array(size);
    a.set(this.amount);
    this.amount = a;
    const v = new Uint8Array(size);
    v.set(this.voided);
    this.voided = v;
    if (this.currencyRows) {
      const k = new Uint16Array(size).fill(0xffff);
      k.set(this.currencyRows);
      this.currencyRows = k;
    }
  }

  build(): OrderTable {
    let cancels: Int32Array | undefined;
    if (this.refs.length) {
      cancels = new Int32Array(this.n).fill(-1);
      for (const [row, id] of this.refs) {
        const target = this.orderRows?.get(id);
        // only an order of the same customer
        if (target !== undefined && this.customer[target] === this.customer[row]) cancels[row] = target;
      }
    }
    // 0xffff: a row without a currency (taken to be in the report's main currency)
    const currency = this.currencyRows ? this.currencyRows.slice(0, this.n) : undefined;
    return {
      ...(cancels ? { cancels } : {}),
      ...(currency ? { currency, currencies: this.currencies } : {}),
      customerIds: this.customerIds,
      length: this.n,
      customer: this.customer.subarray(0, this.n),
      day: this.day.subarray(0, this.n),
      amount: this.amount.subarray(0, this.n),
      void: this.voided.subarray(0, this.n),
    };
  }
}

export type BillingInterval = 'week' | 'month' | 'quarter' | 'year';

export interface SubscriptionRow {
  id: string;
  customerId: string;
  plan: string;
  /** per billing interval, integer minor units */
  amount: number;
  interval: BillingInterval;
  startDay: number;
  /** day the subscription ended; null while it runs */
  cancelDay: number | null;
}

/**
 * Cancellations and refunds applied to the orders they undo. A negative row cancels an order
 * of the same customer on or before its day: the one it names (`cancels`), else the latest one
 * with exactly the negated amount (the Online Retail file's `C541433`, −77,183.60, cancels
 * 541431 of +77,183.60). A cancelled order is no purchase and no revenue (void = 1), and the
 * cancellation row is used up (void = 2). A negative row that matches no whole order is a
 * partial refund: it comes off the latest earlier order of that customer (down to zero, when
 * the order counts as cancelled); what is left over, or a refund with no earlier order, stays
 * a negative amount that lowers revenue only.
 */
export function applyCancellations(t: OrderTable): { table: OrderTable; refunds: number; cancelled: number } {
  let refunds = 0;
  let any = false;
  for (let i = 0; i < t.length; i++)
    if (!t.void[i] && t.amount[i] < 0) {
      refunds -= t.amount[i];
      any = true;
    }
  if (!any) return { table: t, refunds, cancelled: 0 };
  const amount = Float64Array.from(t.amount);
  const voided = Uint8Array.from(t.void);
  const n = t.customerIds.length;
  // rows per customer (CSR), only what is needed: customers with a negative row
  const hasNeg = new Uint8Array(n);
  for (let i = 0; i < t.length; i++) if (!t.void[i] && t.amount[i] < 0) hasNeg[t.customer[i]] = 1;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < t.length; i++) if (hasNeg[t.customer[i]]) start[t.customer[i] + 1]++;
  for (let c = 0; c < n; c++) start[c + 1] += start[c];
  const pos = start.slice(0, n);
  const rows = new Int32Array(start[n]);
  for (let i = 0; i < t.length; i++) if (hasNeg[t.customer[i]]) rows[pos[t.customer[i]]++] = i;
  let cancelled = 0;
  for (let c = 0; c < n; c++) {
    if (!hasNeg[c]) continue;
    // by day, orders before refunds on the same day, then file order
    const list = Array.from(rows.subarray(start[c], start[c + 1])).sort((a, b) => t.day[a] - t.day[b] || Number(t.amount[a] < 0) - Number(t.amount[b] < 0) || a - b);
    for (let j = 0; j < list.length; j++) {
      const i = list[j];
      if (voided[i] || t.amount[i] >= 0) continue;
      const named = t.cancels && t.cancels[i] >= 0 && !voided[t.cancels[i]] && amount[t.cancels[i]] > 0 && t.day[t.cancels[i]] <= t.day[i] ? t.cancels[i] : -1;
      let target = named >= 0 && -t.amount[i] >= amount[named] ? named : -1;
      if (target < 0 && named < 0)
        for (let k = j - 1; k >= 0; k--) {
          const o = list[k];
          if (!voided[o] && t.amount[o] > 0 && amount[o] === -t.amount[i]) {
            target = o;
            break;
          }
        }
      if (target >= 0) {
        voided[target] = 1;
        voided[i] = 2;
        cancelled++;
        continue;
      }
      // a partial refund: off the order it names, else the latest earlier order still standing
      for (let k = j - 1; k >= 0; k--) {
        const o = named >= 0 ? named : list[k];
        if (voided[o] || amount[o] <= 0) continue;
        const off = Math.min(amount[o], -amount[i]);
        amount[o] -= off;
        amount[i] += off;
        if (amount[o] === 0) {
          voided[o] = 1;
          cancelled++;
        }
        if (amount[i] === 0) voided[i] = 2;
        if (amount[i] === 0 || named >= 0) break;
      }
    }
  }
  return { table: { ...t, amount, void: voided }, refunds, cancelled };
}

/** Monthly recurring revenue of one subscription, minor units. */
export function monthlyAmount(s: Pick<SubscriptionRow, 'amount' | 'interval'>): number {
  switch (s.interval) {
    case 'week':
      return (s.amount * 52) / 12;
    case 'month':
      return s.amount;
    case 'quarter':
      return s.amount / 3;
    case 'year':
      return s.amount / 12;
  }
}

/** Length of a billing interval in days (average): for rates per year only, never to count periods. */
export const intervalDays: Record<BillingInterval, number> = { week: 7, month: 365.25 / 12, quarter: 365.25 / 4, year: 365.25 };

const intervalMonths: Record<BillingInterval, number> = { week: 0, month: 1, quarter: 3, year: 12 };

/**
 * The day of the k-th renewal (k = 0: the start), on the calendar: the interval is added to the
 * start date k times at once and clamped to the end of the month (a plan started 31 January
 * renews 29 February, 31 March, 30 April …; one started 29 February renews 28 February).
 */
export function renewalDay(startDay: number, interval: BillingInterval, k: number): number {
  if (interval === 'week') return startDay + 7 * k;
  return addMonths(startDay, intervalMonths[interval] * k);
}

/** The number of renewal dates in (start, day] — renewals that fell due by the end of `day`. */
function renewalsDueBy(startDay: number, interval: BillingInterval, day: number): number {
  if (day <= startDay) return 0;
  if (interval === 'week') return Math.floor((day - startDay) / 7);
  const step = intervalMonths[interval];
  let k = Math.floor(monthsBetween(startDay, day) / step);
  while (k > 0 && renewalDay(startDay, interval, k) > day) k--;
  while (renewalDay(startDay, interval, k + 1) <= day) k++;
  return k;
}

/**
 * Payments a subscription made by the end of `day` (at least 1: the first is paid at the
 * start). A cancellation on or before a renewal date means that renewal was not paid.
 */
export function paymentsMade(s: Pick<SubscriptionRow, 'startDay' | 'cancelDay' | 'interval'>, day: number): number {
  let upTo = day;
  // the renewals strictly before the cancellation day: one on the cancellation day is not paid
  if (s.cancelDay !== null && s.cancelDay - 1 < upTo) upTo = s.cancelDay - 1;
  return 1 + renewalsDueBy(s.startDay, s.interval, upTo);
}

/**
 * A subscription's observed lifetime for the sBG model at the end of `day`: a subscription
 * that ended made `periods` payments (it churned in period `periods`); one still running has
 * survived `periods` renewals so far (censored).
 */
export function subscriptionLifetime(s: Pick<SubscriptionRow, 'startDay' | 'cancelDay' | 'interval'>, day: number): { periods: number; censored: boolean } {
  const ended = s.cancelDay !== null && s.cancelDay <= day;
  const paid = paymentsMade(s, day);
  return ended ? { periods: paid, censored: false } : { periods: paid - 1, censored: true };
}
