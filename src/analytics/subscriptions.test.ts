// Subscription lifetimes are counted on the calendar: billing periods by renewal dates (the
// interval added to the start date, clamped to month ends), never days ÷ an average length.
import { describe, expect, it } from 'vitest';
import { dayOfDate, isoDay } from './dates.js';
import { paymentsMade, renewalDay, subscriptionLifetime, type BillingInterval, type SubscriptionRow } from './orders.js';
import { subscriptionsReport } from './report.js';
import { fitSbg } from './sbg.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};

describe('billing periods on the calendar', () => {
  it('renews on the same date, clamped to the end of shorter months', () => {
    expect([0, 1, 2, 3, 4, 13].map((k) => isoDay(renewalDay(d('2024-01-31'), 'month', k)))).toEqual(['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30', '2024-05-31', '2025-02-28']);
    expect([1, 4].map((k) => isoDay(renewalDay(d('2024-02-29'), 'year', k)))).toEqual(['2025-02-28', '2028-02-29']);
    expect(isoDay(renewalDay(d('2023-11-30'), 'quarter', 1))).toBe('2024-02-29');
  });

  it('counts a yearly plan from 2010-01-01 cancelled on 2013-01-01 as 3 payments, not 4', () => {
    const s = { startDay: d('2010-01-01'), cancelDay: d('2013-01-01'), interval: 'year' as const };
    expect(paymentsMade(s, d('2014-01-01'))).toBe(3);
    expect(subscriptionLifetime(s, d('2014-01-01'))).toEqual({ periods: 3, censored: false });
    // cancelled the day after the renewal: the renewal was paid
    expect(paymentsMade({ ...s, cancelDay: d('2013-01-02') }, d('2014-01-01'))).toBe(4);
    // still running on the renewal date itself: that renewal is due and paid
    expect(subscriptionLifetime({ ...s, cancelDay: null }, d('2013-01-01'))).toEqual({ periods: 3, censored: true });
    expect(subscriptionLifetime({ ...s, cancelDay: null }, d('2012-12-31'))).toEqual({ periods: 2, censored: true });
  });

  it('counts monthly plans started on the 29th-31st by their renewal dates', () => {
    // 31 Jan: renewals 29 Feb, 31 Mar, 30 Apr; cancelled on 30 April = did not renew in April
    expect(paymentsMade({ startDay: d('2024-01-31'), cancelDay: d('2024-04-30'), interval: 'month' }, d('2024-12-31'))).toBe(3);
    expect(paymentsMade({ startDay: d('2024-01-31'), cancelDay: d('2024-05-01'), interval: 'month' }, d('2024-12-31'))).toBe(4);
    // 30 Jan: renewal 29 Feb, 30 Mar
    expect(paymentsMade({ startDay: d('2024-01-30'), cancelDay: d('2024-03-29'), interval: 'month' }, d('2024-12-31'))).toBe(2);
    expect(paymentsMade({ startDay: d('2024-01-30'), cancelDay: d('2024-03-30'), interval: 'month' }, d('2024-12-31'))).toBe(2);
    expect(paymentsMade({ startDay: d('2024-01-30'), cancelDay: d('2024-03-31'), interval: 'month' }, d('2024-12-31'))).toBe(3);
  });
});

/** Subscriptions of one cohort that imply the survival series `alive` exactly: the ones lost in period t cancel on renewal date t. */
function cohort(alive: number[], start: number, interval: BillingInterval, plan: string, prefix: string): SubscriptionRow[] {
  const list: SubscriptionRow[] = [];
  let k = 0;
  for (let t = 1; t < alive.length; t++)
    for (let i = 0; i < alive[t - 1] - alive[t]; i++)
      list.push({ id: `${prefix}${k}`, customerId: `${prefix}${k++}`, plan, amount: 1000, interval, startDay: start, cancelDay: renewalDay(start, interval, t) });
  for (let i = 0; i < alive.at(-1)!; i++) list.push({ id: `${prefix}${k}`, customerId: `${prefix}${k++}`, plan, amount: 1000, interval, startDay: start, cancelDay: null });
  return list;
}

describe('the sBG fit on subscriptions equals the fit on the survival series they imply', () => {
  // Fader & Hardie (2007), the "regular" and "high end" cohorts
  const regular = [1000, 631, 468, 382, 326, 289, 262, 241];
  const highEnd = [1000, 869, 743, 653, 593, 551, 517, 491];

  it('yearly plans from 1 January, cancelled on renewal dates, leap years included', () => {
    const start = d('2010-01-01');
    const asOf = renewalDay(start, 'year', 7); // the 7th renewal is due on the report date
    const r = subscriptionsReport(cohort(regular, start, 'year', 'regular', 'r'), { asOfDay: asOf, includeCustomers: false });
    const fit = r.models.sbg![0];
    const direct = fitSbg(regular);
    expect(fit.customers).toBe(1000);
    expect(fit.logLikelihood).toBeCloseTo(direct.logLikelihood, 4);
    expect(fit.gamma).toBeCloseTo(direct.gamma, 3);
    expect(fit.delta).toBeCloseTo(direct.delta, 3);
    // the published estimates
    expect(fit.gamma).toBeCloseTo(0.704, 2);
    expect(fit.delta).toBeCloseTo(1.182, 2);
  });

  it('monthly plans started on the 31st and the 1st, pooled (renewals clamped to month ends, 29 Feb included)', () => {
    // 31 July renews 31 Aug, 30 Sep, 31 Oct, 30 Nov, 31 Dec, 31 Jan, 29 Feb; 1 August on the 1st
    const a = d('2011-07-31');
    const b = d('2011-08-01');
    const asOf = d('2012-03-05'); // after the 7th renewal of both, before the 8th
    expect(isoDay(renewalDay(a, 'month', 7))).toBe('2012-02-29');
    const subs = [...cohort(regular, a, 'month', 'monthly', 'r'), ...cohort(highEnd, b, 'month', 'monthly', 'h')];
    const r = subscriptionsReport(subs, { asOfDay: asOf, includeCustomers: false });
    const fit = r.models.sbg![0];
    const pooled = regular.map((v, t) => v + highEnd[t]);
    const direct = fitSbg(pooled);
    expect(fit.customers).toBe(2000);
    expect(fit.logLikelihood).toBeCloseTo(direct.logLikelihood, 4);
    expect(fit.gamma).toBeCloseTo(direct.gamma, 3);
    expect(fit.delta).toBeCloseTo(direct.delta, 3);
  });

  it('pays revenue per renewal actually made', () => {
    const s: SubscriptionRow = { id: 'a', customerId: 'a', plan: 'p', amount: 10000, interval: 'year', startDay: d('2010-01-01'), cancelDay: d('2013-01-01') };
    const r = subscriptionsReport([s], { asOfDay: d('2014-06-30') });
    expect(r.customers[0].revenue).toBe(300);
  });
});
