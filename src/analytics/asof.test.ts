// Past data in a fresh workspace: a year of 2010–11 orders viewed in 2026. The overview is as of
// the data's last day by default (with a note), as of any chosen day on request (figures from the
// data up to that day), and the charts start where asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer, makeOrder } from '../customers/testing/factories.js';

const now = new Date('2026-12-01T12:00:00Z');
let t: TestApp;
let agent: Caller;

beforeAll(async () => {
  t = await createTestApp({ now: () => now });
  agent = await t.signIn('agent');
  const db = t.database.db;
  const customers = [];
  for (let i = 0; i < 40; i++) customers.push(await makeCustomer(db, { name: `Customer ${i}` }));
  // each customer buys every (i % 4 + 1) months from month i % 6 of 2010-12 (on day 1–9) … 2011-12; a quarter stop in mid 2011
  const orders = [];
  for (const [i, c] of customers.entries()) {
    const every = (i % 4) + 1;
    const stopAt = i % 4 === 0 ? 7 : 13;
    for (let m = i % 6; m < stopAt; m += every)
      orders.push({ customer_id: c.id, ordered_at: new Date(Date.UTC(2010, 11 + m, 1 + (i % 9), 10)).toISOString(), amount_minor: 2000 + 100 * i, currency: 'EUR', status: 'paid' as const });
  }
  // the last order of the data: 2011-12-09
  orders.push({ customer_id: customers[1].id, ordered_at: '2011-12-09T12:00:00Z', amount_minor: 5000, currency: 'EUR', status: 'paid' as const });
  for (const { customer_id, ...fields } of orders) await makeOrder(db, customer_id, fields);
});
afterAll(() => t.close());

const overview = async (query = '') => t.app.inject({ method: 'GET', url: `/api/analytics/overview${query}`, headers: agent.headers });

describe('the overview as of a chosen day', () => {
  it('defaults to the last day of data that ends long before today, and says so', async () => {
    const res = await overview();
    expect(res.statusCode).toBe(200);
    const o = res.json();
    expect(o.asOf).toMatchObject({ date: '2011-12-09', source: 'last-data', today: '2026-12-01', dataFrom: '2010-12-01', dataTo: '2011-12-09' });
    expect(o.asOf.note).toMatch(/^Your data ends on 2011-12-09, 5,471 days before today, so these figures are as of that day/);
    // not the empty dashboard of "as of today": people are active, churn and curves exist
    expect(o.kpis.customersActive).toBeGreaterThan(20);
    expect(o.periods.at(-1)).toMatchObject({ period: '2011-12', end: '2011-12-09', partial: true });
    expect(o.periods.some((p: { churnRate: number | null }) => p.churnRate !== null)).toBe(true);
    expect(o.cohorts.length).toBeGreaterThan(3);
    expect(o.range).toEqual({ from: '2010-12-01', to: '2011-12-09' });
  });

  it('as of today on request: everyone has lapsed', async () => {
    const o = (await overview('?asOf=2026-12-01')).json();
    expect(o.asOf).toMatchObject({ date: '2026-12-01', source: 'today' });
    expect(o.kpis.customersActive).toBe(0);
  });

  it('as of a day in the middle: only the data up to that day counts', async () => {
    const mid = (await overview('?asOf=2011-06-30')).json();
    const all = (await overview()).json();
    expect(mid.asOf).toMatchObject({ date: '2011-06-30', source: 'chosen', note: null });
    expect(mid.periods.at(-1)).toMatchObject({ period: '2011-06', end: '2011-06-30', partial: false });
    expect(mid.kpis.revenue).toBeLessThan(all.kpis.revenue);
    // the customers who stop in mid 2011 are still active on 2011-06-30
    expect(mid.kpis.customersActive).toBeGreaterThan(all.kpis.customersActive);
    expect(mid.range.to).toBe('2011-06-30');
  });

  it('charts start at `from`', async () => {
    const o = (await overview('?from=2011-07-01')).json();
    expect(o.range).toEqual({ from: '2011-07-01', to: '2011-12-09' });
    expect(o.periods.map((p: { period: string }) => p.period)).toEqual(['2011-07', '2011-08', '2011-09', '2011-10', '2011-11', '2011-12']);
    for (const c of o.cohorts) expect(c.cohort >= '2011-07').toBe(true);
  });

  it('refuses days that are no dates, in the future, or a range the wrong way round, naming the field', async () => {
    for (const [query, field, message] of [
      ['?asOf=2011-02-30', 'asOf', 'must be a date such as 2011-12-09'],
      ['?asOf=yesterday', 'asOf', 'must be a date such as 2011-12-09'],
      ['?asOf=2026-12-02', 'asOf', 'must not be after today (2026-12-01)'],
      ['?from=2011-13-01', 'from', 'must be a date such as 2011-12-09'],
      ['?from=2011-08-01&asOf=2011-07-01', 'from', 'must not be after asOf'],
    ]) {
      const res = await overview(query);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.fields).toEqual([{ field, message }]);
    }
  });
});
