import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DayConverter, dayOfDate } from './dates.js';
import { OrderTableBuilder, type SubscriptionRow } from './orders.js';
import { readOrdersFile } from './reader.js';
import { ordersReport, subscriptionsReport, type PeriodRow } from './report.js';
import { derl } from './sbg.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};
const amsterdam = new DayConverter('Europe/Amsterdam');

// The fixture, activity window 30 days (a customer is active while the last purchase is <= 30 days old):
// D buys once in Oct 2023 and lapses before Nov 1 — three months with no customers follow.
// A buys 5 and 20 Jan, lapses in Feb (window ends 19 Feb), returns 10 Mar.
// B orders at 23:30 UTC on 31 Jan, which is 1 Feb in Amsterdam: a February customer.
// C buys 10 Feb; a refunded order of 15 Feb does not count; a refund of 10.00 on 20 Feb lowers revenue.
type Row = [string, number, number, boolean];
const rows: Row[] = [
  ['D', d('2023-10-01'), 10000, false],
  ['A', d('2024-01-05'), 2000, false],
  ['A', d('2024-01-20'), 3000, false],
  ['A', d('2024-03-10'), 4000, false],
  ['B', amsterdam.dayOf(Date.parse('2024-01-31T23:30:00Z')), 6000, false],
  ['C', d('2024-02-10'), 5000, false],
  ['C', d('2024-02-15'), 7000, true],
  ['C', d('2024-02-20'), -1000, false],
];
function build(list: Row[]) {
  const b = new OrderTableBuilder();
  for (const [id, day, amount, isVoid] of list) b.add(id, day, amount, isVoid);
  return b.build();
}
const opts = { activityWindowDays: 30, asOfDay: d('2024-03-31') };
const pick = (p: PeriodRow) => [p.period, p.customersAtStart, p.lost, p.new, p.returned, p.churnRate];

describe('retention report on a small fixture (hand-computed)', () => {
  const report = ordersReport(build(rows), opts);

  it('counts customers, orders, refunds and revenue', () => {
    expect(report.totals).toEqual({ customers: 4, orders: 6, revenue: 290, refunds: 10, voidedOrders: 1, cancelledOrders: 0 });
    expect(report.repeatRate).toBe(0.25); // only A bought on two days or more
  });

  it('gives churn per month, with empty months, a lapse and a return', () => {
    expect(report.periodsByType.month.map(pick)).toEqual([
      ['2023-10', 0, 0, 1, 0, null],
      ['2023-11', 0, 0, 0, 0, null],
      ['2023-12', 0, 0, 0, 0, null],
      ['2024-01', 0, 0, 1, 0, null],
      ['2024-02', 1, 1, 2, 0, 1], // A lapses; B (time-zone boundary) and C are new
      ['2024-03', 2, 2, 0, 1, 1], // B and C lapse; A returns
    ]);
    const march = report.periodsByType.month[5];
    expect(march.activeAtEnd).toBe(1);
    expect(march.retentionRate).toBe(0);
    expect(report.periodsByType.month[4].revenue).toBe(100); // B 60 + C 50 - refund 10
  });

  it('rolls months up to quarters and years', () => {
    expect(report.periodsByType.quarter.map(pick)).toEqual([
      ['2023-Q4', 0, 0, 1, 0, null],
      ['2024-Q1', 0, 0, 3, 0, null],
    ]);
    expect(report.periodsByType.year.map((p) => [p.period, p.start, p.end, p.new])).toEqual([
      ['2023', '2023-10-01', '2023-12-31', 1],
      ['2024', '2024-01-01', '2024-03-31', 3],
    ]);
  });

  it('builds acquisition-month cohorts of customers and revenue', () => {
    expect(report.cohorts.map((c) => [c.cohort, c.size, c.customers, c.revenue])).toEqual([
      ['2023-10', 1, [1, 0, 0, 0, 0, 0], [100, 0, 0, 0, 0, 0]],
      ['2024-01', 1, [1, 0, 1], [50, 0, 40]],
      ['2024-02', 2, [2, 0], [100, 0]], // C's refund of 10 comes off her February order
    ]);
    expect(report.cohorts[1].retention).toEqual([1, 0, 1]);
  });

  it('does not depend on the order of the rows', () => {
    const shuffled = [rows[5], rows[2], rows[7], rows[0], rows[4], rows[1], rows[6], rows[3]];
    expect(JSON.stringify(ordersReport(build(shuffled), opts))).toEqual(JSON.stringify(report));
  });

  it('counts subscribers as active customers while a subscription runs', () => {
    const otherActivity = new Map<string, { firstDay: number; ranges: [number, number][] }>([
      ['S', { firstDay: d('2024-01-15'), ranges: [[d('2024-01-16'), 2 ** 30]] }], // subscribes only, never orders
      ['D', { firstDay: d('2023-11-05'), ranges: [[d('2023-11-06'), d('2023-12-20')]] }], // D subscribes after lapsing
    ]);
    const r = ordersReport(build(rows), { ...opts, otherActivity });
    expect(r.periodsByType.month.map(pick)).toEqual([
      ['2023-10', 0, 0, 1, 0, null],
      ['2023-11', 0, 0, 0, 0, null],
      ['2023-12', 1, 1, 0, 0, 1], // D is active on 1 Dec through the subscription, lost when it ends
      ['2024-01', 0, 0, 2, 0, null], // A and S are new
      ['2024-02', 2, 1, 2, 0, 0.5],
      ['2024-03', 3, 2, 0, 1, 0.6667],
    ]);
    // the purchase models only see buyers
    expect(r.customers.map((c) => c.id)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('derives the activity window from the purchase cycle when none is set', () => {
    const r = ordersReport(build(rows), { asOfDay: d('2024-03-31') });
    // A's gaps: 15 and 50 days; 90th percentile = 15 + 0.9 * 35 = 46.5 -> 47 days
    expect(r.activityWindow).toMatchObject({ days: 47, source: 'derived' });
    expect(r.activityWindow.explanation).toContain('47 days');
  });

  it('compares the last twelve months with the industry benchmark', () => {
    const r = ordersReport(build(rows), { ...opts, industry: { key: 'hospitality', name: 'Hospitality', annualRetention: 0.55 } });
    // nobody was active on 2023-04-01, before the data starts: no annual figure yet
    expect(r.benchmark).toMatchObject({ industry: 'hospitality', rate: 0.55, yours: null });
  });
});

describe('edge cases', () => {
  it('reports on a single one-off customer without fitting models', () => {
    const r = ordersReport(build([['solo', d('2024-02-10'), 1234, false]]), { asOfDay: d('2024-03-31') });
    expect(r.totals).toMatchObject({ customers: 1, orders: 1, revenue: 12.34 });
    expect(r.models.bgnbd).toBeNull();
    expect(r.models.notes.join(' ')).toMatch(/BG\/NBD not fitted/);
    expect(r.customers[0]).toMatchObject({ id: 'solo', frequency: 0, pAlive: 1, clv: 0 });
    expect(r.activityWindow.source).toBe('default');
  });

  it('covers at most ten years of periods, whatever stray dates a file holds', () => {
    const r = ordersReport(build([...rows, ['old', d('0001-01-01'), 100, false], ['old', d('2024-03-20'), 100, false]]), opts);
    expect(r.periodsByType.month).toHaveLength(120);
    expect(r.periodsByType.month.at(-1)).toMatchObject({ period: '2024-03', returned: 2 });
    expect(r.cohorts.map((c) => c.cohort)).toEqual(['2023-10', '2024-01', '2024-02']);
  });

  it('survives a file of nothing but refunded orders', () => {
    const r = ordersReport(build([['x', d('2024-02-10'), 1000, true]]), { asOfDay: d('2024-03-31') });
    expect(r.totals).toMatchObject({ customers: 0, orders: 0, voidedOrders: 1 });
    expect(r.customers).toEqual([]);
  });

  it('gives the same report for a larger data set in any row order', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const many: Row[] = [];
    for (let c = 0; c < 300; c++) {
      const first = d('2023-01-01') + Math.floor(rand() * 400);
      const k = 1 + Math.floor(rand() * 6);
      for (let i = 0; i < k; i++) many.push([`c${c}`, first + Math.floor(rand() * 300) * (i > 0 ? 1 : 0), 500 + Math.floor(rand() * 5000), rand() < 0.03]);
    }
    const shuffled = many.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const o = { asOfDay: d('2024-06-30'), timeUnit: 'week' as const, calibrationEndDay: d('2024-01-31') };
    const a = ordersReport(build(many), o);
    expect(a.models.bgnbd).not.toBeNull();
    expect(JSON.stringify(ordersReport(build(shuffled), o))).toEqual(JSON.stringify(a));
  });
});

describe('subscriptions (hand-computed)', () => {
  const subs: SubscriptionRow[] = [
    { id: 's1', customerId: 'X', plan: 'basic', amount: 1000, interval: 'month', startDay: d('2024-01-10'), cancelDay: d('2024-03-05') },
    { id: 's2', customerId: 'Y', plan: 'basic', amount: 1000, interval: 'month', startDay: d('2024-01-15'), cancelDay: null },
    { id: 's3', customerId: 'Y', plan: 'pro', amount: 3000, interval: 'month', startDay: d('2024-02-20'), cancelDay: null },
  ];
  const r = subscriptionsReport(subs, { asOfDay: d('2024-03-31') });
  it('loses a subscriber when the last subscription ends, with NRR and GRR', () => {
    expect(r.periods.map((p) => [p.period, p.customersAtStart, p.lost, p.new, p.churnRate, p.nrr, p.grr])).toEqual([
      ['2024-01', 0, 0, 2, null, null, null],
      ['2024-02', 2, 0, 0, 0, 2.5, 1], // Y adds pro: MRR 20 -> 50
      ['2024-03', 2, 1, 0, 0.5, 0.8, 0.8], // X cancels: MRR 50 -> 40
    ]);
    expect(r.models.sbg!.map((s) => s.plan)).toEqual(['basic', 'pro']);
  });

  it('recovers the published sBG fit from subscriptions of the "regular" cohort', () => {
    const alive = [1000, 631, 468, 382, 326, 289, 262, 241];
    const start = d('2010-01-01');
    const list: SubscriptionRow[] = [];
    let k = 0;
    for (let t = 1; t < alive.length; t++)
      for (let i = 0; i < alive[t - 1] - alive[t]; i++)
        list.push({ id: `s${k}`, customerId: `c${k++}`, plan: 'regular', amount: 10000, interval: 'year', startDay: start, cancelDay: start + Math.floor((t - 1) * 365.25) + 100 });
    for (let i = 0; i < alive[7]; i++) list.push({ id: `s${k}`, customerId: `c${k++}`, plan: 'regular', amount: 10000, interval: 'year', startDay: start, cancelDay: null });
    const rep = subscriptionsReport(list, { asOfDay: start + Math.floor(7 * 365.25) + 10, includeCustomers: false });
    const fit = rep.models.sbg![0];
    expect(fit.gamma).toBeCloseTo(0.704, 2);
    expect(fit.delta).toBeCloseTo(1.182, 2);
    expect(fit.survival[1]).toBeCloseTo(0.631, 1);
    // yearly payments discounted at 10%: DERL of a new subscriber from the fitted gamma, delta
    expect(fit.derl).toBeCloseTo(derl({ gamma: fit.gamma, delta: fit.delta }, 0, 0.1), 3);
    expect(fit.derl).toBeGreaterThan(1.5);
  });
});

const cdnowSample = fileURLToPath(new URL('../../../shared/data/cdnow/CDNOW_sample.txt', import.meta.url));
describe.skipIf(!fs.existsSync(cdnowSample))('CDNOW from raw transactions', () => {
  it('reproduces the BG/NBD estimates and predicts the 39-week holdout', async () => {
    const file = await readOrdersFile(cdnowSample, { customerCol: 2, dateCol: 3, amountCol: 5 });
    expect(file.errors).toEqual([]);
    const r = ordersReport(file.table, { timeUnit: 'week', calibrationEndDay: d('1997-09-30'), asOfDay: d('1998-06-30') });
    const bg = r.models.bgnbd!;
    expect([bg.r, bg.alpha, bg.a, bg.b].map((v) => Number(v.toPrecision(3)))).toEqual([0.243, 4.41, 0.793, 2.43]);
    expect(bg.logLikelihood).toBeCloseTo(-9582.4, 0);
    expect(r.models.gammaGamma!.p).toBeCloseTo(6.25, 1);
    const h = r.holdout!;
    // 6,696 purchase days less 2,357 first purchases less 2,457 calibration repeats
    expect(h.actualRepeatPurchases).toBe(1882);
    expect(Math.abs(h.predictedRepeatPurchases - h.actualRepeatPurchases) / h.actualRepeatPurchases).toBeLessThan(0.15);
    // conditional expectations track actual holdout purchases by calibration frequency
    for (const [lo, hi] of [
      [0, 0],
      [1, 1],
      [2, 3],
      [4, 100],
    ]) {
      const group = r.customers.filter((c) => c.frequency >= lo && c.frequency <= hi);
      const actual = group.reduce((s, c) => s + c.holdoutActual!, 0) / group.length;
      const predicted = group.reduce((s, c) => s + c.holdoutPredicted!, 0) / group.length;
      expect(Math.abs(predicted - actual)).toBeLessThan(0.25 * actual + 0.1);
    }
    expect(r.fitQuality!.calibrationActualRepeatPurchases).toBe(2457);
  });
});
