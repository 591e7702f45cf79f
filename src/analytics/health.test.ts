import { describe, expect, it } from 'vitest';
import { dayOfDate } from './dates.js';
import { OrderTableBuilder } from './orders.js';
import { ordersReport } from './report.js';
import { healthScore } from './health.js';

describe('health score', () => {
  it('adds up the factors by hand, reasons most damaging first', () => {
    const h = healthScore({ pAlive: 0.5, daysSinceLastPurchase: 60, usualGapDays: 30, lastSurveyScore: 4, openComplaints: 1, daysSinceLastTouchpoint: 105 });
    // 20/40 + 12.5/25 (twice as late: half) + 6/15 + 4/10 + 5/10 (105 days: half) = 47.5
    expect(h.factors.map((f) => [f.factor, f.points])).toEqual([
      ['p_alive', 20],
      ['rhythm', 12.5],
      ['survey', 6],
      ['complaints', 4],
      ['touchpoint', 5],
    ]);
    expect(h.score).toBe(48);
    expect(h.reasons).toEqual([
      'May be drifting away (50% chance they are still a customer)',
      'Overdue: 60 days since the last order, usually every 30 days (2.0× late)',
      'Detractor in the last survey (4/10)',
      '1 open complaint',
      'No contact for 105 days',
    ]);
  });

  it("does not call the business's gap a one-time buyer's own rhythm", () => {
    const once = healthScore({ pAlive: null, daysSinceLastPurchase: 0, usualGapDays: 365, ownGap: false });
    expect(once.factors[0].text).toBe('Bought once, 0 days ago; customers here usually come back within 365 days');
    const late = healthScore({ pAlive: null, daysSinceLastPurchase: 90, usualGapDays: 45, ownGap: false });
    expect(late.factors[0].text).toBe('Bought once, 90 days ago; customers here usually come back within 45 days (2.0× that)');
    expect(late.factors[0].points).toBe(12.5); // scored the same way as a repeat buyer's rhythm
  });

  it('says "1 day", never "1 days"', () => {
    const once = healthScore({ pAlive: null, daysSinceLastPurchase: 1, usualGapDays: 1, ownGap: false });
    expect(once.factors[0].text).toBe('Bought once, 1 day ago; customers here usually come back within 1 day');
    const twice = healthScore({ pAlive: null, daysSinceLastPurchase: 1, usualGapDays: 1, ownGap: false, purchases: 2 });
    expect(twice.factors[0].text).toBe('Last of 2 orders 1 day ago, too few for a rhythm of their own; customers here usually come back within 1 day');
    expect(healthScore({ pAlive: null, daysSinceLastPurchase: 1, usualGapDays: 1 }).factors[0].text).toBe('On rhythm: last order 1 day ago, usually every 1 day');
    const late = healthScore({ pAlive: null, daysSinceLastPurchase: 2, usualGapDays: 1, daysSinceLastTouchpoint: 1 });
    expect(late.factors.map((f) => f.text)).toEqual(['Overdue: 2 days since the last order, usually every 1 day (2.0× late)', 'In touch recently (1 day ago)']);
    expect(healthScore({ pAlive: null, daysSinceLastPurchase: null, usualGapDays: null, daysSinceLastTouchpoint: 1.2 }).factors[0].text).toBe('In touch recently (1 day ago)');
  });

  it('scores only the factors it knows about', () => {
    expect(healthScore({ pAlive: 0.9, daysSinceLastPurchase: null, usualGapDays: null }).score).toBe(90);
    expect(healthScore({ pAlive: 0.9, daysSinceLastPurchase: 10, usualGapDays: 30, lastSurveyScore: null }).score).toBe(Math.round((100 * (36 + 25)) / 65));
    expect(healthScore({ pAlive: null, daysSinceLastPurchase: null, usualGapDays: null }).score).toBe(50);
  });

  it('speaks of renewal for subscribers', () => {
    expect(healthScore({ pAlive: 0.43, pAliveMeaning: 'renewal', daysSinceLastPurchase: null, usualGapDays: null }).reasons).toEqual(['Unlikely to renew (43% chance of renewing)']);
  });

  it('never leaves 0–100, even for wild inputs', () => {
    const worst = healthScore({ pAlive: -1, daysSinceLastPurchase: 9999, usualGapDays: 1, lastSurveyScore: -5, openComplaints: 7, daysSinceLastTouchpoint: 9999 });
    const best = healthScore({ pAlive: 2, daysSinceLastPurchase: 0, usualGapDays: 10, lastSurveyScore: 15, openComplaints: 0, daysSinceLastTouchpoint: 0 });
    expect(worst.score).toBe(0);
    expect(best.score).toBe(100);
  });
});

describe('rhythms in the report', () => {
  it('gives no "usually every N days" to a customer with two orders; three orders make a rhythm of their own', () => {
    const b = new OrderTableBuilder();
    const day0 = dayOfDate(2024, 1, 1);
    // the business: customers who come back about every 30 days
    for (let i = 0; i < 30; i++) for (let k = 0; k < 4; k++) b.add(`regular${i}`, day0 + i + 30 * k, 2000);
    // two orders three days apart, then silence; and three orders a week apart, then silence
    b.add('twice', day0 + 10, 2000);
    b.add('twice', day0 + 13, 2000);
    for (const k of [0, 7, 14]) b.add('thrice', day0 + 20 + k, 2000);
    const asOf = day0 + 325;
    const r = ordersReport(b.build(), { asOfDay: asOf, activityWindowDays: 60 });
    const rhythm = (id: string) => r.customers.find((c) => c.id === id)!.factors.find((f) => f.factor === 'rhythm')!.text;
    expect(rhythm('twice')).not.toMatch(/usually every/);
    expect(rhythm('twice')).toMatch(/^Last of 2 orders 312 days ago, too few for a rhythm of their own; customers here usually come back within 30 days \(10\.4× that\)$/);
    expect(rhythm('thrice')).toBe('Overdue: 291 days since the last order, usually every 7 days (41.6× late)');
  });
});
