// The report fits BG/NBD, Pareto/NBD and BG/BB on the same customers, picks one per data set
// (holdout fit with enough history, else log-likelihood) and says which and why (models.chosen);
// the per-customer figures come from the chosen model.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conditionalExpectedPurchases } from './bgnbd.js';
import { dayOfDate, isoDay } from './dates.js';
import { OrderTableBuilder } from './orders.js';
import { paretoNbdConditionalExpected } from './pnbd.js';
import { readOrdersFile } from './reader.js';
import { ordersReport } from './report.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};

const cdnow = path.resolve('../shared/data/cdnow/CDNOW_sample.txt');
describe.skipIf(!fs.existsSync(cdnow))('CDNOW sample with the papers’ 39-week holdout', () => {
  it('fits the three models, chooses the best holdout fit, says why, and uses it for every customer', async () => {
    const f = await readOrdersFile(cdnow, { customerCol: 2, dateCol: 3, amountCol: 5 });
    const r = ordersReport(f.table, { timeUnit: 'week', calibrationEndDay: d('1997-09-30'), asOfDay: d('1998-06-30') });
    const m = r.models;
    // the same customers as the papers' calibration: Pareto/NBD's published 0.553 / 10.578 / 0.606 / 11.669
    expect(m.paretoNbd!.r).toBeCloseTo(0.553, 3);
    expect(m.paretoNbd!.beta).toBeCloseTo(11.669, 3);
    expect(m.paretoNbd!.logLikelihood).toBeCloseTo(-9594.9762, 4);
    expect(m.bgbb).toMatchObject({ customers: 2357, opportunityDays: 30.4375 });
    expect(m.bgbb!.purchasesPerOpportunity).toBeGreaterThanOrEqual(1);
    const chosen = m.chosen!;
    expect(chosen.by).toBe('holdout');
    expect(chosen.holdout).toEqual({ from: '1997-10-01', to: '1998-06-30', customers: 2357, actualRepeatPurchases: r.holdout!.actualRepeatPurchases });
    expect(chosen.comparison.map((c) => c.model)).toEqual(['bgnbd', 'paretoNbd', 'bgbb']);
    const best = chosen.comparison.reduce((a, b) => (b.meanAbsoluteError! < a.meanAbsoluteError! ? b : a));
    expect(chosen.model).toBe(best.model);
    expect(chosen.reason).toContain(`${best.name} predicted the ${r.holdout!.actualRepeatPurchases.toLocaleString('en')} repeat purchases of 1997-10-01 to 1998-06-30 best`);
    // the report's holdout figures and every customer's expectations are the chosen model's
    expect(r.holdout!.predictedRepeatPurchases).toBeCloseTo(best.holdoutPredicted!, 1);
    const holdoutWeeks = (d('1998-06-30') - d('1997-09-30')) / 7;
    for (const c of r.customers.filter((_, i) => i % 97 === 0)) {
      const expected =
        chosen.model === 'bgnbd'
          ? conditionalExpectedPurchases(m.bgnbd!, holdoutWeeks, c.frequency, c.recency, c.T)
          : chosen.model === 'paretoNbd'
            ? paretoNbdConditionalExpected(m.paretoNbd!, holdoutWeeks, c.frequency, c.recency, c.T)
            : null;
      if (expected !== null) expect(c.holdoutPredicted).toBeCloseTo(expected, 3);
    }
  });
});

/** Customers buying at random over `days`, a fixed seed: continuous-time purchasing. */
function randomOrders(customers: number, days: number, seed: number) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const b = new OrderTableBuilder();
  const start = d('2024-01-01');
  for (let c = 0; c < customers; c++) {
    let day = Math.floor(rand() * days * 0.5);
    const gap = 5 + rand() * 60;
    const life = rand() * days;
    const first = day;
    while (day < days && day - first <= life) {
      b.add(`c${c}`, start + day, 1000 + Math.floor(rand() * 4000));
      day += Math.max(1, Math.round(-Math.log(1 - rand()) * gap));
    }
  }
  return { table: b.build(), asOf: start + days - 1 };
}

describe('choosing without a holdout', () => {
  it('with less than a year of history: the better log-likelihood of BG/NBD and Pareto/NBD, said so', () => {
    const { table, asOf } = randomOrders(400, 300, 3);
    const r = ordersReport(table, { asOfDay: asOf, timeUnit: 'week' });
    const chosen = r.models.chosen!;
    expect(chosen.by).toBe('log-likelihood');
    expect(chosen.holdout).toBeNull();
    const better = r.models.paretoNbd!.logLikelihood > r.models.bgnbd!.logLikelihood ? 'paretoNbd' : 'bgnbd';
    expect(chosen.model).toBe(better);
    expect(chosen.reason).toMatch(/^Less than a year of history, too little to hold some back/);
    expect(chosen.reason).toMatch(/BG\/BB counts months with a purchase, so its likelihood is not comparable/);
  });

  it('with two years: holds out the last third, compares the models on it, and uses the winner fitted on all the data', () => {
    const { table, asOf } = randomOrders(600, 730, 5);
    const r = ordersReport(table, { asOfDay: asOf, timeUnit: 'week' });
    const chosen = r.models.chosen!;
    expect(chosen.by).toBe('holdout');
    expect(chosen.holdout!.to).toBe('2025-12-30');
    // the last third of the history is held out
    const firstDay = Math.min(...table.day);
    expect(chosen.holdout!.from).toBe(isoDay(asOf - Math.floor((asOf - firstDay) / 3) + 1));
    const best = chosen.comparison.filter((c) => c.fitted).reduce((a, b) => (b.meanAbsoluteError! < a.meanAbsoluteError! ? b : a));
    expect(chosen.model).toBe(best.model);
    expect(chosen.reason).toMatch(/The figures use it fitted on all the data\.$/);
    // no holdout in the report itself: its customers' expectations come from the fit on everything
    expect(r.holdout).toBeUndefined();
    const c = r.customers.find((row) => row.frequency > 2)!;
    const m = r.models;
    const horizonWeeks = 365 / 7;
    const expected =
      chosen.model === 'bgnbd'
        ? conditionalExpectedPurchases(m.bgnbd!, horizonWeeks, c.frequency, c.recency, c.T)
        : chosen.model === 'paretoNbd'
          ? paretoNbdConditionalExpected(m.paretoNbd!, horizonWeeks, c.frequency, c.recency, c.T)
          : c.expectedPurchases;
    expect(c.expectedPurchases).toBeCloseTo(expected, 3);
  });
});
