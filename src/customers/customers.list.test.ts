// The customer list's basics over HTTP: total, sort and filter by spend, last order, health and
// lifetime value (analytics' scores), keyset pages that neither skip nor repeat, companies with
// their customers and value, custom fields, saved segments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer, makeOrder } from './testing/factories.js';

let t: TestApp;
let owner: Caller;
const now = new Date('2026-06-01T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86400_000);
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp({ now: () => now });
  owner = await t.signIn('owner');
  // spend (EUR cents) and days since the last order, per customer
  const plan: [string, number[], number][] = [
    ['Ada', [12000, 3000], 10],
    ['Bea', [500], 400],
    ['Cal', [90000], 40],
    ['Dov', [], 0],
    ['Eve', [2500, 2500, 2500], 200],
  ];
  for (const [name, amounts, last] of plan) {
    const c = await makeCustomer(t.ctx.db, { name, email: `${name.toLowerCase()}@example.test` });
    ids[name] = c.id;
    for (const [i, a] of amounts.entries()) await makeOrder(t.ctx.db, c.id, { amount_minor: a, currency: 'EUR', ordered_at: daysAgo(last + i * 30) });
  }
});
afterAll(() => t?.close());

const list = async (qs: string) => {
  const r = await t.app.inject({ method: 'GET', url: `/api/customers?${qs}`, headers: owner.headers });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as { customers: { name: string; totalSpentMinor: number }[]; nextCursor: string | null; total: number | null };
};
const names = (r: { customers: { name: string }[] }) => r.customers.map((c) => c.name);

describe('customer list', () => {
  it('sorts by spend and last order, with the total, in pages that neither skip nor repeat', async () => {
    const first = await list('sort=spent&limit=2');
    expect(first.total).toBe(5);
    expect(names(first)).toEqual(['Cal', 'Ada']);
    const second = await list(`sort=spent&limit=2&cursor=${first.nextCursor}`);
    expect(second.total).toBeNull(); // counted once, on the first page
    expect(names(second)).toEqual(['Eve', 'Bea']);
    const third = await list(`sort=spent&limit=2&cursor=${second.nextCursor}`);
    expect(names(third)).toEqual(['Dov']);
    expect(third.nextCursor).toBeNull();
    expect(names(await list('sort=lastOrder'))).toEqual(['Ada', 'Cal', 'Eve', 'Bea', 'Dov']);
    // pages of the name order still work the same
    const byName = await list('limit=3');
    expect(names(byName)).toEqual(['Ada', 'Bea', 'Cal']);
    expect(names(await list(`limit=3&cursor=${byName.nextCursor}`))).toEqual(['Dov', 'Eve']);
  });

  it('filters by spend (major units) and by last order, and counts what the filter keeps', async () => {
    const big = await list('minSpent=100&sort=spent');
    expect(names(big)).toEqual(['Cal', 'Ada']);
    expect(big.total).toBe(2);
    expect(names(await list('minSpent=10&maxSpent=100'))).toEqual(['Eve']);
    expect(names(await list('orderedWithinDays=30'))).toEqual(['Ada']);
    expect(names(await list('noOrderForDays=180'))).toEqual(['Bea', 'Eve']);
  });

  it('sorts and filters by health and lifetime value from analytics, most at risk first', async () => {
    const byHealth = await list('sort=health');
    expect(byHealth.total).toBe(5);
    const scored = byHealth.customers.map((c) => c.name).filter((n) => n !== 'Dov');
    expect(scored).toHaveLength(4);
    expect(names(byHealth).at(-1)).toBe('Dov'); // no orders, no score: last
    const analytics = await Promise.all(scored.map(async (n) => (await t.app.inject({ method: 'GET', url: `/api/analytics/customers/${ids[n]}`, headers: owner.headers })).json().health as number));
    expect(analytics).toEqual([...analytics].sort((a, b) => a - b));
    const good = await list('health=good');
    for (const c of good.customers) expect((await t.app.inject({ method: 'GET', url: `/api/analytics/customers/${ids[c.name]}`, headers: owner.headers })).json().health).toBeGreaterThanOrEqual(70);
    expect((await list('sort=value')).total).toBe(5);
  });

  it('refuses a forged cursor and an unknown sort with 400', async () => {
    const forged = Buffer.from(JSON.stringify(['not a number', ids.Ada])).toString('base64url');
    expect((await t.app.inject({ method: 'GET', url: `/api/customers?sort=spent&cursor=${forged}`, headers: owner.headers })).statusCode).toBe(400);
    const badTime = Buffer.from(JSON.stringify(["2026'; drop table customers; --", ids.Ada])).toString('base64url');
    expect((await t.app.inject({ method: 'GET', url: `/api/customers?sort=newest&cursor=${badTime}`, headers: owner.headers })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/customers?sort=shoe-size', headers: owner.headers })).statusCode).toBe(400);
  });
});

describe('companies, custom fields and segments', () => {
  it('puts customers in a company whose page shows them and their value together', async () => {
    const co = await t.app.inject({ method: 'POST', url: '/api/companies', headers: owner.headers, payload: { name: 'Lovelace Labs' } });
    expect(co.statusCode).toBe(201);
    const companyId = co.json().id as string;
    expect((await t.app.inject({ method: 'POST', url: '/api/companies', headers: owner.headers, payload: { name: 'lovelace labs' } })).statusCode).toBe(409);
    for (const n of ['Ada', 'Cal']) {
      const r = await t.app.inject({ method: 'PATCH', url: `/api/customers/${ids[n]}`, headers: owner.headers, payload: { companyId } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().companyId).toBe(companyId);
    }
    const wrong = await t.app.inject({ method: 'PATCH', url: `/api/customers/${ids.Bea}`, headers: owner.headers, payload: { companyId: '00000000-0000-4000-8000-000000000000' } });
    expect(wrong.statusCode).toBe(400);
    const page = (await t.app.inject({ method: 'GET', url: `/api/companies/${companyId}`, headers: owner.headers })).json();
    expect(page.customers.map((c: { name: string }) => c.name)).toEqual(['Cal', 'Ada']);
    expect(page.totals).toMatchObject({ customers: 2, orders: 3, spentMinor: 105000 });
    expect(page.totals.lifetimeValue).toBeGreaterThan(0);
    expect(names(await list(`company=${companyId}`))).toEqual(['Ada', 'Cal']);
    const all = (await t.app.inject({ method: 'GET', url: '/api/companies', headers: owner.headers })).json();
    expect(all.companies).toEqual([expect.objectContaining({ name: 'Lovelace Labs', customers: 2, spentMinor: 105000 })]);
  });

  it('keeps custom field values by their definitions, refusing unknown fields and wrong types', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/customers/custom-fields',
      headers: owner.headers,
      payload: {
        fields: [
          { key: 'shoe_size', label: 'Shoe size', type: 'number' },
          { key: 'wholesale', label: 'Wholesale', type: 'yes_no' },
        ],
      },
    });
    expect(put.statusCode).toBe(200);
    const ok = await t.app.inject({ method: 'PATCH', url: `/api/customers/${ids.Eve}`, headers: owner.headers, payload: { custom: { shoe_size: '38', wholesale: true } } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().custom).toEqual({ shoe_size: 38, wholesale: true });
    const cleared = await t.app.inject({ method: 'PATCH', url: `/api/customers/${ids.Eve}`, headers: owner.headers, payload: { custom: { wholesale: null } } });
    expect(cleared.json().custom).toEqual({ shoe_size: 38 });
    const unknown = await t.app.inject({ method: 'PATCH', url: `/api/customers/${ids.Eve}`, headers: owner.headers, payload: { custom: { hat: 'big' } } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.fields[0].field).toBe('body.custom.hat');
    const wrongType = await t.app.inject({ method: 'PATCH', url: `/api/customers/${ids.Eve}`, headers: owner.headers, payload: { custom: { shoe_size: 'large' } } });
    expect(wrongType.statusCode).toBe(400);
  });

  it('saves, lists and deletes segments of the list', async () => {
    const saved = await t.app.inject({ method: 'POST', url: '/api/customers/segments', headers: owner.headers, payload: { name: 'Big spenders', filters: { minSpent: 100, sort: 'spent' } } });
    expect(saved.statusCode).toBe(201);
    const bad = await t.app.inject({ method: 'POST', url: '/api/customers/segments', headers: owner.headers, payload: { name: 'x', filters: { minSpent: -1 } } });
    expect(bad.statusCode).toBe(400);
    const segs = (await t.app.inject({ method: 'GET', url: '/api/customers/segments', headers: owner.headers })).json().segments;
    expect(segs).toEqual([expect.objectContaining({ name: 'Big spenders', filters: { minSpent: 100, sort: 'spent' } })]);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/customers/segments/${segs[0].id}`, headers: owner.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/customers/segments', headers: owner.headers })).json().segments).toEqual([]);
  });
});
