// Value at risk is defined once: what the customer would bring if they stay (CLV ÷ P(alive):
// CLV already carries P(alive)) times the chance they are gone — never CLV × (1 − P(alive)).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conditionalExpectedPurchases, pAlive } from './bgnbd.js';
import { paretoNbdConditionalExpected, paretoNbdPAlive } from './pnbd.js';
import { dayOfDate } from './dates.js';
import type { SubscriptionRow } from './orders.js';
import { readOrdersFile } from './reader.js';
import { ordersReport, subscriptionsReport } from './report.js';
import { derl, sbgSurvival } from './sbg.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};

const cdnow = path.resolve('../shared/data/cdnow/CDNOW_sample.txt');
describe.skipIf(!fs.existsSync(cdnow))('value at risk on CDNOW (../shared/data/cdnow)', () => {
  it('counts P(alive) once: value if they stay × chance they are gone', async () => {
    const f = await readOrdersFile(cdnow, { customerCol: 2, dateCol: 3, amountCol: 5 });
    const r = ordersReport(f.table, { timeUnit: 'week', calibrationEndDay: d('1997-09-30'), asOfDay: d('1998-06-30') });
    const bg = r.models.bgnbd!;
    // the most valuable customer whose future is uncertain, recomputed by hand from the model
    const c = r.customers.filter((x) => x.pAlive > 0.2 && x.pAlive < 0.8).sort((a, b) => b.clv - a.clv)[0];
    expect(c.clv).toBeGreaterThan(20);
    const { frequency: x, recency: tx, T } = c;
    // the model the report chose for this data (Pareto/NBD on CDNOW's holdout, BG/NBD elsewhere)
    const pn = r.models.paretoNbd!;
    const usePareto = r.models.chosen?.model === 'paretoNbd';
    const pa = usePareto ? paretoNbdPAlive(pn, x, tx, T) : pAlive(bg, x, tx, T);
    expect(c.pAlive).toBeCloseTo(pa, 4);
    // CLV's discounted purchases, per quarter of the year at its midpoint, given alive
    const step = 365 / 4 / 7;
    let alive = 0;
    let prev = 0;
    for (let k = 1; k <= 4; k++) {
      const e = usePareto ? paretoNbdConditionalExpected(pn, k * step, x, tx, T) : conditionalExpectedPurchases(bg, k * step, x, tx, T);
      alive += (e - prev) / pa / Math.pow(1.1, (k - 0.5) / 4);
      prev = e;
    }
    const spend = c.clv / (alive * pa);
    expect(c.valueAtRisk).toBeCloseTo(alive * spend * (1 - pa), 1);
    expect(c.valueAtRisk).toBeCloseTo((c.clv / pa) * (1 - pa), 1);
    expect(c.valueAtRisk).toBeGreaterThan(c.clv * (1 - pa) + 0.5); // not P(alive) twice
    // the totals and the sentence that says what it is
    const sum = r.customers.reduce((s, x) => s + x.valueAtRisk, 0);
    expect(r.clv.valueAtRisk).toBeCloseTo(sum, 0);
    expect(r.clv.valueAtRiskDefinition).toMatch(/next 365 days if they are still a customer, times the chance they are not/);
    expect(r.clv.valueAtRiskDefinition).toMatch(/not counted twice/);
    for (const s of r.saveList) {
      const row = r.customers.find((x) => x.id === s.id)!;
      expect(s.valueAtRisk).toBe(row.valueAtRisk);
    }
  });
});

describe('value at risk of a subscriber', () => {
  it('is what they pay if they renew times the chance they do not', () => {
    const subs: SubscriptionRow[] = [];
    // a plan where half renew each year, then a subscriber in their first year
    for (let i = 0; i < 100; i++)
      subs.push({ id: `s${i}`, customerId: `c${i}`, plan: 'p', amount: 10000, interval: 'year', startDay: d('2020-01-01'), cancelDay: i < 50 ? d('2021-01-01') : i < 75 ? d('2022-01-01') : null });
    subs.push({ id: 'me', customerId: 'me', plan: 'p', amount: 10000, interval: 'year', startDay: d('2022-06-01'), cancelDay: null });
    const r = subscriptionsReport(subs, { asOfDay: d('2022-12-31') });
    const me = r.customers.find((c) => c.id === 'me')!;
    const fit = r.models.sbg![0];
    const keep = (fit.delta + 0) / (fit.gamma + fit.delta);
    expect(me.pAlive).toBeCloseTo(keep, 4);
    // one renewal inside the 365-day horizon, undiscounted (first period ahead)
    const surv = sbgSurvival(fit, 2);
    expect(me.clv).toBeCloseTo(100 * surv[1], 2);
    expect(me.valueAtRisk).toBeCloseTo(100 * (1 - keep), 2);
    expect(derl(fit, 0, 0.1)).toBeGreaterThan(0);
    expect(r.clv.valueAtRiskDefinition).toMatch(/if they renew, times the chance they do not/);
  });
});
