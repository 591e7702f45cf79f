import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { insertHistory } from '../customers/index.js';
import { makeCustomer, makeOrder, makeSubscription } from '../customers/testing/factories.js';
import { insertPastTasks } from '../tasks/index.js';
import { workspaceReport } from './analytics.service.js';

// Today is 2024-06-30 (noon UTC). Workspace: professional services, Europe/Amsterdam, EUR.
const now = new Date('2024-06-30T12:00:00Z');
let t: TestApp;
let agent: Caller;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp({ now: () => now });
  agent = await t.signIn('agent');
  const db = t.database.db;
  const names = ['Regular Rita', 'Lapsed Larry', 'New Nina', 'Subscriber Sam', 'Nobody Ned'];
  for (const name of names) {
    const row = await makeCustomer(db, { name });
    ids[name.split(' ')[0]] = row.id;
  }
  const order = (customer: string, at: string, amount: number, status: 'paid' | 'refunded' = 'paid') => ({
    customer: ids[customer],
    fields: { ordered_at: at, amount_minor: amount, currency: 'EUR', status },
  });
  const orders = [];
  // Rita buys every month for a year and a half
  for (let m = 0; m < 18; m++) orders.push(order('Regular', new Date(Date.UTC(2023, m, 10, 9)).toISOString(), 4000));
  // Larry bought often in 2023, then stopped
  for (let m = 0; m < 8; m++) orders.push(order('Lapsed', new Date(Date.UTC(2023, m, 3, 9)).toISOString(), 9000));
  // Nina's only order is a refunded one plus a paid one last week
  orders.push(order('New', '2024-06-01T10:00:00Z', 5000, 'refunded'));
  orders.push(order('New', '2024-06-24T10:00:00Z', 3000));
  for (const o of orders) await makeOrder(db, o.customer, o.fields);
  await makeSubscription(db, ids.Subscriber, { plan: 'beans monthly', amount_minor: 2500, currency: 'EUR', interval: 'month', started_at: '2023-09-01T10:00:00Z' });
  await makeSubscription(db, ids.Regular, { plan: 'beans monthly', amount_minor: 2500, currency: 'EUR', interval: 'month', started_at: '2023-03-01T10:00:00Z', canceled_at: '2024-02-15T10:00:00Z' });
  await insertHistory(db, { touchpoints: [{ customer_id: ids.Lapsed, channel: 'email', direction: 'out', occurred_at: '2024-06-20T10:00:00Z', summary: 'Checked in' }] });
  // Automated and internal records are not contact: a win-back playbook's email and promo code
  // for Larry yesterday, a tag and an internal note for Nina.
  await insertHistory(db, {
    touchpoints: [
      { customer_id: ids.Lapsed, channel: 'email', direction: 'out', occurred_at: '2024-06-29T10:00:00Z', summary: 'Win-back: We miss you', source: 'playbook:11111111-1111-4111-8111-111111111111' },
      {
        customer_id: ids.Lapsed,
        channel: 'system',
        direction: 'out',
        occurred_at: '2024-06-29T10:00:00Z',
        summary: 'Win-back: promo code issued',
        source: 'playbook:11111111-1111-4111-8111-111111111111',
      },
      { customer_id: ids.New, channel: 'system', direction: 'internal', occurred_at: '2024-06-29T10:00:00Z', summary: 'Tag "vip" added' },
      { customer_id: ids.New, channel: 'note', direction: 'internal', occurred_at: '2024-06-29T10:00:00Z', summary: 'Owner note: pays late' },
    ],
  });
  // an unhappy survey answer left a close-the-loop task open for Rita
  await insertPastTasks(db, [{ customerId: ids.Regular, title: 'Call back: detractor', dueAt: new Date('2024-06-29T10:00:00Z'), source: 'survey:abc' }]);
});
afterAll(() => t.close());

describe('analytics API', () => {
  it('needs a signed-in user', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/analytics/overview' });
    expect(res.statusCode).toBe(401);
  });

  it('gives the overview: periods, benchmark, cohorts, CLV, models and the save list', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/analytics/overview', headers: agent.headers });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.hasData).toBe(true);
    expect(body.kpis.benchmark).toMatchObject({ industry: 'professional_services', rate: 0.84 });
    expect(body.kpis.customers).toBe(3);
    expect(body.periods.at(-1)).toMatchObject({ period: '2024-06', end: '2024-06-30' });
    expect(body.periods[0]).toMatchObject({ period: '2023-01', new: 2 });
    expect(body.cohorts.length).toBeGreaterThan(0);
    expect(body.subscriptionPeriods.find((p: { period: string }) => p.period === '2024-02')).toMatchObject({ customersAtStart: 2, lost: 1 });
    expect(body.models.orders.bgnbd).not.toBeNull();
    expect(body.models.subscriptions.sbg[0].plan).toBe('beans monthly');
    const names = body.saveList.map((s: { name: string }) => s.name);
    expect(names).toContain('Lapsed Larry');
    expect(body.saveList[0].valueAtRisk).toBeGreaterThanOrEqual(body.saveList.at(-1).valueAtRisk);
  });

  it('leaves customers with nothing at risk off the save list', async () => {
    const o = (await t.app.inject({ method: 'GET', url: '/api/analytics/overview', headers: agent.headers })).json();
    expect(o.saveList.length).toBeGreaterThan(0);
    for (const row of o.saveList) expect(row.valueAtRisk).toBeGreaterThan(0);
  });

  it('validates the query', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/analytics/overview?period=week', headers: agent.headers });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('period');
  });

  it("gives a customer's health with reasons", async () => {
    const larry = (await t.app.inject({ method: 'GET', url: `/api/analytics/customers/${ids.Lapsed}`, headers: agent.headers })).json();
    const rita = (await t.app.inject({ method: 'GET', url: `/api/analytics/customers/${ids.Regular}`, headers: agent.headers })).json();
    expect(larry).toMatchObject({ hasData: true, modelled: true, frequency: 7 });
    expect(larry.reasons.join(' ')).toMatch(/Overdue/);
    expect(larry.factors.map((f: { factor: string }) => f.factor)).toContain('touchpoint');
    // the real contact ten days ago counts, the playbook's email and promo code yesterday do not
    expect(larry.factors.find((f: { factor: string }) => f.factor === 'touchpoint').text).toBe('In touch recently (10 days ago)');
    const nina = (await t.app.inject({ method: 'GET', url: `/api/analytics/customers/${ids.New}`, headers: agent.headers })).json();
    expect(nina.factors.map((f: { factor: string }) => f.factor)).not.toContain('touchpoint');
    // one purchase: never "very likely still a customer"; too few customers like her to tell how many come back
    expect(nina.comeBack).toEqual({ share: null, peers: 3, ageDays: 6 }); // Rita and Larry had not bought again 6 days after their first either
    expect(nina.reasons.join(' ')).not.toMatch(/very likely still a customer/i);
    expect(larry.comeBack).toBeNull();
    expect(larry.valueAtRiskDefinition).toMatch(/^Value at risk: what a customer would spend over the next 365 days if they are still a customer/);
    expect(rita.health).toBeGreaterThan(larry.health);
    expect(rita.pAlive).toBeGreaterThan(larry.pAlive);
    expect(rita.subscription).toMatchObject({ active: false, plans: ['beans monthly'] });
    expect(rita.factors.find((f: { factor: string }) => f.factor === 'complaints')).toMatchObject({ text: '1 open complaint', points: 4 });
    expect(larry.factors.find((f: { factor: string }) => f.factor === 'complaints')).toMatchObject({ text: 'No open complaints', points: 10 });
  });

  it('answers 404 for an unknown customer, 400 for a malformed id, and says when there is no data', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/analytics/customers/00000000-0000-4000-8000-000000000000', headers: agent.headers })).statusCode).toBe(404);
    const bad = await t.app.inject({ method: 'GET', url: '/api/analytics/customers/not-an-id', headers: agent.headers });
    expect(bad.statusCode).toBe(400);
    const ned = (await t.app.inject({ method: 'GET', url: `/api/analytics/customers/${ids.Nobody}`, headers: agent.headers })).json();
    expect(ned).toMatchObject({ hasData: false });
  });

  it('leaves refunded orders out of the workspace report', async () => {
    const r = await workspaceReport(t.database.db, { now });
    const nina = r.orders!.customers.find((c) => c.id === ids.New)!;
    expect(nina).toMatchObject({ firstPurchase: '2024-06-24', frequency: 0, revenue: 30 });
    expect(r.orders!.totals.voidedOrders).toBe(1);
  });

  it('never adds orders in another currency to the workspace currency, and says so', async () => {
    const before = await workspaceReport(t.database.db, { now });
    expect(before.orders!.models.notes.join(' ')).not.toMatch(/other currencies/);
    expect(before.orders!.currency).toMatchObject({ code: 'EUR', mode: 'single' });
    await makeOrder(t.database.db, ids.Nobody, { ordered_at: '2024-05-01T10:00:00Z', amount_minor: 1000, currency: 'USD', status: 'paid' });
    await makeOrder(t.database.db, ids.Nobody, { ordered_at: '2024-05-02T10:00:00Z', amount_minor: 1000, currency: 'USD', status: 'paid' });
    const after = await workspaceReport(t.database.db, { now });
    expect(after.orders!.totals.revenue).toBe(before.orders!.totals.revenue);
    expect(after.orders!.totals.orders).toBe(before.orders!.totals.orders + 2);
    expect(after.orders!.currency).toMatchObject({ code: 'EUR', mode: 'per-currency' });
    expect(after.orders!.currency.byCurrency.find((c) => c.currency === 'USD')).toEqual({ currency: 'USD', orders: 2, revenue: 20 });
    expect(after.orders!.models.notes.join(' ')).toMatch(/Money figures are in EUR\..*never added to EUR: USD 20 \(2 orders\)/);
    expect(after.orders!.customers.find((c) => c.id === ids.Nobody)).toMatchObject({ revenue: 0, clv: 0, paysIn: 'USD' });
  });
});
