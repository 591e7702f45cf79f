// A fit the data cannot support is detected and said, and P(alive), CLV and value at risk fall
// back to each customer's own rhythm (Online Retail: a → 0, "almost no one ever drops out").
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayOfDate } from './dates.js';
import { readOrdersFile } from './reader.js';
import { checkBgNbdFit, ordersReport } from './report.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};

describe('checkBgNbdFit', () => {
  it('flags boundary parameters and poor calibration or holdout fit', () => {
    expect(checkBgNbdFit({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, 2457, 2494, { actual: 1882, predicted: 1653 })).toEqual({ ok: true, problems: [], fallback: null });
    const bad = checkBgNbdFit({ r: 0.83, alpha: 70.3, a: 1.5e-6, b: 4729 }, 1000, 700, { actual: 500, predicted: 900 });
    expect(bad.ok).toBe(false);
    expect(bad.fallback).toBe('own rhythm');
    expect(bad.problems).toEqual([
      'dropout a = 0.00000150, b = 4729.0000: it says almost no customer ever stops buying',
      'it expects 700 repeat purchases in the calibration period where 1000 happened',
      'it predicts 900 repeat purchases in the holdout where 500 happened',
    ]);
    expect(checkBgNbdFit({ r: 0.5, alpha: 4e6, a: 0.5, b: 2 }, 100, 100, null).problems).toEqual(['alpha at the edge of what can be estimated']);
  });
});

const onlineRetail = path.resolve('../shared/data/online-retail/online_retail_invoices.csv');
if (!fs.existsSync(onlineRetail)) console.warn(`skipped: the Online Retail test needs ${onlineRetail}`);
describe.skipIf(!fs.existsSync(onlineRetail))('Online Retail (real file, ../shared/data/online-retail)', () => {
  it('says the fit is degenerate and puts late customers at risk by their own rhythm', async () => {
    const r = ordersReport((await readOrdersFile(onlineRetail)).table, {});
    expect(r.models.bgnbd!.a).toBeLessThan(0.01);
    expect(r.models.fitCheck).toMatchObject({ ok: false, fallback: 'own rhythm' });
    // whichever model the report chose (BG/NBD's a → 0, or Pareto/NBD's s → 0): the same verdict
    expect(r.models.fitCheck!.problems[0]).toMatch(/^dropout (a|s) = .*almost no customer ever stops buying$/);
    expect(r.models.notes.join(' ')).toMatch(/not supported by this data .* own rhythm/);
    // customers more than three times their usual gap late (a rhythm of their own: two gaps at least):
    // nothing left of P(alive), all their value at risk
    const late = r.customers.filter((c) => c.frequency >= 2 && c.T - c.recency > 3 * (c.recency / c.frequency));
    expect(late.length).toBeGreaterThan(100);
    for (const c of late) {
      expect(c.pAlive).toBe(0);
      expect(c.model!.pAlive).toBeGreaterThan(0.99); // what the degenerate fit said
      expect(c.clv).toBe(0);
      expect(c.valueAtRisk).toBeGreaterThan(0);
      expect(c.reasons.join(' ')).toMatch(/Overdue/);
      expect(c.reasons.join(' ')).not.toMatch(/very likely still a customer/i);
    }
    // two orders are no rhythm: they are measured against the business's usual gap
    for (const c of r.customers.filter((c) => c.frequency === 1)) expect(c.reasons.join(' ')).not.toMatch(/usually every/);
    expect(r.clv.valueAtRisk).toBeGreaterThan(100000);
    expect(r.saveList[0].valueAtRisk).toBeGreaterThan(1000);
  });
});

const cdnow = path.resolve('../shared/data/cdnow/CDNOW_sample.txt');
describe.skipIf(!fs.existsSync(cdnow))('CDNOW sample', () => {
  it('passes the check: nothing changes', async () => {
    const f = await readOrdersFile(cdnow, { customerCol: 2, dateCol: 3, amountCol: 5 });
    const r = ordersReport(f.table, { timeUnit: 'week', calibrationEndDay: d('1997-09-30'), asOfDay: d('1998-06-30') });
    expect(r.models.fitCheck).toEqual({ ok: true, problems: [], fallback: null });
    expect(r.customers.every((c) => c.model === undefined)).toBe(true);
  });
});
