// Days without a time (birthday, any `date` column) travel as YYYY-MM-DD everywhere: out of the
// database on both drivers, out of the API and the CSV export, and back in on save.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';

let t: TestApp;
let agent: Caller;
let owner: Caller;
beforeAll(async () => {
  t = await createTestApp();
  agent = await t.signIn('agent');
  owner = await t.signIn('owner');
});
afterAll(async () => {
  await t.close();
});

describe('dates without a time', () => {
  it('come out of the database as YYYY-MM-DD text, not a Date at midnight UTC', async () => {
    const r = await sql<{ d: unknown; n: unknown }>`select date '1957-01-27' as d, null::date as n`.execute(t.ctx.db);
    expect(r.rows[0]).toEqual({ d: '1957-01-27', n: null });
  });

  it('a customer with a birthday reads back as YYYY-MM-DD and saves again unchanged', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/customers', headers: agent.headers, payload: { name: 'Nell Birthday', birthday: '1957-01-27', email: 'nell@example.test' } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const got = (await t.app.inject({ method: 'GET', url: `/api/customers/${id}`, headers: agent.headers })).json().customer;
    expect(got.birthday).toBe('1957-01-27');
    const list = (await t.app.inject({ method: 'GET', url: '/api/customers?search=nell', headers: agent.headers })).json().customers;
    expect(list[0].birthday).toBe('1957-01-27');

    // The web form sends back what it was given, with one field changed.
    const { name, email, phone, birthday, address, postalCode, country, tags, retentionDriver, marketingConsent } = got;
    const saved = await t.app.inject({
      method: 'PATCH',
      url: `/api/customers/${id}`,
      headers: agent.headers,
      payload: { name, email, phone, birthday, address, city: 'Leeds', postalCode, country, tags, retentionDriver, marketingConsent },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const again = (await t.app.inject({ method: 'GET', url: `/api/customers/${id}`, headers: agent.headers })).json().customer;
    expect(again).toMatchObject({ birthday: '1957-01-27', city: 'Leeds' });

    const csv = await t.app.inject({ method: 'GET', url: '/api/customers/export.csv', headers: owner.headers });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toMatch(/Nell Birthday,nell@example\.test,,1957-01-27,/);
  });
});
