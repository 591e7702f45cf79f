// The retention report: churn per period, cohorts, BG/NBD + Gamma-Gamma (orders) or sBG
// (subscriptions), CLV, health and the save list, from columnar data. Pure: no database.
//
// Definitions (shown to users in the report):
// - A one-off customer is *active* on a day while their last purchase is at most `W` days
//   old (the activity window). A subscriber is active while a subscription runs.
// - Period [start, end): customersAtStart = active at the start; lost = active at the start and
//   not at the end; new = first purchase in the period; returned = bought before, not active at
//   the start, bought again in the period. churnRate = lost / customersAtStart.
// - Several purchases on one day by one customer count as one purchase (the models' convention).
// - Refunded/cancelled orders are left out; a negative row cancels the order it names or the
//   same customer's order of the negated amount, else comes off their latest earlier order.
// - Default activity window: the 90th percentile of the gaps between a customer's consecutive
//   purchases (rounded up to whole days, at least 7, at most 730), so 9 in 10 returning
//   purchases come inside it; 365 days when nobody has bought twice.
// - Value at risk: see valueAtRiskDefinition (defined once; CLV already carries P(alive)).
import type { BgBbFit } from './bgbb.js';
import type { BgNbdFit } from './bgnbd.js';
import { isoDay, monthIndex, monthLabel, monthStart } from './dates.js';
import { expectedSpend, fitGammaGamma, type GammaGammaFit } from './gammagamma.js';
import { healthScore, type Health, type HealthFactor } from './health.js';
import { mapFloat64, quantile } from './math.js';
import { applyCancellations, intervalDays, monthlyAmount, paymentsMade, subscriptionLifetime, type OrderTable, type SubscriptionRow } from './orders.js';
import type { ParetoNbdFit } from './pnbd.js';
import { type FitJob, type FitWorker, startFitWorker, useFitWorker } from './parallel-fits.js';
import {
  assembleFits,
  automaticHoldoutEnd,
  automaticHoldoutSummaries,
  type Calibration,
  calibrationSummaries,
  chooseModel,
  type FitOutcome,
  fitData,
  fitModel,
  fitModels,
  fittable,
  type HoldoutOptions,
  holdoutSample,
  type ModelChoice,
  type ModelFits,
  type ModelName,
  modelLabels,
  OPPORTUNITY_DAYS,
  predict,
} from './purchase-models.js';
import { derl, fitSbgLifetimes, sbgSurvival, type SbgFit } from './sbg.js';

export type TimeUnit = 'day' | 'week' | 'month';
export type PeriodType = 'month' | 'quarter' | 'half' | 'year';
export const unitDays: Record<TimeUnit, number> = { day: 1, week: 7, month: 365.25 / 12 };
/** periods and cohorts cover at most this many months before the report date */
export const MAX_MONTHS = 120;

export interface CustomerExtras {
  name?: string;
  lastSurveyScore?: number | null;
  openComplaints?: number | null;
  lastTouchpointDay?: number | null;
}

export interface ReportOptions {
  /** the last day of data (default: the last order or subscription day) */
  asOfDay?: number;
  /** fit the models on data up to this day; the rest is the holdout */
  calibrationEndDay?: number;
  timeUnit?: TimeUnit;
  periodType?: PeriodType;
  /** fixed activity window (workspace setting); null/undefined = derived */
  activityWindowDays?: number | null;
  /** CLV and expected-purchases horizon in days (default 365) */
  horizonDays?: number;
  /** annual discount rate for CLV (default 0.10) */
  discountRate?: number;
  industry?: { key: string; name: string; annualRetention: number } | null;
  saveListSize?: number;
  /** digits of the currency's minor unit (2 for EUR/USD, 0 for JPY) */
  currencyDigits?: number;
  extras?: Map<string, CustomerExtras>;
  /**
   * Customers active for other reasons (subscriptions), by customer id: they count as active on
   * these day ranges [lo, hi] too, and as new from `firstDay`. Only the churn periods use this.
   */
  otherActivity?: Map<string, { firstDay: number; ranges: [number, number][] }>;
  /** ISO code of the amounts (the workspace's or the file's); with several in the data, money figures are in this one */
  currency?: string;
  /** the owner's exchange rates into `currency`, dated: an order in another currency is converted at the latest rate on or before its day */
  exchangeRates?: ExchangeRate[];
  /**
   * Digits of each currency's minor unit when amounts are in each currency's own minor units (the
   * database: ¥100 is 100, $1 is 100); without it every amount is in `currency`'s minor units (files).
   */
  currencyDigitsOf?: (code: string) => number;
  /** include the per-customer list (default true) */
  includeCustomers?: boolean;
  /** called after each stage with its duration in ms (benchmarks) */
  onStage?: (stage: string, ms: number) => void;
  /** fit Pareto/NBD in a worker thread beside the other fits (default: from FIT_WORKER_MIN_CUSTOMERS customers on; KEEPWELL_FIT_WORKER=1|0) */
  fitWorker?: boolean;
}

/** 1 `currency` = `rate` of the report's currency, from `day` on (until the next rate of that currency) */
export interface ExchangeRate {
  currency: string;
  day: number;
  rate: number;
}

export interface PeriodRow {
  period: string;
  start: string;
  end: string;
  customersAtStart: number;
  lost: number;
  new: number;
  returned: number;
  activeAtEnd: number;
  churnRate: number | null;
  retentionRate: number | null;
  revenue: number;
  repeatRate: number | null;
  /** subscriptions only */
  nrr?: number | null;
  grr?: number | null;
  /** the period is still running on the report date: its figures are so far */
  partial: boolean;
  /**
   * false while churn cannot be known yet: the period starts before the activity window could
   * have passed since the data begins, so customers who bought before the data are unseen and
   * nobody could have lapsed yet. churnRate and retentionRate are then null, not 0.
   */
  known: boolean;
}

export interface CohortRow {
  cohort: string;
  size: number;
  /** customers active (bought / subscribed) in month k after acquisition, k = 0.. */
  customers: number[];
  /** share of the cohort active in month k; null for a month still running on the report date (not 0%) */
  retention: (number | null)[];
  /** revenue in month k (major units; the running month's so far) */
  revenue: number[];
  /** the last month is still running on the report date: its customers and revenue are so far */
  partial: boolean;
}

export interface CustomerRow {
  id: string;
  name?: string;
  frequency: number;
  recency: number;
  T: number;
  monetary: number | null;
  firstPurchase: string;
  lastPurchase: string;
  revenue: number;
  /** the BG/NBD model's P(alive) (1 without a repeat purchase: the model's convention, not evidence) */
  pAlive: number;
  /** when the BG/NBD fit is not supported by the data (models.fitCheck): the model's own figures; pAlive and clv are then from the customer's rhythm */
  model?: { pAlive: number; clv: number };
  /** pays only in another currency than the report's: no money figures for them (CLV 0, not converted) */
  paysIn?: string;
  /** no repeat purchase yet: the share of customers without one this long after their first who came back later (null: too few to tell) */
  comeBack?: { share: number | null; peers: number; ageDays: number };
  expectedPurchases: number;
  clv: number;
  valueAtRisk: number;
  health: number;
  reasons: string[];
  factors: HealthFactor[];
  holdoutActual?: number;
  holdoutPredicted?: number;
  /** subscriptions */
  plans?: string[];
  active?: boolean;
}

export interface SaveListRow {
  id: string;
  name?: string;
  valueAtRisk: number;
  clv: number;
  pAlive: number;
  /** one-time buyers: see CustomerRow.comeBack */
  comeBack?: { share: number | null; peers: number };
  health: number;
  topReason: string | null;
}

export interface RetentionReport {
  type: 'orders' | 'subscriptions';
  asOf: string;
  timeUnit: TimeUnit;
  periodType: PeriodType;
  /** voidedOrders: no purchase (status, or cancelled by a negative row: cancelledOrders of them) */
  totals: { customers: number; orders: number; revenue: number; refunds: number; voidedOrders: number; cancelledOrders: number };
  /**
   * The currency of every money figure, and each currency's own totals when the data holds
   * several: amounts in different currencies are never added (no exchange rates are applied).
   */
  currency: {
    code: string | null;
    /** converted: every amount in another currency was converted with the owner's dated rates; per-currency: some are totalled apart */
    mode: 'single' | 'per-currency' | 'converted';
    /** each currency's own orders and revenue (in that currency) */
    byCurrency: { currency: string; orders: number; revenue: number }[];
    /** the owner's rates used: per currency, the orders converted and the days of the first and last rate applied */
    converted?: { currency: string; orders: number; revenue: number; firstRate: string; lastRate: string }[];
    note: string | null;
  };
  activityWindow: { days: number; source: 'setting' | 'derived' | 'default' | 'subscriptions'; explanation: string };
  periods: PeriodRow[];
  periodsByType: Record<PeriodType, PeriodRow[]>;
  annual: {
    start: string;
    end: string;
    customersAtStart: number;
    customersAtEnd: number;
    new: number;
    lost: number;
    /** 1 − lost ÷ customersAtStart (the benchmarks' definition); null with less than a year of data */
    retentionRate: number | null;
    formula: string;
    /** the activity window the figure used (null: subscriptions) */
    windowDays: number | null;
    /** orders: the same figure with other activity windows, to show how it moves with the window */
    byWindow?: { days: number; retentionRate: number | null }[];
    note: string | null;
  };
  benchmark: { industry: string; industryName: string; rate: number; yours: number | null; difference: number | null } | null;
  repeatRate: number | null;
  cohorts: CohortRow[];
  models: {
    bgnbd: (Pick<BgNbdFit, 'r' | 'alpha' | 'a' | 'b' | 'logLikelihood' | 'customers' | 'converged'> & { timeUnit: TimeUnit }) | null;
    gammaGamma: Pick<GammaGammaFit, 'p' | 'q' | 'gamma' | 'logLikelihood' | 'customers'> | null;
    /** orders: the Pareto/NBD fit on the same customers (time unit as BG/NBD) */
    paretoNbd?: (Pick<ParetoNbdFit, 'r' | 'alpha' | 's' | 'beta' | 'logLikelihood' | 'customers' | 'converged'> & { timeUnit: TimeUnit }) | null;
    /** orders: BG/BB on monthly opportunities (a month with a purchase counts once; purchasesPerOpportunity converts back to purchases) */
    bgbb?: (Pick<BgBbFit, 'alpha' | 'beta' | 'gamma' | 'delta' | 'logLikelihood' | 'customers' | 'converged'> & { opportunityDays: number; purchasesPerOpportunity: number }) | null;
    /** orders: the model P(alive), expected purchases and CLV come from, and why */
    chosen?: ModelChoice | null;
    sbg?: {
      plan: string;
      interval: string;
      gamma: number;
      delta: number;
      logLikelihood: number;
      customers: number;
      /** projected share still subscribed after t billing periods, t = 0.. */
      survival: number[];
      /** discounted expected residual lifetime of a new subscriber (further payments after the first, Fader & Hardie 2010) */
      derl: number;
    }[];
    /** can the data support the BG/NBD fit? (boundary parameters, calibration and holdout fit) */
    fitCheck?: FitCheck | null;
    notes: string[];
  };
  fitQuality: {
    calibrationActualRepeatPurchases: number;
    calibrationExpectedRepeatPurchases: number;
  } | null;
  holdout?: { from: string; to: string; customers: number; actualRepeatPurchases: number; predictedRepeatPurchases: number; meanAbsoluteError: number };
  clv: {
    horizonDays: number;
    discountRate: number;
    total: number;
    mean: number;
    distribution: { from: number; to: number; customers: number }[];
    /** Σ value at risk, and the sentence that defines it (valueAtRiskDefinition) */
    valueAtRisk: number;
    valueAtRiskDefinition: string;
  };
  saveList: SaveListRow[];
  customers: CustomerRow[];
}

/**
 * Value at risk, defined once: what the customer would bring over the horizon if they stay
 * (CLV ÷ P(alive), as CLV already carries P(alive)), times the chance they are gone (or will
 * not renew) — the money the business stands to lose if it does nothing.
 */
export function valueAtRisk(valueIfTheyStay: number, pStill: number): number {
  return valueIfTheyStay * (1 - Math.max(0, Math.min(1, pStill)));
}

/** The one sentence shown wherever value at risk is. */
export function valueAtRiskDefinition(horizonDays: number, type: 'orders' | 'subscriptions'): string {
  return type === 'subscriptions'
    ? `Value at risk: what a subscriber would pay over the next ${horizonDays} days if they renew, times the chance they do not — the money lost if nothing is done (lifetime value already allows for that chance, so it is not counted twice).`
    : `Value at risk: what a customer would spend over the next ${horizonDays} days if they are still a customer, times the chance they are not — the money lost if nothing is done (lifetime value already allows for that chance, so it is not counted twice).`;
}

const round = (v: number, digits = 4) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

// ---------------------------------------------------------------------------------------------
// Per-customer purchase days (CSR layout): one entry per distinct purchase day, sorted.

interface PurchaseDays {
  n: number;
  offsets: Int32Array;
  days: Int32Array;
  spend: Float64Array; // minor units per day
  revenue: Float64Array; // net revenue per customer, minor
  refunds: number;
  /** orders void by status or cancelled by a negative row */
  voided: number;
  /** of which cancelled by a negative row */
  cancelled: number;
  orders: number;
  minDay: number;
  maxDay: number;
}

/** `t` with cancellations applied (applyCancellations): void 1 = no purchase, 2 = a used-up cancellation row. */
function purchaseDays(t: OrderTable, n: number, refunds: number, cancelled: number): PurchaseDays {
  const counts = new Int32Array(n + 1);
  const revenue = new Float64Array(n);
  let voided = 0;
  let orders = 0;
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (let i = 0; i < t.length; i++) {
    if (t.void[i]) {
      if (t.void[i] === 1) voided++;
      continue;
    }
    const amt = t.amount[i];
    revenue[t.customer[i]] += amt;
    if (amt < 0) continue;
    orders++;
    counts[t.customer[i] + 1]++;
    if (t.day[i] < minDay) minDay = t.day[i];
    if (t.day[i] > maxDay) maxDay = t.day[i];
  }
  for (let c = 0; c < n; c++) counts[c + 1] += counts[c];
  const pos = counts.slice(0, n);
  const days = new Int32Array(orders);
  const spend = new Float64Array(orders);
  for (let i = 0; i < t.length; i++) {
    if (t.void[i] || t.amount[i] < 0) continue;
    const p = pos[t.customer[i]]++;
    days[p] = t.day[i];
    spend[p] = t.amount[i];
  }
  // sort each customer's slice by day, then merge same-day purchases
  const offsets = new Int32Array(n + 1);
  let w = 0;
  for (let c = 0; c < n; c++) {
    const lo = counts[c];
    const hi = counts[c + 1];
    sortPairs(days, spend, lo, hi);
    offsets[c] = w;
    for (let i = lo; i < hi; i++) {
      if (i > lo && days[i] === days[w - 1]) spend[w - 1] += spend[i];
      else {
        days[w] = days[i];
        spend[w] = spend[i];
        w++;
      }
    }
  }
  offsets[n] = w;
  return { n, offsets, days: days.subarray(0, w), spend: spend.subarray(0, w), revenue, refunds, voided, orders, minDay, maxDay, cancelled };
}

function sortPairs(keys: Int32Array, vals: Float64Array, lo: number, hi: number) {
  const len = hi - lo;
  if (len < 2) return;
  if (len <= 32) {
    for (let i = lo + 1; i < hi; i++) {
      const k = keys[i];
      const v = vals[i];
      let j = i - 1;
      while (j >= lo && (keys[j] > k || (keys[j] === k && vals[j] > v))) {
        keys[j + 1] = keys[j];
        vals[j + 1] = vals[j];
        j--;
      }
      keys[j + 1] = k;
      vals[j + 1] = v;
    }
    return;
  }
  const idx = Array.from({ length: len }, (_, i) => lo + i).sort((a, b) => keys[a] - keys[b] || vals[a] - vals[b]);
  const k2 = idx.map((i) => keys[i]);
  const v2 = idx.map((i) => vals[i]);
  for (let i = 0; i < len; i++) {
    keys[lo + i] = k2[i];
    vals[lo + i] = v2[i];
  }
}

// ---------------------------------------------------------------------------------------------
// Activity: each customer is active on a union of day ranges [lo, hi] (inclusive). The state at
// a boundary day b (the instant it begins) is "active" when b lies in a range.

interface Boundaries {
  days: number[];
  index: Map<number, number>;
}

function makeBoundaries(firstDay: number, asOf: number): Boundaries {
  const set = new Set<number>();
  for (let m = monthIndex(firstDay); monthStart(m) <= asOf; m++) set.add(monthStart(m));
  set.add(asOf + 1);
  set.add(asOf + 1 - 365);
  const days = [...set].sort((a, b) => a - b);
  return { days, index: new Map(days.map((d, i) => [d, i])) };
}

/** active[b * n + c] = 1 when customer c is active at boundary b */
function markActive(ranges: (c: number, mark: (lo: number, hi: number) => void) => void, n: number, bounds: Boundaries): Uint8Array {
  const B = bounds.days.length;
  const active = new Uint8Array(B * n);
  const bd = bounds.days;
  for (let c = 0; c < n; c++) {
    ranges(c, (lo, hi) => {
      // first boundary >= lo
      let a = 0;
      let z = B;
      while (a < z) {
        const mid = (a + z) >> 1;
        if (bd[mid] < lo) a = mid + 1;
        else z = mid;
      }
      for (let b = a; b < B && bd[b] <= hi; b++) active[b * n + c] = 1;
    });
  }
  return active;
}

function periodKey(type: PeriodType, month: number): { key: number; label: string; startMonth: number; months: number } {
  const year = Math.floor(month / 12) + 1970;
  const m = ((month % 12) + 12) % 12;
  switch (type) {
    case 'month':
      return { key: month, label: monthLabel(month), startMonth: month, months: 1 };
    case 'quarter': {
      const q = Math.floor(m / 3);
      return { key: Math.floor(month / 3), label: `${year}-Q${q + 1}`, startMonth: month - (m % 3), months: 3 };
    }
    case 'half': {
      const h = Math.floor(m / 6);
      return { key: Math.floor(month / 6), label: `${year}-H${h + 1}`, startMonth: month - (m % 6), months: 6 };
    }
    case 'year':
      return { key: year, label: String(year), startMonth: month - m, months: 12 };
  }
}

interface PeriodInputs {
  n: number;
  firstDay: Int32Array;
  active: Uint8Array;
  bounds: Boundaries;
  asOf: number;
  minDay: number;
  /** the first day who is active is fully known (orders: the data's first day + the activity window) */
  knownFrom: number;
  /** boughtInMonth[(month - month0) * n + c] */
  boughtInMonth: Uint8Array;
  month0: number;
  months: number;
  revenueByMonth: Float64Array;
  scale: number;
  mrr?: Float64Array; // [b * n + c]
}

/** dst |= src, word by word */
function orWords(dst: Uint32Array, src: Uint32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] |= src[i];
}

/**
 * The hot loop of the report (periods × customers), a function of its own so it is optimised
 * early: counts[0..6] = at start, at end, lost, new, returned, buyers, repeat buyers.
 */
function countPeriod(n: number, atS: Uint8Array, atE: Uint8Array, firstDay: Int32Array, boughtRow: Uint8Array, start: number, end: number, counts: Float64Array): void {
  let atStart = 0;
  let lost = 0;
  let fresh = 0;
  let returned = 0;
  let atEnd = 0;
  let buyers = 0;
  let repeatBuyers = 0;
  // locals and flags as 0/1 arithmetic
  for (let c = 0; c < n; c++) {
    const s = atS[c];
    const e = atE[c];
    atStart += s;
    atEnd += e;
    lost += s & (e ^ 1);
    const f = firstDay[c];
    const bought = boughtRow[c];
    const before = f < start ? 1 : 0;
    if (f >= start && f < end) fresh++;
    else returned += before & (s ^ 1) & bought;
    buyers += bought;
    repeatBuyers += bought & before;
  }
  counts[0] = atStart;
  counts[1] = atEnd;
  counts[2] = lost;
  counts[3] = fresh;
  counts[4] = returned;
  counts[5] = buyers;
  counts[6] = repeatBuyers;
}

function periodRows(type: PeriodType, p: PeriodInputs): PeriodRow[] {
  const rows: PeriodRow[] = [];
  const { n, active, bounds } = p;
  // a period's months OR-ed: word-aligned buffers (a month's row starts at any byte)
  const words = (n + 3) >> 2;
  const merged32 = new Uint32Array(words);
  const scratch32 = new Uint32Array(words);
  const merged = new Uint8Array(merged32.buffer, 0, n);
  const scratch = new Uint8Array(scratch32.buffer, 0, n);
  const counts = new Float64Array(7);
  const seen = new Set<number>();
  for (let mo = p.month0; mo < p.month0 + p.months; mo++) {
    const k = periodKey(type, mo);
    if (seen.has(k.key)) continue;
    seen.add(k.key);
    const start = Math.max(monthStart(k.startMonth), monthStart(p.month0));
    const endFull = monthStart(k.startMonth + k.months);
    const partial = endFull > p.asOf + 1;
    const known = start >= p.knownFrom;
    const end = partial ? p.asOf + 1 : endFull;
    const bs = bounds.index.get(start)!;
    const be = bounds.index.get(end)!;
    let mrrStart = 0;
    let mrrEnd = 0;
    let mrrKept = 0;
    const mFrom = Math.max(k.startMonth, p.month0) - p.month0;
    const mTo = Math.min(k.startMonth + k.months, p.month0 + p.months) - p.month0;
    // who bought in the period: the months' rows OR-ed together, four customers at a time
    let boughtRow = p.boughtInMonth.subarray(mFrom * n, (mFrom + 1) * n);
    if (mTo - mFrom > 1) {
      merged.set(boughtRow);
      for (let m = mFrom + 1; m < mTo; m++) {
        scratch.set(p.boughtInMonth.subarray(m * n, (m + 1) * n));
        orWords(merged32, scratch32);
      }
      boughtRow = merged;
    }
    const atS = active.subarray(bs * n, (bs + 1) * n);
    const atE = active.subarray(be * n, (be + 1) * n);
    countPeriod(n, atS, atE, p.firstDay, boughtRow, start, end, counts);
    const [atStart, atEnd, lost, fresh, returned, buyers, repeatBuyers] = counts;
    if (p.mrr)
      for (let c = 0; c < n; c++) {
        if (!atS[c]) continue;
        const a = p.mrr[bs * n + c];
        const b = p.mrr[be * n + c];
        mrrStart += a;
        mrrEnd += b;
        mrrKept += Math.min(a, b);
      }
    let revenue = 0;
    for (let m = mFrom; m < mTo; m++) revenue += p.revenueByMonth[m];
    const churn = atStart > 0 ? lost / atStart : null;
    const row: PeriodRow = {
      period: k.label,
      start: isoDay(start),
      end: isoDay(end - 1),
      customersAtStart: atStart,
      lost,
      new: fresh,
      returned,
      activeAtEnd: atEnd,
      churnRate: churn === null || !known ? null : round(churn),
      retentionRate: churn === null || !known ? null : round(1 - churn),
      revenue: round(revenue / p.scale, 2),
      repeatRate: buyers > 0 ? round(repeatBuyers / buyers) : null,
      partial,
      known,
    };
    if (p.mrr) {
      row.nrr = mrrStart > 0 ? round(mrrEnd / mrrStart) : null;
      row.grr = mrrStart > 0 ? round(mrrKept / mrrStart) : null;
    }
    rows.push(row);
  }
  return rows;
}

export const ANNUAL_FORMULA = '1 − customers lost during the year ÷ customers at its start';

/**
 * Annual retention by the definition the industry figures are compared with (the seeds'
 * benchmarks, ../shared/data/benchmarks/retention-by-industry.md): 1 − customers lost during the
 * year ÷ customers active at its start. (The one-line formula (end − new) ÷ start gives −124% on
 * Online Retail: new customers who lapse within the year are subtracted but were never counted.)
 * Null with less than a year of data: no figure and no comparison.
 */
function annualRow(p: PeriodInputs, windowDays: number | null): RetentionReport['annual'] {
  const start = p.asOf + 1 - 365;
  const bs = p.bounds.index.get(start)!;
  const be = p.bounds.index.get(p.asOf + 1)!;
  let atStart = 0;
  let atEnd = 0;
  let lost = 0;
  let fresh = 0;
  for (let c = 0; c < p.n; c++) {
    const s = p.active[bs * p.n + c];
    const e = p.active[be * p.n + c];
    atStart += s;
    atEnd += e;
    if (s && !e) lost++;
    if (p.firstDay[c] >= start && p.firstDay[c] <= p.asOf) fresh++;
  }
  const year = start >= p.minDay;
  const unseen = year && start < p.knownFrom;
  return {
    start: isoDay(start),
    end: isoDay(p.asOf),
    customersAtStart: atStart,
    customersAtEnd: atEnd,
    new: fresh,
    lost,
    retentionRate: atStart > 0 && year ? round(1 - lost / atStart) : null,
    formula: ANNUAL_FORMULA,
    windowDays,
    note: !year
      ? 'Less than a year of data: no annual retention yet, and no comparison with the industry.'
      : unseen
        ? `The data begins less than the activity window (${windowDays} days) before the year: customers who bought only before it are not counted at the start.`
        : null,
  };
}

/** The annual rate with other activity windows: how much the figure hinges on the window (orders only, purchases alone). */
function annualByWindow(pd: PurchaseDays, asOf: number, minDay: number, W: number): { days: number; retentionRate: number | null }[] {
  const start = asOf + 1 - 365;
  if (start < minDay) return [];
  const windows = [...new Set([30, 60, 90, 180, 365, W])].sort((a, b) => a - b);
  const beforeStart = new Int32Array(pd.n).fill(-(2 ** 30));
  const atEndDay = new Int32Array(pd.n).fill(-(2 ** 30));
  for (let c = 0; c < pd.n; c++)
    for (let i = pd.offsets[c]; i < pd.offsets[c + 1]; i++) {
      const d = pd.days[i];
      if (d < start) beforeStart[c] = d;
      if (d <= asOf) atEndDay[c] = d;
    }
  return windows.map((w) => {
    let s = 0;
    let lost = 0;
    for (let c = 0; c < pd.n; c++) {
      if (beforeStart[c] < start - w) continue;
      s++;
      if (atEndDay[c] < asOf + 1 - w) lost++;
    }
    return { days: w, retentionRate: s > 0 ? round(1 - lost / s) : null };
  });
}

/** The q-quantile of whole numbers (non-negative) by counting, with linear interpolation. */
function intQuantile(values: Float64Array, q: number): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  const counts = new Int32Array(max + 1);
  for (let i = 0; i < values.length; i++) counts[values[i]]++;
  const at = (rank: number) => {
    let seen = 0;
    for (let v = 0; v <= max; v++) {
      seen += counts[v];
      if (seen > rank) return v;
    }
    return max;
  };
  const pos = (values.length - 1) * q;
  const lo = Math.floor(pos);
  const a = at(lo);
  const b = at(Math.min(values.length - 1, lo + 1));
  return a + (b - a) * (pos - lo);
}

function clvHistogram(values: ArrayLike<number>): { from: number; to: number; customers: number }[] {
  if (values.length === 0) return [];
  const sorted = Float64Array.from(values).sort();
  const top = sorted[Math.floor((sorted.length - 1) * 0.99)];
  if (!(top > 0)) return [{ from: 0, to: 0, customers: values.length }];
  const magnitude = 10 ** Math.floor(Math.log10(top / 10));
  const width = Math.ceil(top / 10 / magnitude) * magnitude;
  const bins = Array.from({ length: 10 }, (_, i) => ({ from: i * width, to: (i + 1) * width, customers: 0 }));
  let over = 0;
  for (const v of sorted) {
    const i = Math.floor(v / width);
    if (i < 10) bins[Math.max(0, i)].customers++;
    else over++;
  }
  if (over) bins.push({ from: 10 * width, to: Math.ceil(sorted[sorted.length - 1]), customers: over });
  return bins;
}

function makeBenchmark(opts: ReportOptions, yours: number | null): RetentionReport['benchmark'] {
  if (!opts.industry) return null;
  return {
    industry: opts.industry.key,
    industryName: opts.industry.name,
    rate: opts.industry.annualRetention,
    yours,
    difference: yours === null ? null : round(yours - opts.industry.annualRetention),
  };
}

function timed<T>(opts: ReportOptions, stage: string, f: () => T): T {
  const t0 = performance.now();
  const v = f();
  opts.onStage?.(stage, performance.now() - t0);
  return v;
}

/**
 * The purchase-model fits with Pareto/NBD's in a worker thread (falling back to this one): the
 * fits on everything, Gamma-Gamma and — when the report holds out the last part of the history —
 * the summaries and fits before the holdout, each warm-started from its fit on everything, as
 * `fitModels` and `chooseModel` would make them one after the other. Sends the worker its job at
 * once; the function it returns does this thread's share and collects the worker's.
 */
function fitInParallel(
  worker: FitWorker,
  cal: Calibration,
  pd: PurchaseDays,
  firstBuy: Int32Array,
  ho: HoldoutOptions,
  time: <T>(stage: string, f: () => T) => T,
): <G>(fitGg: () => G) => { fits: ModelFits; gg: G; holdout: { cal: Calibration; fits: ModelFits } | null } {
  const hCal = automaticHoldoutEnd(ho) !== null ? automaticHoldoutSummaries(pd, firstBuy, ho) : null;
  const hData = hCal && fittable(hCal) ? fitData(hCal) : null;
  const job: FitJob = { model: 'paretoNbd', full: fitData(cal), holdout: hData ?? undefined };
  worker.run([job]);
  // the worker fits while this thread works out the periods and cohorts; then this thread's fits
  return (fitGg) => {
    const full = { bgnbd: time('fit BG/NBD', () => fitModel('bgnbd', job.full)), bgbb: time('fit BG/BB', () => fitModel('bgbb', job.full)) };
    const gg = fitGg();
    const held = hData
      ? {
          bgnbd: time('fit BG/NBD (before the holdout)', () => fitModel('bgnbd', hData, full.bgnbd.fit)),
          bgbb: time('fit BG/BB (before the holdout)', () => fitModel('bgbb', hData, full.bgbb.fit)),
        }
      : null;
    const got = time('wait for the fit worker', () => worker.collect())?.[0];
    const pFull = (got?.full as FitOutcome<'paretoNbd'> | undefined) ?? time('fit Pareto/NBD', () => fitModel('paretoNbd', job.full));
    const fits = assembleFits({ ...full, paretoNbd: pFull });
    if (!hCal) return { fits, gg, holdout: null };
    const pHeld = hData ? ((got?.holdout as FitOutcome<'paretoNbd'> | undefined) ?? time('fit Pareto/NBD (before the holdout)', () => fitModel('paretoNbd', hData, pFull.fit))) : undefined;
    const holdoutFits = held && pHeld ? fitModels(hCal, time, fits, { ...held, paretoNbd: pHeld }) : fitModels(hCal, time, fits);
    return { fits, gg, holdout: { cal: hCal, fits: holdoutFits } };
  };
}

/** Sorted order of customers by id, so every list comes out the same whatever the input order. */
function idOrder(ids: string[]): Int32Array {
  return Int32Array.from(ids.map((_, i) => i).sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------

export function ordersReport(input: OrderTable, opts: ReportOptions = {}): RetentionReport {
  const unit = opts.timeUnit ?? 'day';
  const ud = unitDays[unit];
  const periodType = opts.periodType ?? 'month';
  const horizon = opts.horizonDays ?? 365;
  const discount = opts.discountRate ?? 0.1;
  const scale = 10 ** (opts.currencyDigits ?? 2);
  const notes: string[] = [];

  // customers known only from other activity (subscriptions) get indices after the buyers
  const ids = input.customerIds.slice();
  const other: ({ firstDay: number; ranges: [number, number][] } | undefined)[] = [];
  if (opts.otherActivity) {
    const known = new Map(ids.map((id, i) => [id, i]));
    for (const id of [...opts.otherActivity.keys()].sort()) if (!known.has(id)) known.set(id, ids.push(id) - 1);
    for (const [id, act] of opts.otherActivity) other[known.get(id)!] = act;
  }
  // on enough customers a worker thread for the Pareto/NBD fits starts now, its start-up hidden
  // behind the work up to the fits (fitInParallel)
  const fitWorker = useFitWorker(ids.length, opts.fitWorker) ? timed(opts, 'start the fit worker', startFitWorker) : null;
  // cancellations and refunds come off the orders they undo before anything is counted
  const undone = timed(opts, 'cancellations', () => applyCancellations(input));
  // currencies are never added together: money figures are in one currency, the others are totalled apart
  const money = splitCurrencies(undone.table, opts.currency, scale, opts.exchangeRates, opts.currencyDigitsOf);
  const table = money.table;
  if (money.note) notes.push(money.note);
  const pd = timed(opts, 'group orders by customer', () => purchaseDays(table, ids.length, undone.refunds, undone.cancelled));
  const n = pd.n;
  // customers with at least one purchase
  const hasPurchase = (c: number) => pd.offsets[c + 1] > pd.offsets[c];
  const asOf = opts.asOfDay ?? (Number.isFinite(pd.maxDay) ? pd.maxDay : 0);
  const calEnd = Math.min(opts.calibrationEndDay ?? asOf, asOf);
  const firstDay = new Int32Array(n).fill(2 ** 30);
  // first purchase (the models) and first day as a customer (the churn periods)
  const firstBuy = new Int32Array(n).fill(2 ** 30);
  for (let c = 0; c < n; c++) {
    if (hasPurchase(c)) firstBuy[c] = firstDay[c] = pd.days[pd.offsets[c]];
    if (other[c]) firstDay[c] = Math.min(firstDay[c], other[c]!.firstDay);
  }

  const minDay = Number.isFinite(pd.minDay) ? pd.minDay : asOf;
  // calibration summaries: each customer's repeat purchases, recency and age at the calibration end
  const foreignOnly = money.foreign !== null;
  const cal = timed(opts, 'customer summaries', () => calibrationSummaries(pd, firstBuy, calEnd, asOf, ud, foreignOnly));
  const { x, txDays, TDays, mean, xMoney, holdoutActual, inModel, modelIdx, calActual } = cal;
  const timeStage = <T>(stage: string, f: () => T) => timed(opts, stage, f);
  const holdoutOpts: HoldoutOptions = {
    asOf,
    minDay,
    ud,
    explicitHoldout: opts.calibrationEndDay !== undefined,
    foreignOnly,
    time: timeStage,
    sample: opts.calibrationEndDay === undefined ? holdoutSample(ids, inModel) : null,
  };
  // on enough data Pareto/NBD (on everything, then before the holdout) is fitted in a worker
  // thread from here on, while this one works out the periods and fits the other models
  const parallelFits = fitWorker && fittable(cal) ? fitInParallel(fitWorker, cal, pd, firstBuy, holdoutOpts, timeStage) : null;
  if (fitWorker && !parallelFits) fitWorker.stop();

  // activity window
  const windowInfo = timed(opts, 'activity window', () => {
    if (opts.activityWindowDays)
      return {
        days: opts.activityWindowDays,
        source: 'setting' as const,
        explanation: `Set in the workspace: a customer is active while their last purchase is at most ${opts.activityWindowDays} days old.`,
      };
    const gaps = new Float64Array(pd.days.length);
    let g = 0;
    for (let c = 0; c < n; c++) for (let i = pd.offsets[c] + 1; i < pd.offsets[c + 1]; i++) gaps[g++] = pd.days[i] - pd.days[i - 1];
    if (g === 0) return { days: 365, source: 'default' as const, explanation: 'Nobody has bought twice yet, so a customer counts as active for 365 days after a purchase.' };
    const p90 = intQuantile(gaps.subarray(0, g), 0.9);
    const median = intQuantile(gaps.subarray(0, g), 0.5);
    const days = Math.min(730, Math.max(7, Math.ceil(p90)));
    return {
      days,
      source: 'derived' as const,
      explanation: `Derived from your customers' purchase cycle: 9 in 10 repeat purchases come within ${Math.ceil(p90)} days of the previous one (median ${Math.round(median)} days), so a customer counts as active for ${days} days after a purchase and as lost after that.`,
    };
  });
  const W = windowInfo.days;

  // periods
  // periods and cohorts cover at most the last ten years (a stray date from year 1 in an
  // export must not make a table of 24,000 months); older purchases still count for who is new
  const periodStart = Math.max(minDay, monthStart(monthIndex(asOf) - (MAX_MONTHS - 1)));
  const bounds = makeBoundaries(periodStart, asOf);
  const active = timed(opts, 'activity per period', () =>
    markActive(
      (c, mark) => {
        let lo = -1;
        let hi = -2;
        for (let i = pd.offsets[c]; i < pd.offsets[c + 1]; i++) {
          const d = pd.days[i];
          if (d > asOf) break;
          if (d + 1 <= hi + 1) hi = Math.max(hi, d + W);
          else {
            if (hi >= lo && lo >= 0) mark(lo, hi);
            lo = d + 1;
            hi = d + W;
          }
        }
        if (lo >= 0 && hi >= lo) mark(lo, hi);
        for (const [a, b] of other[c]?.ranges ?? []) if (b >= a) mark(a, b);
      },
      n,
      bounds,
    ),
  );
  const month0 = monthIndex(periodStart);
  const months = monthIndex(asOf) - month0 + 1;
  // month of a day by table lookup (the Date-based conversion is slow for a million orders)
  const monthTable = new Int32Array(Math.max(0, asOf - periodStart + 1));
  for (let m = month0, d = periodStart; d <= asOf; d++) {
    if (d >= monthStart(m + 1)) m++;
    monthTable[d - periodStart] = m;
  }
  const monthOf = (d: number) => (d >= periodStart && d <= asOf ? monthTable[d - periodStart] : monthIndex(d));
  const boughtInMonth = new Uint8Array(months * n);
  const revenueByMonth = new Float64Array(months);
  const cohortMap = new Map<number, CohortCounts>();
  timed(opts, 'cohorts', () => {
    for (let c = 0; c < n; c++) {
      if (!hasPurchase(c)) continue;
      const cm = monthIndex(firstBuy[c]);
      if (cm - month0 >= months) continue;
      // cohorts older than the covered months are not shown; their purchases still count
      const row = joinCohort(cohortMap, cm, month0, months);
      let lastMonth = -1;
      let d0 = -1;
      let m = -1;
      for (let i = pd.offsets[c]; i < pd.offsets[c + 1]; i++) {
        const d = pd.days[i];
        if (d > asOf) break;
        if (d !== d0) {
          m = monthOf(d);
          d0 = d;
        }
        const k = m - month0;
        if (k < 0) continue;
        revenueByMonth[k] += pd.spend[i];
        if (row) row.revenue[m - cm] += pd.spend[i];
        if (m !== lastMonth) {
          boughtInMonth[k * n + c] = 1;
          if (row) row.customers[m - cm]++;
          lastMonth = m;
        }
      }
    }
  });
  // refunds reduce the revenue of the month they happen in
  for (let i = 0; i < table.length; i++) {
    if (table.void[i] || table.amount[i] >= 0 || table.day[i] > asOf) continue;
    const k = monthIndex(table.day[i]) - month0;
    if (k >= 0 && k < months) revenueByMonth[k] += table.amount[i];
  }
  // a customer active at day b bought in the W days before it: all are in the data from minDay + W on
  const pin: PeriodInputs = { n, firstDay, active, bounds, asOf, minDay, knownFrom: minDay + W, boughtInMonth, month0, months, revenueByMonth, scale };
  const periodsByType = timed(opts, 'periods', () => ({
    month: periodRows('month', pin),
    quarter: periodRows('quarter', pin),
    half: periodRows('half', pin),
    year: periodRows('year', pin),
  }));
  const annual = annualRow(pin, W);
  annual.byWindow = annualByWindow(pd, asOf, minDay, W);
  const partialMonth = monthRunning(asOf);
  const cohorts: CohortRow[] = [...cohortMap.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([cm, r]) => ({
      cohort: monthLabel(cm),
      size: r.size,
      customers: r.customers,
      retention: cohortRetention(r.customers, r.size, partialMonth),
      partial: partialMonth,
      revenue: r.revenue.map((v) => round(v / scale, 2)),
    }));

  const gammaGamma = (): { fit: GammaGammaFit | null; note: string | null } =>
    timed(opts, 'fit Gamma-Gamma', () => {
      try {
        const fit = fitGammaGamma(
          mapFloat64(modelIdx, (c) => xMoney[c]),
          mapFloat64(modelIdx, (c) => mean[c]),
        );
        return { fit, note: fit.q <= 1 ? 'Gamma-Gamma q ≤ 1: spend has no finite mean under the fit; each customer’s own average is used.' : null };
      } catch (err) {
        return { fit: null, note: `Gamma-Gamma not fitted: ${(err as Error).message}.` };
      }
    });
  // the same fits as one after the other, in less wall time (parallel-fits.ts)
  const parallel = parallelFits ? parallelFits(gammaGamma) : null;
  const fits = parallel?.fits ?? fitModels(cal, timeStage);
  for (const [m, why] of Object.entries(fits.failures)) notes.push(`${modelLabels[m as ModelName]} not fitted: ${why}.`);
  const bg = fits.bgnbd;
  const ggOutcome = parallel?.gg ?? gammaGamma();
  const gg: GammaGammaFit | null = ggOutcome.fit;
  if (ggOutcome.note) notes.push(ggOutcome.note);

  // which model the report uses: the best holdout fit when there is enough history
  const chosen = timed(opts, 'choose the model', () => chooseModel(fits, cal, pd, firstBuy, { ...holdoutOpts, holdout: parallel?.holdout ?? undefined }));
  const holdoutDays = asOf - calEnd;
  const preds = chosen ? timed(opts, 'predict per customer', () => predict(chosen.model, fits, cal, { unitDays: ud, horizonDays: horizon, discountRate: discount })) : null;
  if (!preds) notes.push('Without a purchase model, P(alive) is taken as 1 and CLV as 0.');
  const calExpected = preds?.calibrationExpected ?? 0;
  // can the data support the fit? Otherwise say so and fall back to each customer's own rhythm
  let fitCheck: FitCheck | null = null;
  if (chosen && preds) {
    let hA = 0;
    let hP = 0;
    if (holdoutDays > 0 && opts.calibrationEndDay !== undefined)
      for (const c of modelIdx) {
        hA += holdoutActual[c];
        hP += preds.holdout[c];
      }
    const fitted = fits[chosen.model]!;
    const check = checkModelFit(
      chosen.model,
      fitted as unknown as Record<string, number>,
      calActual,
      calExpected,
      holdoutDays > 0 && opts.calibrationEndDay !== undefined ? { actual: hA, predicted: hP } : null,
      (calEnd - minDay) / ud,
    );
    fitCheck = check;
    if (!check.ok)
      notes.push(
        `The ${modelLabels[chosen.model]} fit is not supported by this data (${check.problems.join('; ')}), so P(alive), lifetime value and value at risk use each customer's own rhythm instead: on time up to their usual gap between purchases, then less and less, nothing at three times it (one-time buyers: the share of customers like them who came back).`,
      );
  }
  const fallback = fitCheck !== null && !fitCheck.ok;

  // per customer: CLV, health, save list
  const order = idOrder(ids);
  const customers: CustomerRow[] = [];
  let clvTotal = 0;
  let varTotal = 0;
  let hActual = 0;
  let hPred = 0;
  let hAbs = 0;
  let hCustomers = 0;
  let repeaters = 0;
  let buyers = 0;
  // the business's typical gap, for customers who have bought once
  const gapsForMedian: number[] = [];
  for (let c = 0; c < n; c++) if (inModel[c] && x[c] > 0) gapsForMedian.push(txDays[c] / x[c]);
  const businessGap = gapsForMedian.length ? quantile(gapsForMedian, 0.5) : W;
  const popSpend = gg ? expectedSpend(gg, 0, 0) : NaN;
  const comeBack = comeBackShares(pd, inModel, x, firstBuy, calEnd);
  const dayTexts = new Map<number, string>();
  const dayText = (day: number) => dayTexts.get(day) ?? (dayTexts.set(day, isoDay(day)), dayTexts.get(day)!);
  const withHoldout = holdoutDays > 0 && opts.calibrationEndDay !== undefined;
  const ggSpend = gg !== null && (gg as GammaGammaFit).q > 1 ? (gg as GammaGammaFit) : null;
  // the one-time buyers' come-back figures per age (few distinct ages): one object per age, shared by the rows
  const comeBackRows = new Map<number, { share: number | null; peers: number; ageDays: number }>();
  const comeBackSaves = new Map<number, { share: number | null; peers: number }>();
  /** every figure of one customer in the model (the loop below, and the save list's few again) */
  const figures = (c: number) => {
    const pa = preds ? preds.alive[c] : 1;
    // P(alive) = 1 without a repeat purchase is the model's convention, not evidence
    const oneTime = x[c] === 0 ? comeBack(TDays[c]) : null;
    let spend: number;
    if (ggSpend) spend = expectedSpend(ggSpend, xMoney[c], mean[c]);
    else spend = xMoney[c] > 0 ? mean[c] : Number.isFinite(popSpend) ? popSpend : pd.spend[pd.offsets[c]];
    // pays only in another currency: no value in this one is made up for them
    const otherCurrency = money.customerCurrency?.[c] ?? null;
    if (otherCurrency) spend = 0;
    const lastAll = lastDayUpTo(pd, c, asOf);
    // a rhythm of their own needs MIN_RHYTHM_GAPS gaps: after two orders "usually every 3 days" says nothing
    const ownRhythm = x[c] >= MIN_RHYTHM_GAPS;
    const usualGap = ownRhythm ? Math.max(1, txDays[c] / x[c]) : businessGap;
    // the chance they are still a customer: the model's, or their own rhythm when the fit is not supported
    const pStill = fallback ? (oneTime?.share ?? rhythmShare(asOf - lastAll, usualGap)) : pa;
    const valueIfStays = ((preds?.discountedIfAlive[c] ?? 0) * spend) / scale;
    const clv = fallback ? valueIfStays * pStill : ((preds?.discounted[c] ?? 0) * spend) / scale;
    const var_ = valueAtRisk(valueIfStays, pStill);
    const ex = opts.extras?.get(ids[c]);
    const health = healthScore({
      // an unsupported fit says nothing: the rhythm factor speaks for itself
      pAlive: preds && !fallback ? pa : null,
      daysSinceLastPurchase: asOf - lastAll,
      usualGapDays: usualGap,
      ownGap: ownRhythm,
      purchases: x[c] + 1,
      oneTime,
      lastSurveyScore: ex?.lastSurveyScore,
      openComplaints: ex?.openComplaints,
      daysSinceLastTouchpoint: ex?.lastTouchpointDay === null || ex?.lastTouchpointDay === undefined ? null : asOf - ex.lastTouchpointDay,
    });
    return { pa, oneTime, spend, lastAll, pStill, clv, var_, ex, health };
  };
  // the save list from typed arrays: its few rows are made once the order is known
  const saveVar = new Float64Array(n);
  const saveIdx = new Int32Array(n);
  let saveCount = 0;
  const clvs = new Float64Array(n);
  let clvCount = 0;
  timed(opts, 'CLV, health, save list', () => {
    const rows = opts.includeCustomers !== false;
    for (let oi = 0; oi < n; oi++) {
      const c = order[oi];
      if (!hasPurchase(c)) continue;
      buyers++;
      if (pd.offsets[c + 1] - pd.offsets[c] > 1) repeaters++;
      if (!inModel[c]) continue;
      const { pa, oneTime, spend, lastAll, pStill, clv, var_, ex, health } = figures(c);
      varTotal += var_;
      clvs[clvCount++] = clv;
      clvTotal += clv;
      const rv = round(var_, 2);
      if (rv > 0) {
        saveVar[saveCount] = rv;
        saveIdx[saveCount++] = c;
      }
      if (withHoldout) {
        hCustomers++;
        hActual += holdoutActual[c];
        hPred += preds?.holdout[c] ?? 0;
        hAbs += Math.abs(holdoutActual[c] - (preds?.holdout[c] ?? 0));
      }
      if (rows) {
        // keys assigned in the order of CustomerRow (the JSON's order), the optional ones only when set
        const row = { id: ids[c] } as CustomerRow;
        if (ex?.name) row.name = ex.name;
        row.frequency = x[c];
        row.recency = round(txDays[c] / ud);
        row.T = round(TDays[c] / ud);
        row.monetary = xMoney[c] > 0 ? round(mean[c] / scale, 2) : null;
        const paysIn = money.customerCurrency?.[c];
        if (paysIn) row.paysIn = paysIn;
        row.firstPurchase = dayText(firstBuy[c]);
        row.lastPurchase = dayText(lastAll);
        row.revenue = round(pd.revenue[c] / scale, 2);
        row.pAlive = round(pStill);
        if (fallback) row.model = { pAlive: round(pa), clv: round(((preds?.discounted[c] ?? 0) * spend) / scale, 2) };
        if (oneTime) {
          let cb = comeBackRows.get(oneTime.ageDays);
          if (!cb) comeBackRows.set(oneTime.ageDays, (cb = { share: oneTime.share === null ? null : round(oneTime.share), peers: oneTime.peers, ageDays: oneTime.ageDays }));
          row.comeBack = cb;
        }
        row.expectedPurchases = round(preds?.expected[c] ?? 0);
        row.clv = round(clv, 2);
        row.valueAtRisk = rv;
        row.health = health.score;
        row.reasons = health.reasons;
        row.factors = health.factors;
        if (opts.calibrationEndDay !== undefined) {
          row.holdoutActual = holdoutActual[c];
          row.holdoutPredicted = round(preds?.holdout[c] ?? 0);
        }
        customers.push(row);
      }
    }
  });
  // nothing at risk, nothing to save: a customer the models give no future value is no save-list entry
  const top = Array.from(saveIdx.subarray(0, saveCount).keys())
    .sort((i, j) => saveVar[j] - saveVar[i] || (ids[saveIdx[i]] < ids[saveIdx[j]] ? -1 : 1))
    .slice(0, opts.saveListSize ?? 20);
  const saveList: SaveListRow[] = top.map((i) => {
    const c = saveIdx[i];
    const { oneTime, pStill, clv, ex, health } = figures(c);
    const row = { id: ids[c] } as SaveListRow;
    row.name = ex?.name;
    row.valueAtRisk = saveVar[i];
    row.clv = round(clv, 2);
    row.pAlive = round(pStill);
    if (oneTime) {
      let cb = comeBackSaves.get(oneTime.ageDays);
      if (!cb) comeBackSaves.set(oneTime.ageDays, (cb = { share: oneTime.share === null ? null : round(oneTime.share), peers: oneTime.peers }));
      row.comeBack = cb;
    }
    row.health = health.score;
    row.topReason = riskReason(health, oneTime ? null : pStill);
    return row;
  });

  let revenueTotal = 0;
  for (let c = 0; c < n; c++) revenueTotal += pd.revenue[c];
  const fitBg = bg as BgNbdFit | null;
  const fitGg = gg as GammaGammaFit | null;
  const report: RetentionReport = {
    type: 'orders',
    asOf: isoDay(asOf),
    timeUnit: unit,
    periodType,
    totals: { customers: buyers, orders: pd.orders, revenue: round(revenueTotal / scale, 2), refunds: round(pd.refunds / scale, 2), voidedOrders: pd.voided, cancelledOrders: pd.cancelled },
    currency: money.info(),
    activityWindow: windowInfo,
    periods: periodsByType[periodType],
    periodsByType,
    annual,
    benchmark: makeBenchmark(opts, annual.retentionRate),
    repeatRate: buyers > 0 ? round(repeaters / buyers) : null,
    cohorts,
    models: {
      bgnbd: fitBg ? { r: fitBg.r, alpha: fitBg.alpha, a: fitBg.a, b: fitBg.b, logLikelihood: fitBg.logLikelihood, customers: fitBg.customers, converged: fitBg.converged, timeUnit: unit } : null,
      paretoNbd: fits.paretoNbd
        ? {
            r: fits.paretoNbd.r,
            alpha: fits.paretoNbd.alpha,
            s: fits.paretoNbd.s,
            beta: fits.paretoNbd.beta,
            logLikelihood: fits.paretoNbd.logLikelihood,
            customers: fits.paretoNbd.customers,
            converged: fits.paretoNbd.converged,
            timeUnit: unit,
          }
        : null,
      bgbb: fits.bgbb
        ? {
            alpha: fits.bgbb.alpha,
            beta: fits.bgbb.beta,
            gamma: fits.bgbb.gamma,
            delta: fits.bgbb.delta,
            logLikelihood: fits.bgbb.logLikelihood,
            customers: fits.bgbb.customers,
            converged: fits.bgbb.converged,
            opportunityDays: round(OPPORTUNITY_DAYS, 4),
            purchasesPerOpportunity: round(cal.purchasesPerOpportunity),
          }
        : null,
      chosen,
      gammaGamma: fitGg ? { p: fitGg.p, q: fitGg.q, gamma: fitGg.gamma / scale, logLikelihood: fitGg.logLikelihood + fitGg.customers * Math.log(scale), customers: fitGg.customers } : null,
      fitCheck,
      notes,
    },
    fitQuality: preds ? { calibrationActualRepeatPurchases: calActual, calibrationExpectedRepeatPurchases: round(calExpected, 2) } : null,
    clv: {
      horizonDays: horizon,
      discountRate: discount,
      total: round(clvTotal, 2),
      mean: clvCount ? round(clvTotal / clvCount, 2) : 0,
      distribution: clvHistogram(clvs.subarray(0, clvCount)),
      valueAtRisk: round(varTotal, 2),
      valueAtRiskDefinition: valueAtRiskDefinition(horizon, 'orders'),
    },
    saveList,
    customers,
  };
  if (opts.calibrationEndDay !== undefined) {
    report.holdout = {
      from: isoDay(calEnd + 1),
      to: isoDay(asOf),
      customers: hCustomers,
      actualRepeatPurchases: hActual,
      predictedRepeatPurchases: round(hPred, 2),
      meanAbsoluteError: hCustomers ? round(hAbs / hCustomers) : 0,
    };
  }
  return report;
}

/**
 * Why a customer is on the save list: the factor that cost the most health when it cost a
 * real share of its points; otherwise the list is about their value, not a warning sign.
 */
function riskReason(health: Health, pAlive: number | null): string | null {
  const worst = health.factors.slice().sort((f, g) => g.max - g.points - (f.max - f.points))[0];
  if (worst && worst.max - worst.points >= 0.3 * worst.max) return worst.text;
  // a one-time buyer: what the data says about customers like them, never a model's certainty
  if (pAlive === null) return health.factors.find((f) => f.factor === 'p_alive')?.text ?? null;
  return `Valuable customer; ${Math.round((1 - pAlive) * 100)}% chance of losing them`;
}

/**
 * One currency for every money figure: `preferred` (the workspace's) when the data has it, else
 * the one most orders are in. Rows in other currencies stay purchases (they count for churn,
 * frequency and recency) but their amounts are set aside and totalled per currency, never added.
 */
function splitCurrencies(t: OrderTable, preferred: string | undefined, scale: number, rates: ExchangeRate[] = [], digitsOf?: (code: string) => number) {
  const none = {
    table: t,
    foreign: null as Uint8Array | null,
    customerCurrency: null as (string | null)[] | null,
    note: null as string | null,
    info: (): RetentionReport['currency'] => ({ code: preferred ?? t.currencies?.[0] ?? null, mode: 'single', byCurrency: [], note: null }),
  };
  if (!t.currency || !t.currencies || t.currencies.length === 0) return none;
  const K = t.currencies.length;
  const rowsPer = new Float64Array(K);
  for (let i = 0; i < t.length; i++) if (t.currency[i] !== 0xffff && t.amount[i] > 0 && !t.void[i]) rowsPer[t.currency[i]]++;
  let main = preferred ? t.currencies.indexOf(preferred.toUpperCase()) : -1;
  if (main < 0) for (let k = 0; k < K; k++) if (main < 0 || rowsPer[k] > rowsPer[main]) main = k;
  const code = t.currencies[main];
  const used = [...rowsPer].filter((v, k) => v > 0 || k === main).length;
  if (used <= 1 && K === 1) return { ...none, info: (): RetentionReport['currency'] => ({ code, mode: 'single', byCurrency: [], note: null }) };
  const orders = new Float64Array(K);
  const revenue = new Float64Array(K);
  const foreign = new Uint8Array(t.length);
  const amount = Float64Array.from(t.amount);
  const voided = Uint8Array.from(t.void);
  const customerCurrency: (string | null)[] = new Array(t.customerIds.length).fill(null);
  const paysMain = new Uint8Array(t.customerIds.length);
  let foreignRows = 0;
  // the owner's rates per currency, by day: the latest on or before an order's day applies
  const rateTable = t.currencies.map((cur) =>
    rates
      .filter((r) => r.currency.toUpperCase() === cur && r.rate > 0 && Number.isFinite(r.rate))
      .sort((a, b) => a.day - b.day)
      .map((r) => [r.day, r.rate] as const),
  );
  const rateOn = (k: number, day: number): readonly [number, number] | null => {
    const list = rateTable[k];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid][0] <= day) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? list[lo - 1] : null;
  };
  const converted = t.currencies.map(() => ({ orders: 0, revenue: 0, first: Infinity, last: -Infinity }));
  // a currency's amounts per major unit: its own minor units (the database) or the report's (files)
  const unitOf = t.currencies.map((cur) => (digitsOf ? 10 ** digitsOf(cur) : scale));
  for (let i = 0; i < t.length; i++) {
    const k = t.currency[i] === 0xffff ? main : t.currency[i];
    if (!t.void[i]) {
      revenue[k] += t.amount[i];
      if (t.amount[i] > 0) orders[k]++;
    }
    const rate = k === main ? null : rateOn(k, t.day[i]);
    if (rate) {
      // converted at the owner's rate of its day: from here on it is money in the report's currency
      amount[i] = Math.round(((t.amount[i] * rate[1]) / unitOf[k]) * scale);
      const cv = converted[k];
      if (!t.void[i]) {
        cv.revenue += t.amount[i];
        if (t.amount[i] > 0) cv.orders++;
      }
      cv.first = Math.min(cv.first, rate[0]);
      cv.last = Math.max(cv.last, rate[0]);
    }
    if (k === main || rate) {
      if (!t.void[i]) paysMain[t.customer[i]] = 1;
      continue;
    }
    foreign[i] = 1;
    foreignRows++;
    if (!t.void[i]) customerCurrency[t.customer[i]] = t.currencies[k];
    // a purchase still, with no amount in this currency; a foreign refund is set aside whole
    if (t.amount[i] < 0 && !voided[i]) voided[i] = 2;
    amount[i] = 0;
  }
  for (let c = 0; c < customerCurrency.length; c++) if (paysMain[c]) customerCurrency[c] = null;
  const byCurrency = t.currencies.map((cur, k) => ({ currency: cur, orders: orders[k], revenue: round(revenue[k] / unitOf[k], 2) })).filter((r) => r.orders > 0 || r.revenue !== 0);
  const conversions = t.currencies
    .map((cur, k) => ({ cur, ...converted[k] }))
    .filter((c) => c.first <= c.last)
    .map((c) => ({ currency: c.cur, orders: c.orders, revenue: round(c.revenue / unitOf[t.currencies!.indexOf(c.cur)], 2), firstRate: isoDay(c.first), lastRate: isoDay(c.last) }));
  const convertedText = conversions.length
    ? `Amounts in ${conversions.map((c) => c.currency).join(', ')} are converted to ${code} with your exchange rates, each order at the latest rate on or before its day (${conversions.map((c) => `${c.currency}: ${c.orders} order${c.orders === 1 ? '' : 's'}, rates of ${c.firstRate}${c.lastRate !== c.firstRate ? ` to ${c.lastRate}` : ''}`).join('; ')}).`
    : '';
  // what is left apart: each currency's orders and revenue not converted
  const apart = t.currencies.map((_, k) => ({ orders: orders[k] - converted[k].orders, revenue: revenue[k] - converted[k].revenue }));
  const others = t.currencies.map((cur, k) => ({ cur, k })).filter(({ k }) => k !== main && (apart[k].orders > 0 || apart[k].revenue !== 0));
  if (foreignRows === 0 || others.length === 0) {
    if (conversions.length === 0) return { ...none, info: (): RetentionReport['currency'] => ({ code, mode: 'single', byCurrency: [], note: null }) };
    const info: RetentionReport['currency'] = { code, mode: 'converted', byCurrency, converted: conversions, note: `Money figures are in ${code}. ${convertedText}` };
    return { table: { ...t, amount, void: voided }, foreign: null, customerCurrency: null, note: info.note, info: () => info };
  }
  const list = others
    .map(({ cur, k }) => `${cur} ${(apart[k].revenue / unitOf[k]).toLocaleString('en', { maximumFractionDigits: 2 })} (${apart[k].orders} order${apart[k].orders === 1 ? '' : 's'})`)
    .join(', ');
  const rateHint = conversions.length ? ' (no exchange rate of yours on or before their day)' : ' (no exchange rates applied)';
  const info: RetentionReport['currency'] = {
    code,
    mode: 'per-currency',
    byCurrency,
    ...(conversions.length ? { converted: conversions } : {}),
    note: `Money figures are in ${code}; other currencies are totalled apart and never added to it${rateHint}: ${list}.${convertedText ? ` ${convertedText}` : ''}`,
  };
  return {
    table: { ...t, amount, void: voided },
    foreign,
    customerCurrency,
    note: `Money figures are in ${code}. Orders in other currencies count as purchases, but their amounts are totalled apart and never added to ${code}: ${list} — ${conversions.length ? 'no exchange rate of yours covers them' : 'Keepwell applies no exchange rates unless you give them'}. Customers who pay only in another currency get no lifetime value here.${convertedText ? ` ${convertedText}` : ''}`,
    info: () => info,
  };
}

export interface FitCheck {
  ok: boolean;
  problems: string[];
  /** what P(alive), CLV and value at risk use instead when not ok */
  fallback: 'own rhythm' | null;
}

/**
 * A fit the data cannot support: dropout parameters that say almost nobody ever stops buying
 * (a → 0 or a/(a+b) → 0), parameters at the edge of the search, or a model that misses the
 * repeat purchases of the calibration period by more than 20% or of the holdout by more than 30%.
 */
export function checkBgNbdFit(
  fit: { r: number; alpha: number; a: number; b: number },
  calibrationActual: number,
  calibrationExpected: number,
  holdout: { actual: number; predicted: number } | null,
): FitCheck {
  const problems: string[] = [];
  const g = (v: number) => (v >= 0.01 && v < 1e4 ? v.toFixed(4) : v.toPrecision(3));
  if (fit.a < 0.01 || fit.a / (fit.a + fit.b) < 0.001) problems.push(`dropout a = ${g(fit.a)}, b = ${g(fit.b)}: it says almost no customer ever stops buying`);
  const edge = (['r', 'alpha', 'a', 'b'] as const).filter((k) => Math.abs(Math.log(fit[k])) > 14.5);
  if (edge.length) problems.push(`${edge.join(', ')} at the edge of what can be estimated`);
  if (calibrationActual >= 20 && Math.abs(calibrationExpected - calibrationActual) > 0.2 * calibrationActual)
    problems.push(`it expects ${Math.round(calibrationExpected)} repeat purchases in the calibration period where ${calibrationActual} happened`);
  if (holdout && holdout.actual >= 20 && Math.abs(holdout.predicted - holdout.actual) > 0.3 * holdout.actual)
    problems.push(`it predicts ${Math.round(holdout.predicted)} repeat purchases in the holdout where ${holdout.actual} happened`);
  return { ok: problems.length === 0, problems, fallback: problems.length ? 'own rhythm' : null };
}

/**
 * The same check for whichever model the report uses. Pareto/NBD: a mean dropout rate s/β so low
 * that under 1% of customers would stop over the data's span; BG/BB: a dropout chance per
 * opportunity γ/(γ+δ) under 0.001. Calibration and holdout totals as for BG/NBD.
 */
export function checkModelFit(
  model: ModelName,
  fit: Record<string, number>,
  calibrationActual: number,
  calibrationExpected: number,
  holdout: { actual: number; predicted: number } | null,
  spanUnits: number,
): FitCheck {
  if (model === 'bgnbd') return checkBgNbdFit(fit as { r: number; alpha: number; a: number; b: number }, calibrationActual, calibrationExpected, holdout);
  const keys = model === 'paretoNbd' ? (['r', 'alpha', 's', 'beta'] as const) : (['alpha', 'beta', 'gamma', 'delta'] as const);
  const base = checkBgNbdFit({ r: 1, alpha: 1, a: 1, b: 1 }, calibrationActual, calibrationExpected, holdout);
  const problems: string[] = [];
  const g = (v: number) => (v >= 0.01 && v < 1e4 ? v.toFixed(4) : v.toPrecision(3));
  if (model === 'paretoNbd' && 1 - Math.pow(fit.beta / (fit.beta + Math.max(1, spanUnits)), fit.s) < 0.01)
    problems.push(`dropout s = ${g(fit.s)}, β = ${g(fit.beta)}: it says almost no customer ever stops buying`);
  if (model === 'bgbb' && fit.gamma / (fit.gamma + fit.delta) < 0.001) problems.push(`dropout γ = ${g(fit.gamma)}, δ = ${g(fit.delta)}: it says almost no customer ever stops buying`);
  const edge = keys.filter((k) => Math.abs(Math.log(fit[k])) > 14.5);
  if (edge.length) problems.push(`${edge.join(', ')} at the edge of what can be estimated`);
  problems.push(...base.problems);
  return { ok: problems.length === 0, problems, fallback: problems.length ? 'own rhythm' : null };
}

/** A customer's own rhythm as a chance of still buying: 1 up to their usual gap, down to 0 at three times it (as in health). */
function rhythmShare(daysSince: number, usualGap: number): number {
  const ratio = daysSince / Math.max(1, usualGap);
  return ratio <= 1 ? 1 : Math.max(0, 1 - (ratio - 1) / 2);
}

/** gaps between purchases a customer needs before their own rhythm is used (else the business's usual gap) */
export const MIN_RHYTHM_GAPS = 2;

/** fewer one-time buyers of an age than this, and their come-back share is not told */
export const MIN_PEERS = 20;

/**
 * For a customer without a repeat purchase `a` days after their first: of all customers still
 * without a second purchase `a` days after their first (and watched at least that long), the
 * share who made one later — what the data says about one-time buyers of that age.
 */
function comeBackShares(pd: PurchaseDays, inModel: Uint8Array, x: Int32Array, firstBuy: Int32Array, calEnd: number): (ageDays: number) => { share: number | null; peers: number; ageDays: number } {
  let maxAge = 0;
  for (let c = 0; c < pd.n; c++) if (inModel[c]) maxAge = Math.max(maxAge, calEnd - firstBuy[c]);
  const secondAt = new Float64Array(maxAge + 2); // customers whose second purchase came g days after the first
  const oneTimeAt = new Float64Array(maxAge + 2); // one-time buyers watched for T days
  for (let c = 0; c < pd.n; c++) {
    if (!inModel[c]) continue;
    if (x[c] > 0) secondAt[pd.days[pd.offsets[c] + 1] - firstBuy[c]]++;
    else oneTimeAt[calEnd - firstBuy[c]]++;
  }
  // suffix sums: came[a] = second purchase more than a days after the first; still[a] = one-time, watched ≥ a days
  const came = new Float64Array(maxAge + 2);
  const still = new Float64Array(maxAge + 2);
  for (let a = maxAge; a >= 0; a--) {
    came[a] = came[a + 1] + secondAt[a + 1];
    still[a] = still[a + 1] + oneTimeAt[a];
  }
  return (ageDays) => {
    const a = Math.max(0, Math.min(maxAge, ageDays));
    const peers = came[a] + still[a];
    return { share: peers >= MIN_PEERS ? came[a] / peers : null, peers, ageDays };
  };
}

function lastDayUpTo(pd: PurchaseDays, c: number, day: number): number {
  for (let i = pd.offsets[c + 1] - 1; i >= pd.offsets[c]; i--) if (pd.days[i] <= day) return pd.days[i];
  return pd.days[pd.offsets[c]];
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

export function subscriptionsReport(subs: SubscriptionRow[], opts: ReportOptions = {}): RetentionReport {
  const periodType = opts.periodType ?? 'month';
  const discount = opts.discountRate ?? 0.1;
  const horizon = opts.horizonDays ?? 365;
  const scale = 10 ** (opts.currencyDigits ?? 2);
  const notes: string[] = [];
  // stable order: by customer, start, id
  const rows = subs.slice().sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : a.startDay - b.startDay || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  const ids: string[] = [];
  const index = new Map<string, number>();
  for (const s of rows) if (!index.has(s.customerId)) index.set(s.customerId, ids.push(s.customerId) - 1);
  const n = ids.length;
  let maxDay = -Infinity;
  let minDay = Infinity;
  for (const s of rows) {
    minDay = Math.min(minDay, s.startDay);
    maxDay = Math.max(maxDay, s.startDay, s.cancelDay ?? -Infinity);
  }
  const asOf = opts.asOfDay ?? (Number.isFinite(maxDay) ? maxDay : 0);
  const calEnd = Math.min(opts.calibrationEndDay ?? asOf, asOf);
  if (!Number.isFinite(minDay)) minDay = asOf;
  const firstDay = new Int32Array(n).fill(2 ** 30);
  const byCustomer: SubscriptionRow[][] = Array.from({ length: n }, () => []);
  for (const s of rows) {
    const c = index.get(s.customerId)!;
    byCustomer[c].push(s);
    firstDay[c] = Math.min(firstDay[c], s.startDay);
  }
  minDay = Math.max(minDay, monthStart(monthIndex(asOf) - (MAX_MONTHS - 1)));
  const bounds = makeBoundaries(minDay, asOf);
  // active at boundary b when start < b <= cancel day
  const active = markActive(
    (c, mark) => {
      const ranges = byCustomer[c].map((s) => [s.startDay + 1, s.cancelDay === null ? 2 ** 30 : s.cancelDay] as const).filter(([lo, hi]) => hi >= lo && lo <= asOf + 1);
      ranges.sort((a, b) => a[0] - b[0]);
      let lo = -1;
      let hi = -2;
      for (const [a, b] of ranges) {
        if (a <= hi + 1) hi = Math.max(hi, b);
        else {
          if (lo >= 0) mark(lo, hi);
          lo = a;
          hi = b;
        }
      }
      if (lo >= 0) mark(lo, hi);
    },
    n,
    bounds,
  );
  const B = bounds.days.length;
  const mrr = new Float64Array(B * n);
  for (let c = 0; c < n; c++)
    for (const s of byCustomer[c]) {
      const hi = s.cancelDay === null ? Infinity : s.cancelDay;
      for (let b = 0; b < B; b++) if (bounds.days[b] > s.startDay && bounds.days[b] <= hi) mrr[b * n + c] += monthlyAmount(s);
    }
  const month0 = monthIndex(minDay);
  const months = monthIndex(asOf) - month0 + 1;
  const boughtInMonth = new Uint8Array(months * n);
  const revenueByMonth = new Float64Array(months);
  const cohortMap = new Map<number, CohortCounts>();
  for (let c = 0; c < n; c++) {
    const cm = monthIndex(firstDay[c]);
    if (cm - month0 >= months) continue;
    // cohorts older than the covered months are not shown; their subscriptions still count
    const row = joinCohort(cohortMap, cm, month0, months);
    const activeMonths = new Set<number>();
    for (const s of byCustomer[c]) {
      const endMonth = Math.min(monthIndex(Math.min(s.cancelDay ?? asOf, asOf)), month0 + months - 1);
      const startMonth = monthIndex(s.startDay);
      for (let m = Math.max(startMonth, month0); m <= endMonth; m++) {
        // a subscription that ends on the 1st did not run in that month
        if (s.cancelDay !== null && s.cancelDay <= monthStart(m) && m > startMonth) continue;
        activeMonths.add(m);
        revenueByMonth[m - month0] += monthlyAmount(s);
        if (row) row.revenue[m - cm] += monthlyAmount(s);
      }
    }
    for (const m of activeMonths) {
      boughtInMonth[(m - month0) * n + c] = 1;
      if (row) row.customers[m - cm]++;
    }
  }
  // who subscribes is known from the subscriptions themselves
  const pin: PeriodInputs = { n, firstDay, active, bounds, asOf, minDay, knownFrom: -(2 ** 31), boughtInMonth, month0, months, revenueByMonth, scale, mrr };
  const periodsByType = { month: periodRows('month', pin), quarter: periodRows('quarter', pin), half: periodRows('half', pin), year: periodRows('year', pin) };
  const annual = annualRow(pin, null);
  const partialMonth = monthRunning(asOf);
  const cohorts: CohortRow[] = [...cohortMap.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([cm, r]) => ({
      cohort: monthLabel(cm),
      size: r.size,
      customers: r.customers,
      retention: cohortRetention(r.customers, r.size, partialMonth),
      revenue: r.revenue.map((v) => round(v / scale, 2)),
      partial: partialMonth,
    }));

  // sBG per plan: each subscription's lifetime in billing periods, censored at the calibration end
  const plans = new Map<string, SubscriptionRow[]>();
  for (const s of rows) if (s.startDay <= calEnd) (plans.get(s.plan) ?? plans.set(s.plan, []).get(s.plan)!).push(s);
  const sbgFits = new Map<string, SbgFit & { interval: string; customers: number }>();
  for (const [plan, list] of [...plans.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const interval = list[0].interval;
    // billing periods counted on the calendar (renewal dates), never days ÷ an average length
    const lifetimes = list.map((s) => subscriptionLifetime(s, calEnd));
    try {
      const fit = fitSbgLifetimes(lifetimes);
      sbgFits.set(plan, { ...fit, interval, customers: list.length });
      if (fit.gamma + fit.delta > 1000)
        notes.push(`Plan ${plan}: too little history to tell its subscribers apart, so one churn rate fits best: ${((100 * fit.gamma) / (fit.gamma + fit.delta)).toFixed(1)}% per ${interval}.`);
    } catch (err) {
      notes.push(`sBG not fitted for plan ${plan}: ${(err as Error).message}.`);
    }
  }

  // per customer
  const order = idOrder(ids);
  const customers: CustomerRow[] = [];
  const saveCandidates: SaveListRow[] = [];
  const clvs: number[] = [];
  let clvTotal = 0;
  let varTotal = 0;
  let revenueTotal = 0;
  const periodsPerYear = (i: string) => 365.25 / intervalDays[i as SubscriptionRow['interval']];
  for (let oi = 0; oi < n; oi++) {
    const c = order[oi];
    let clv = 0;
    let pAliveMax = 0;
    let isActive = false;
    let revenue = 0;
    let lastStart = firstDay[c];
    for (const s of byCustomer[c]) {
      const len = intervalDays[s.interval];
      revenue += paymentsMade(s, asOf) * s.amount;
      lastStart = Math.max(lastStart, s.startDay);
      const running = s.cancelDay === null || s.cancelDay > asOf;
      if (!running) continue;
      isActive = true;
      const fit = sbgFits.get(s.plan);
      const renewals = paymentsMade(s, asOf) - 1;
      if (fit) {
        // probability they are still subscribed after the next renewal, and the discounted value
        const keep = (fit.delta + renewals) / (fit.gamma + fit.delta + renewals);
        pAliveMax = Math.max(pAliveMax, keep);
        const perPeriodRate = Math.pow(1 + discount, 1 / periodsPerYear(s.interval)) - 1;
        // cap the lifetime at the horizon: DERL over the horizon only
        const horizonPeriods = Math.max(1, Math.round(horizon / len));
        const surv = sbgSurvival(fit, renewals + horizonPeriods + 1);
        let value = 0;
        for (let k = 1; k <= horizonPeriods; k++) value += surv[renewals + k] / surv[renewals] / Math.pow(1 + perPeriodRate, k - 1);
        clv += (value * s.amount) / scale;
      } else pAliveMax = Math.max(pAliveMax, 1);
    }
    revenueTotal += revenue;
    const ex = opts.extras?.get(ids[c]);
    const health = healthScore({
      pAlive: pAliveMax,
      pAliveMeaning: isActive ? 'renewal' : 'alive',
      daysSinceLastPurchase: null,
      usualGapDays: null,
      lastSurveyScore: ex?.lastSurveyScore,
      openComplaints: ex?.openComplaints,
      daysSinceLastTouchpoint: ex?.lastTouchpointDay === null || ex?.lastTouchpointDay === undefined ? null : asOf - ex.lastTouchpointDay,
    });
    // CLV already carries the chance of renewing: what they would pay if they renew is CLV ÷ that chance
    const var_ = pAliveMax > 0 ? valueAtRisk(clv / pAliveMax, pAliveMax) : 0;
    varTotal += var_;
    clvs.push(clv);
    clvTotal += clv;
    if (isActive)
      saveCandidates.push({ id: ids[c], name: ex?.name, valueAtRisk: round(var_, 2), clv: round(clv, 2), pAlive: round(pAliveMax), health: health.score, topReason: riskReason(health, pAliveMax) });
    if (opts.includeCustomers !== false)
      customers.push({
        id: ids[c],
        ...(ex?.name ? { name: ex.name } : {}),
        frequency: byCustomer[c].length - 1,
        recency: round((lastStart - firstDay[c]) / unitDays[opts.timeUnit ?? 'day']),
        T: round((asOf - firstDay[c]) / unitDays[opts.timeUnit ?? 'day']),
        monetary: null,
        firstPurchase: isoDay(firstDay[c]),
        lastPurchase: isoDay(lastStart),
        revenue: round(revenue / scale, 2),
        pAlive: round(pAliveMax),
        expectedPurchases: 0,
        clv: round(clv, 2),
        valueAtRisk: round(var_, 2),
        health: health.score,
        reasons: health.reasons,
        factors: health.factors.map((f) => ({ ...f, points: round(f.points, 1) })),
        plans: [...new Set(byCustomer[c].map((s) => s.plan))].sort(),
        active: isActive,
      });
  }
  const sbg = [...sbgFits.entries()].map(([plan, f]) => ({
    plan,
    interval: f.interval,
    gamma: f.gamma,
    delta: f.delta,
    logLikelihood: f.logLikelihood,
    customers: f.customers,
    survival: sbgSurvival(f, Math.max(12, f.periods + 6)).map((v) => round(v)),
    derl: round(derl(f, 0, Math.pow(1 + discount, intervalDays[f.interval as SubscriptionRow['interval']] / 365.25) - 1)),
  }));
  return {
    type: 'subscriptions',
    asOf: isoDay(asOf),
    timeUnit: opts.timeUnit ?? 'day',
    periodType,
    totals: { customers: n, orders: rows.length, revenue: round(revenueTotal / scale, 2), refunds: 0, voidedOrders: 0, cancelledOrders: 0 },
    currency: { code: opts.currency ?? null, mode: 'single', byCurrency: [], note: null },
    activityWindow: { days: 0, source: 'subscriptions', explanation: 'A subscriber is active while a subscription runs and lost when their last subscription ends.' },
    periods: periodsByType[periodType],
    periodsByType,
    annual,
    benchmark: makeBenchmark(opts, annual.retentionRate),
    repeatRate: null,
    cohorts,
    models: { bgnbd: null, gammaGamma: null, sbg, notes },
    fitQuality: null,
    clv: {
      horizonDays: horizon,
      discountRate: discount,
      total: round(clvTotal, 2),
      mean: clvs.length ? round(clvTotal / clvs.length, 2) : 0,
      distribution: clvHistogram(clvs),
      valueAtRisk: round(varTotal, 2),
      valueAtRiskDefinition: valueAtRiskDefinition(horizon, 'subscriptions'),
    },
    saveList: saveCandidates
      .filter((s) => s.valueAtRisk > 0)
      .sort((a, b) => b.valueAtRisk - a.valueAtRisk || (a.id < b.id ? -1 : 1))
      .slice(0, opts.saveListSize ?? 20),
    customers,
  };
}

/** the report date is not the last day of its month: the cohorts' last month is still running */
const monthRunning = (asOf: number) => asOf + 1 < monthStart(monthIndex(asOf) + 1);

/** Shares of the cohort active per month; the month still running is left out (null), not drawn as a fall. */
function cohortRetention(customers: number[], size: number, partialLast: boolean): (number | null)[] {
  return customers.map((v, k) => (partialLast && k === customers.length - 1 ? null : round(v / size)));
}

type CohortCounts = { size: number; customers: number[]; revenue: number[] };

/** Counts a customer into the cohort of month `cm`; cohorts older than the covered months get no row (undefined). */
function joinCohort(cohortMap: Map<number, CohortCounts>, cm: number, month0: number, months: number): CohortCounts | undefined {
  if (cm < month0) return undefined;
  let row = cohortMap.get(cm);
  if (!row) {
    row = { size: 0, customers: new Array(month0 + months - cm).fill(0), revenue: new Array(month0 + months - cm).fill(0) };
    cohortMap.set(cm, row);
  }
  row.size++;
  return row;
}
