// Periods that are not over, or whose churn cannot be known yet, are marked or left out
// everywhere: cohorts, retention curves and churn — never drawn as 0%.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayOfDate } from './dates.js';
import { OrderTableBuilder } from './orders.js';
import { readOrdersFile } from './reader.js';
import { renderHtmlReport } from './report.html.js';
import { ordersReport, subscriptionsReport } from './report.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};

describe('partial and not-yet-knowable periods', () => {
  // data from 1 Dec; everyone buys monthly on the 5th; the report is as of 3 April (April has just begun)
  const b = new OrderTableBuilder();
  for (let c = 0; c < 10; c++) for (const m of ['2023-12-05', '2024-01-05', '2024-02-05', '2024-03-05']) b.add(`c${c}`, d(m), 1000);
  const r = ordersReport(b.build(), { asOfDay: d('2024-04-03'), activityWindowDays: 60 });

  it('leaves the month that started out of cohorts and curves instead of 0%', () => {
    expect(r.cohorts).toHaveLength(1);
    const c = r.cohorts[0];
    expect(c.partial).toBe(true);
    expect(c.customers).toEqual([10, 10, 10, 10, 0]); // April so far
    expect(c.retention).toEqual([1, 1, 1, 1, null]);
    const html = renderHtmlReport({ title: 't', currency: 'EUR', generatedAt: 'now', reports: [{ title: 'Orders', report: r }] });
    expect(html).toContain('title="month not over yet">…</td>');
  });

  it('says churn is not known before the activity window could pass since the data began', () => {
    expect(r.periodsByType.month.map((p) => [p.period, p.known, p.churnRate, p.partial])).toEqual([
      ['2023-12', false, null, false],
      ['2024-01', false, null, false], // starts 1 Jan, before 1 Dec + 60 days: customers who bought in Nov are unseen
      ['2024-02', false, null, false],
      ['2024-03', true, 0, false],
      ['2024-04', true, 0, true], // so far
    ]);
    // before the change, January showed 0% churn out of 10 customers
    expect(r.periodsByType.month[1].customersAtStart).toBe(10);
    expect(r.periodsByType.quarter.map((p) => [p.period, p.known])).toEqual([
      ['2023-Q4', false],
      ['2024-Q1', false],
      ['2024-Q2', true],
    ]);
  });

  it('a report on the last day of a month has no partial cohort month', () => {
    const full = ordersReport(b.build(), { asOfDay: d('2024-03-31'), activityWindowDays: 60 });
    expect(full.cohorts[0]).toMatchObject({ partial: false, retention: [1, 1, 1, 1] });
  });

  it('subscription cohorts too', () => {
    const s = subscriptionsReport([{ id: 's', customerId: 'x', plan: 'p', amount: 1000, interval: 'month', startDay: d('2024-01-10'), cancelDay: null }], { asOfDay: d('2024-03-02') });
    expect(s.cohorts[0]).toMatchObject({ partial: true, customers: [1, 1, 1], retention: [1, 1, null] });
    expect(s.periodsByType.month.every((p) => p.known)).toBe(true);
  });
});

const onlineRetail = path.resolve('../shared/data/online-retail/online_retail_invoices.csv');
describe.skipIf(!fs.existsSync(onlineRetail))('Online Retail (real file)', () => {
  it('ends on 9 December 2011: December is partial in every cohort, the first months churn unknown', async () => {
    const t = (await readOrdersFile(onlineRetail)).table;
    const r = ordersReport(t, {});
    expect(r.asOf).toBe('2011-12-09');
    for (const c of r.cohorts) {
      expect(c.partial).toBe(true);
      expect(c.retention.at(-1)).toBeNull();
    }
    // SOURCE.md's 2010-12 cohort counts every invoice that is not itself a cancellation: without
    // the negative rows the report gives its figures (2011-12 to the 9th only, so left out)
    const b = new OrderTableBuilder();
    for (let i = 0; i < t.length; i++) if (t.amount[i] >= 0) b.add(t.customerIds[t.customer[i]], t.day[i], t.amount[i]);
    const raw = ordersReport(b.build(), {}).cohorts[0];
    expect(raw).toMatchObject({ cohort: '2010-12', size: 885, partial: true });
    expect(raw.customers.slice(1)).toEqual([324, 286, 340, 321, 352, 321, 309, 313, 350, 331, 445, 235]);
    expect(raw.retention.at(-1)).toBeNull();
    // with cancelled orders voided, 6 December customers have no purchase that month left
    expect(r.cohorts[0]).toMatchObject({ cohort: '2010-12', size: 879 });
    const W = r.activityWindow.days;
    const firstKnown = r.periodsByType.month.find((p) => p.known)!;
    expect(Date.parse(firstKnown.start)).toBeGreaterThanOrEqual(Date.parse('2010-12-01') + W * 86400000);
    for (const p of r.periodsByType.month) if (!p.known) expect(p.churnRate).toBeNull();
  });
});
