import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer, makeOrder } from '../customers/testing/factories.js';

// Today is 2024-06-30; the workspace's currency is EUR. Ann pays in EUR, Bob in USD.
const now = new Date('2024-06-30T12:00:00Z');
let t: TestApp;
let owner: Caller;
let agent: Caller;

beforeAll(async () => {
  t = await createTestApp({ now: () => now });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
  const db = t.database.db;
  const ann = await makeCustomer(db, { name: 'Ann' });
  const bob = await makeCustomer(db, { name: 'Bob' });
  for (const [m, amount] of [
    [1, 10000],
    [3, 10000],
    [5, 10000],
  ])
    await makeOrder(db, ann.id, { ordered_at: new Date(Date.UTC(2024, m, 10)).toISOString(), amount_minor: amount, currency: 'EUR', status: 'paid' });
  // $100 in February and $200 in May
  await makeOrder(db, bob.id, { ordered_at: '2024-02-10T10:00:00Z', amount_minor: 10000, currency: 'USD', status: 'paid' });
  await makeOrder(db, bob.id, { ordered_at: '2024-05-10T10:00:00Z', amount_minor: 20000, currency: 'USD', status: 'paid' });
});
afterAll(() => t.close());

const put = (caller: Caller, payload: unknown) => t.app.inject({ method: 'PUT', url: '/api/analytics/exchange-rates', headers: caller.headers, payload: payload as object });
const overview = async () => (await t.app.inject({ method: 'GET', url: '/api/analytics/overview', headers: agent.headers })).json();

describe('exchange rates of the workspace', () => {
  it('without rates the dashboard keeps other currencies apart and says so', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/analytics/exchange-rates', headers: agent.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ currency: 'EUR', rates: [] });
    const o = await overview();
    expect(o.currency.mode).toBe('per-currency');
    expect(o.kpis.revenue).toBe(300);
  });

  it('refuses bad input with a 400 naming the field, and staff who are not the owner', async () => {
    expect((await put(agent, { rates: [] })).statusCode).toBe(403);
    const bad: [unknown, RegExp][] = [
      [{ rates: [{ currency: 'US', date: '2024-01-01', rate: 1 }] }, /currency/],
      [{ rates: [{ currency: 'EUR', date: '2024-01-01', rate: 1 }] }, /rates\.0\.currency/],
      [{ rates: [{ currency: 'USD', date: '2024-02-30', rate: 1 }] }, /rates\.0\.date/],
      [{ rates: [{ currency: 'USD', date: '1/2/2024', rate: 1 }] }, /rates\.0\.date/],
      [{ rates: [{ currency: 'USD', date: '', rate: 1 }] }, /rates\.0\.date/],
      [{ rates: [{ currency: 'USD', date: '2024-01-01', rate: 0 }] }, /rate/],
      [{ rates: [{ currency: 'USD', date: '2024-01-01', rate: -2 }] }, /rate/],
      [{ rates: [{ currency: 'USD', date: '2024-01-01', rate: '0.9' }] }, /rate/],
      [{ rates: [{ currency: 'USD', date: '2024-01-01', rate: 1e12 }] }, /rate/],
      [
        {
          rates: [
            { currency: 'USD', date: '2024-01-01', rate: 0.9 },
            { currency: 'usd', date: '2024-01-01', rate: 0.8 },
          ],
        },
        /rates\.1\.date/,
      ],
      [{ rates: Array.from({ length: 1001 }, (_, i) => ({ currency: 'USD', date: `${2000 + (i % 20)}-01-01`, rate: 1 })) }, /rates/],
      [{ rates: 'USD 0.9' }, /rates/],
      [{}, /rates/],
      [[1, 2], /./],
    ];
    for (const [payload, field] of bad) {
      const res = await put(owner, payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(res.body).toMatch(field);
    }
    // nothing was stored
    expect((await t.app.inject({ method: 'GET', url: '/api/analytics/exchange-rates', headers: agent.headers })).json().rates).toEqual([]);
  });

  it('converts each order at the latest rate on or before its day, and the overview says which rates', async () => {
    const res = await put(owner, {
      rates: [
        { currency: 'usd', date: '2024-01-01', rate: 0.9 },
        { currency: 'USD', date: '2024-04-01', rate: 0.8 },
        { currency: 'JPY', date: '2024-01-01', rate: 0.006 },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      currency: 'EUR',
      rates: [
        { currency: 'JPY', date: '2024-01-01', rate: 0.006 },
        { currency: 'USD', date: '2024-01-01', rate: 0.9 },
        { currency: 'USD', date: '2024-04-01', rate: 0.8 },
      ],
    });
    const o = await overview();
    expect(o.currency.mode).toBe('converted');
    // €300 + $100 × 0.9 + $200 × 0.8
    expect(o.kpis.revenue).toBe(550);
    expect(o.currency.converted).toEqual([expect.objectContaining({ currency: 'USD', orders: 2, firstRate: '2024-01-01', lastRate: '2024-04-01' })]);
    expect(o.currency.note).toMatch(/USD.*converted to EUR with your exchange rates/);
    // an empty list takes them away again
    expect((await put(owner, { rates: [] })).statusCode).toBe(200);
    expect((await overview()).currency.mode).toBe('per-currency');
  });
});
