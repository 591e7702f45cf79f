// The customer list's CSV export is the list the owner is looking at: same search, filters and
// order (issue 16), every row, not one page.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer, makeOrder } from './testing/factories.js';

let t: TestApp;
let owner: Caller;
const DAY = 86400_000;

beforeAll(async () => {
  t = await createTestApp();
  owner = await t.signIn('owner');
  const db = t.ctx.db;
  const spend: [string, number[], number][] = [
    ['Ann Export', [5000], 10],
    ['Bob Export', [7000, 5000], 200],
    ['Cy Export', [500], 400],
    ['Dee Export', [], 0],
  ];
  for (const [name, amounts, ago] of spend) {
    const c = await makeCustomer(db, { name, email: `${name.split(' ')[0].toLowerCase()}@export.test`, tags: ['exp'] });
    for (const a of amounts) await makeOrder(db, c.id, { amount_minor: a, ordered_at: new Date(Date.now() - ago * DAY) });
  }
  await makeCustomer(db, { name: 'Eve Elsewhere', tags: ['other'] });
});
afterAll(async () => {
  await t.close();
});

async function exported(query: string): Promise<Record<string, string>[]> {
  const r = await t.app.inject({ method: 'GET', url: `/api/customers/export.csv?${query}`, headers: owner.headers });
  expect(r.statusCode, r.body).toBe(200);
  return parse(r.body, { columns: true }) as Record<string, string>[];
}
const names = (rows: Record<string, string>[]) => rows.map((r) => r.name);

describe('customer CSV export', () => {
  it('follows the list: tag, sort, search and the spend and last-order filters', async () => {
    expect(names(await exported('tag=exp'))).toEqual(['Ann Export', 'Bob Export', 'Cy Export', 'Dee Export']);
    expect(names(await exported('tag=exp&sort=spent'))).toEqual(['Bob Export', 'Ann Export', 'Cy Export', 'Dee Export']);
    expect(names(await exported('tag=exp&minSpent=10'))).toEqual(['Ann Export', 'Bob Export']);
    expect(names(await exported('tag=exp&minSpent=10&sort=spent'))).toEqual(['Bob Export', 'Ann Export']);
    expect(names(await exported('tag=exp&orderedWithinDays=30'))).toEqual(['Ann Export']);
    expect(names(await exported('tag=exp&noOrderForDays=300'))).toEqual(['Cy Export']);
    expect(names(await exported('search=bob'))).toEqual(['Bob Export']);
    expect(names(await exported('status=prospect&tag=exp'))).toEqual(['Dee Export']);
  });

  it('writes each row’s orders and spend in major units, and every row however long the list', async () => {
    const rows = await exported('tag=exp&sort=spent');
    expect(rows.map((r) => [r.orders, r.total_spent])).toEqual([
      ['2', '120.00'],
      ['1', '50.00'],
      ['1', '5.00'],
      ['0', '0.00'],
    ]);
    expect(rows[0].last_order_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const db = t.ctx.db;
    for (let i = 0; i < 230; i++) await makeCustomer(db, { name: `Many ${String(i).padStart(3, '0')}`, tags: ['many'] });
    expect(await exported('tag=many')).toHaveLength(230); // more than one page of the list (200)
  });

  it('refuses a bad filter naming it', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/customers/export.csv?minSpent=-5', headers: owner.headers });
    expect(r.statusCode).toBe(400);
    expect(JSON.stringify(r.json().error.fields)).toContain('minSpent');
  });
});
