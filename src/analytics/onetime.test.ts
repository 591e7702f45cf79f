// One-time buyers: P(alive) = 1 without a repeat purchase is the BG/NBD convention, not
// evidence. Health, the customer rows and the save list say what the data supports instead:
// the share of customers still without a second purchase that long after their first who came back.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayOfDate } from './dates.js';
import { healthScore } from './health.js';
import { OrderTableBuilder } from './orders.js';
import { readOrdersFile } from './reader.js';
import { ordersReport } from './report.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};

describe('one-time buyers', () => {
  // 40 customers buy on 1 Jan; 10 of them again on 1 June (151 days later); 20 more buy once on 1 Nov
  const b = new OrderTableBuilder();
  for (let i = 0; i < 40; i++) {
    b.add(`old${String(i).padStart(2, '0')}`, d('2023-01-01'), 5000);
    if (i < 10) b.add(`old${String(i).padStart(2, '0')}`, d('2023-06-01'), 5000 + 100 * i);
  }
  for (let i = 0; i < 20; i++) b.add(`new${String(i).padStart(2, '0')}`, d('2023-11-01'), 4000);
  const r = ordersReport(b.build(), { asOfDay: d('2023-12-31'), saveListSize: 100 });

  it('tells the share of customers of the same age who came back, not P(alive) 100%', () => {
    const fresh = r.customers.find((c) => c.id === 'new00')!;
    // 60 days: 10 came back after day 60, 30 + 20 are still one-time buyers watched ≥ 60 days
    expect(fresh.comeBack).toEqual({ share: 0.1667, peers: 60, ageDays: 60 });
    const f = fresh.factors.find((x) => x.factor === 'p_alive')!;
    expect(f.text).toBe('No second purchase yet: of the 60 customers still without a second purchase 60 days after their first, 17% came back later');
    expect(f.points).toBe(6.7);
    // a year on: nobody who waited that long came back
    const old = r.customers.find((c) => c.id === 'old39')!;
    expect(old.comeBack).toEqual({ share: 0, peers: 30, ageDays: 364 });
    for (const c of r.customers) {
      if (c.frequency === 0) expect(c.reasons.join(' ')).not.toMatch(/very likely still a customer/i);
      else expect(c.comeBack).toBeUndefined();
    }
  });

  it('says so when too few customers of that age exist to tell', () => {
    const h = healthScore({ pAlive: 1, daysSinceLastPurchase: 10, usualGapDays: 30, ownGap: false, oneTime: { share: null, peers: 3, ageDays: 10 } });
    expect(h.factors[0]).toMatchObject({ factor: 'p_alive', max: 0, points: 0 });
    expect(h.factors[0].text).toBe('No second purchase yet; too few customers were still without a second purchase 10 days after their first to tell how many come back');
    expect(h.score).toBe(100); // only the rhythm is scored
  });

  it('gives save-list rows of one-time buyers the come-back share, never a model certainty', () => {
    for (const s of r.saveList) {
      const c = r.customers.find((x) => x.id === s.id)!;
      if (c.frequency === 0) {
        expect(s.comeBack).toBeDefined();
        expect(s.topReason ?? '').not.toMatch(/0% chance of losing/);
      }
    }
  });
});

const cdnow = path.resolve('../shared/data/cdnow/CDNOW_sample.txt');
describe.skipIf(!fs.existsSync(cdnow))('CDNOW sample (../shared/data/cdnow)', () => {
  it('no one-time buyer is called very likely still a customer', async () => {
    const f = await readOrdersFile(cdnow, { customerCol: 2, dateCol: 3, amountCol: 5 });
    const r = ordersReport(f.table, { timeUnit: 'week', calibrationEndDay: d('1997-09-30'), asOfDay: d('1998-06-30') });
    const once = r.customers.filter((c) => c.frequency === 0);
    expect(once.length).toBe(1411);
    for (const c of once) {
      // BG/NBD's convention (P(alive) 1 without a repeat purchase) is kept in the data; Pareto/NBD, when chosen, has none
      if (r.models.chosen?.model === 'bgnbd') expect(c.pAlive).toBe(1);
      if (c.comeBack!.share !== null) expect(c.comeBack!.share).toBeLessThan(0.5);
      expect(c.reasons.join(' ')).not.toMatch(/very likely still a customer/i);
    }
  });
});
